/**
 * Deployed functions trust the configuration baked into their bundle (functions/adapters/runtime-config.ts)
 * instead of parsing it again. That is sound only if what the stack bakes (JSON of `parseConfig`'s
 * output) reads back as exactly that output, and if parsing it again would change nothing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig, type FirebreakConfig } from '../../functions/core/config.ts';
import { loadRuntimeConfig } from '../../functions/adapters/runtime-config.ts';
import { BAKED_CONFIG_VARIABLE, bakedConfigDefine } from '../../lib/bundling/lambda-bundling.ts';
import { configInput } from '../core/helpers.ts';
import { exampleConfig } from '../support.ts';

/** The example configuration with every optional section filled in, defaults and transforms exercised. */
function everySection(): Record<string, unknown> {
  const example = JSON.parse(JSON.stringify(exampleConfig())) as Record<string, unknown>;
  return {
    ...example,
    $schema: './firebreak.schema.json',
    sources: { custom: ['acme.monitor'], ec2States: ['stopped'] },
    dedup: { fingerprint: ['source', 'kind', 'subject', 'attr:namespace'], reopenWindowMinutes: 30 },
    deployments: {
      environments: [
        { environment: 'staging', service: '-staging$' },
        { environment: 'production', accounts: ['123456789012'] },
      ],
      holdEnvironments: ['production'],
    },
    fleet: { tagKey: 'acme:fleet', vpcId: 'vpc-0123456789abcdef0', progressIntervalSeconds: 30 },
    watch: {
      ...(example.watch as object),
      allow: [
        { name: 'terraform', principalArn: '^arn:aws:sts::123456789012:assumed-role/terraform/', actions: ['CreateBucket'] },
      ],
      severity: { 'network.ingress-world': 'SEV1' },
      pipelines: [{ name: 'payments pipeline', service: 'payments', sessionIssuer: 'role/deploy-payments$' }],
      signinFailures: { threshold: 3 },
    },
    monitors: {
      severity: { critical: 'SEV1', high: 'SEV1', medium: 'SEV2', low: 'SEV3', informational: 'SEV4' },
      category: 'performance',
    },
    audit: { digestWindowSeconds: 180, retentionDays: 400, retentionMode: 'COMPLIANCE' },
    silences: { roles: ['cto', 'senior'], maxMinutes: 120 },
    incidentChannels: { enabled: true, minSeverity: 'SEV2', invite: { security: ['cto', 'senior'] } },
    review: { schedule: 'cron(30 7 ? * FRI *)', timezone: 'Europe/Berlin' },
    deployFreeze: { scope: 'service', services: [{ name: 'payments', resources: ['^https://pay\\.example\\.com/'] }] },
    tracker: {
      // A trailing slash the schema's transform removes: the baked value must keep the transformed URL.
      github: { tokenSecret: 'firebreak/github', defaultRepository: 'acme/payments', apiUrl: 'https://github.example.com/api/' },
      jira: { baseUrl: 'https://acme.atlassian.net/', tokenSecret: 'firebreak/jira', projects: ['PAY'] },
    },
  };
}

const CONFIGURATIONS: Array<[string, () => unknown]> = [
  ['the shipped example', () => JSON.parse(JSON.stringify(exampleConfig()))],
  ['the smallest valid configuration (every default)', () => configInput()],
  ['every section filled in', everySection],
];

/** What a deployed function reads back: the string esbuild substitutes for the variable, evaluated. */
function bakedAndReadBack(config: FirebreakConfig): unknown {
  const literal = bakedConfigDefine(config)[`process.env.${BAKED_CONFIG_VARIABLE}`]!;
  return JSON.parse(JSON.parse(literal) as string);
}

describe('the baked configuration', () => {
  afterEach(() => vi.unstubAllEnvs());

  describe.each(CONFIGURATIONS)('%s', (_name, raw) => {
    it('is JSON-round-trip stable: baked and read back, then parsed again, it is the parsed configuration', () => {
      const parsed = parseConfig(raw());
      const readBack = bakedAndReadBack(parsed);
      expect(readBack).toStrictEqual(parsed);
      expect(parseConfig(readBack)).toStrictEqual(parsed);
    });

    it('is what loadRuntimeConfig returns, without parsing it', () => {
      const parsed = parseConfig(raw());
      vi.stubEnv(BAKED_CONFIG_VARIABLE, JSON.stringify(parsed));
      expect(loadRuntimeConfig()).toStrictEqual(parsed);
    });
  });

  it('fills in sections a person left out, so the shapes the functions read are all there', () => {
    const filled = parseConfig(everySection());
    expect(filled.tracker.github?.apiUrl).toBe('https://github.example.com/api');
    expect(filled.watch.signinFailures).toEqual({ threshold: 3, windowMinutes: 10 });
    expect(filled.watch.pipelines[0]).toMatchObject({ graceMinutes: 5, maxDeploymentMinutes: 120 });
    expect(filled).not.toHaveProperty('$schema');
  });

  it('fails with a clear error when the variable is missing or empty', () => {
    vi.stubEnv(BAKED_CONFIG_VARIABLE, undefined);
    expect(() => loadRuntimeConfig()).toThrow('FIREBREAK_CONFIG is not set: the function must be bundled by the Firebreak stack');
    vi.stubEnv(BAKED_CONFIG_VARIABLE, '');
    expect(() => loadRuntimeConfig()).toThrow('FIREBREAK_CONFIG is not set');
  });
});
