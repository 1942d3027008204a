/**
 * Loading the configuration file (a bad field, invalid JSON, a missing file, each named) and bundling
 * the functions for real with esbuild (ESM with the createRequire banner, the configuration baked in)
 * (harness: stack-harness.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lib/config.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { CDK_CONTEXT, ROOT, type Resource } from './synth.ts';
import { config, useExampleConfig } from './stack-harness.ts';

useExampleConfig();

describe('configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const raw = () =>
    JSON.parse(readFileSync(join(ROOT, 'firebreak.config.json'), 'utf8')) as {
      classification: { rules: Array<Record<string, unknown>> };
    };

  it('rejects a bad rule severity, naming the field', () => {
    const bad = raw();
    bad.classification.rules[0]!.severity = 'SEV9';
    const path = write('bad-severity.json', JSON.stringify(bad));
    expect(() => loadConfig(path)).toThrow(ConfigError);
    expect(() => loadConfig(path)).toThrow(`classification.rules[${JSON.stringify(bad.classification.rules[0]!.name)}].severity`);
  });

  it('rejects invalid JSON, naming the file', () => {
    const path = write('broken.json', '{ "slack": ');
    expect(() => loadConfig(path)).toThrow(ConfigError);
    expect(() => loadConfig(path)).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\n.*not valid JSON`));
  });

  it('rejects a missing file, naming it', () => {
    expect(() => loadConfig(join(dir, 'nope.json'))).toThrow(/nope\.json.*\n.*file not found/);
  });
});

describe('bundling', () => {
  it('bundles ingest as ESM with the createRequire banner and the configuration baked in', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'firebreak-synth-'));
    try {
      const bundled = new App({ outdir, context: CDK_CONTEXT });
      const bundledStack = new FirebreakStack(bundled, 'Firebreak', { config });
      bundled.synth();
      const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
      // One bundle per function: ingest, slack, notify, escalate, propose, deployments, freeze, execute, track, relay, notary, maintenance, review.
      expect(assets).toHaveLength(13);
      for (const asset of assets) {
        expect(
          readFileSync(join(outdir, asset, 'index.mjs'), 'utf8').startsWith("import { createRequire } from 'module';"),
          asset,
        ).toBe(true);
      }
      const synthesized = JSON.parse(readFileSync(join(outdir, 'Firebreak.template.json'), 'utf8')) as {
        Resources: Record<string, Resource>;
      };
      const ingestId = bundledStack.getLogicalId(bundledStack.ingestion.ingestFunction.node.defaultChild as CfnElement);
      const ingestCode = synthesized.Resources[ingestId]!.Properties.Code as { S3Key: string };
      const ingestAsset = `asset.${ingestCode.S3Key.replace(/\.zip$/, '')}`;
      expect(assets).toContain(ingestAsset);
      const code = readFileSync(join(outdir, ingestAsset, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(
        true,
      );
      expect(code).not.toContain('process.env.FIREBREAK_CONFIG');
      expect(code).toContain(config.slack.teamId);
      expect(readdirSync(join(outdir, ingestAsset))).toContain('index.mjs.map');
      // Maps without inlined sources; the receivers Bolt's App requires but Firebreak never builds are replaced.
      const map = JSON.parse(readFileSync(join(outdir, ingestAsset, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined();
      const slackId = bundledStack.getLogicalId(bundledStack.slack.slackFunction.node.defaultChild as CfnElement);
      const slackKey = (synthesized.Resources[slackId]!.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      const slackCode = readFileSync(join(outdir, `asset.${slackKey}`, 'index.mjs'), 'utf8');
      expect(slackCode).toContain('not in this bundle: Firebreak functions use only AwsLambdaReceiver');
      expect(slackCode).not.toMatch(/iconv-lite|x-powered-by|WebSocket/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
    // Nine real esbuild bundles: about a minute on a busy 2-core machine.
  }, 300_000);
});
