import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configJsonSchemaText, SCHEMA_FILE } from '../../lib/config-schema.ts';
import { cli } from './capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const example = () => JSON.parse(readFileSync('firebreak.config.json', 'utf8'));
/** Writes a configuration (the example, changed by `edit`) and returns its path. */
function configFile(edit: (config: ReturnType<typeof example>) => void, name = `${Math.random()}.json`): string {
  const config = example();
  edit(config);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

describe('firebreak config check', () => {
  it('accepts the example configuration (with its $schema key), fast, exit 0', async () => {
    const started = performance.now();
    const out = await cli('config', 'check');
    expect(performance.now() - started).toBeLessThan(3000);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('firebreak.config.json: valid configuration\n');
    expect(example().$schema).toBe('./firebreak.schema.json');
  });

  it('names rules and catalog entries in the paths, gives the regex engine\u2019s reason, suggests unknown keys; exit 1', async () => {
    const file = configFile((config) => {
      const rule = config.classification.rules[0];
      rule.severty = rule.severity;
      delete rule.severity;
      config.classification.rules[1].match.title = '([a-z]+';
      config.mitigations[0].timeoutMinute = 5;
    });
    const { rules, mitigations } = { rules: example().classification.rules, mitigations: example().mitigations };
    const out = await cli('config', 'check', file);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    const problems = out.stderr.split('\n').filter((line) => line.startsWith('  - '));
    expect(problems).toEqual(
      expect.arrayContaining([
        `  - classification.rules[${JSON.stringify(rules[0].name)}]: unknown key "severty" (did you mean "severity"?)`,
        `  - classification.rules[${JSON.stringify(rules[1].name)}].match.title: is not a valid regular expression: Unterminated group`,
        `  - mitigations[${JSON.stringify(mitigations[0].id)}]: unknown key "timeoutMinute" (did you mean "timeoutMinutes"?)`,
      ]),
    );
  });

  it('checks the catalog against the documents the stack ships, as synth does', async () => {
    const file = configFile((config) => {
      config.mitigations[0].document = 'Firebreak-RestartEverything';
    });
    const out = await cli('config', 'check', file, '--json');
    expect(out.code).toBe(1);
    const result = JSON.parse(out.stdout);
    expect(result).toMatchObject({ file, valid: false });
    expect(result.problems[0]).toMatch(
      /document: "Firebreak-RestartEverything" starts with Firebreak- but the stack ships no such document/,
    );
  });

  it('warns (exit 0) when isolate-instance has no quarantine VPC, as synth does; not once fleet.vpcId is set', async () => {
    expect(example().mitigations.some((m: { document: string }) => m.document === 'Firebreak-IsolateInstance')).toBe(true);
    const without = await cli(
      'config',
      'check',
      configFile((config) => delete config.fleet?.vpcId),
      '--json',
    );
    expect(without.code).toBe(0);
    expect(JSON.parse(without.stdout).warnings).toEqual([expect.stringMatching(/^fleet\.vpcId: not set.*isolate-instance/)]);
    const withVpc = await cli(
      'config',
      'check',
      configFile((config) => (config.fleet = { ...config.fleet, vpcId: 'vpc-0123456789abcdef0' })),
      '--json',
    );
    expect(JSON.parse(withVpc.stdout)).toMatchObject({ valid: true, warnings: [] });
  });

  it('a missing file or invalid JSON: exit 1 naming the file', async () => {
    const missing = await cli('config', 'check', join(dir, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(file): file not found');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "slack": ');
    expect((await cli('config', 'check', bad)).stderr).toMatch(/\(file\): is not valid JSON: /);
  });
});

describe('firebreak.schema.json', () => {
  it('is current: generated from the zod schema (run `npm run schema` after changing it)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(configJsonSchemaText());
  });

  it('describes the configuration: required sections, $schema allowed, unknown keys refused', () => {
    const schema = JSON.parse(configJsonSchemaText());
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(expect.arrayContaining(['slack', 'roster', 'classification']));
    expect(schema.properties.$schema).toMatchObject({ type: 'string' });
    expect(schema.additionalProperties).toBe(false);
    const rule = schema.properties.classification.properties.rules.items;
    expect(rule.properties.severity.enum).toEqual(['SEV1', 'SEV2', 'SEV3', 'SEV4']);
  });
});
