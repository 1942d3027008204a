import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../functions/core/config.ts';
import { formatPath } from '../../functions/core/config-problems.ts';
import { exampleConfig } from '../support.ts';
import { configInput, without, type Json } from './helpers.ts';

const exampleRaw = (): Json => JSON.parse(readFileSync(new URL('../../firebreak.config.json', import.meta.url), 'utf8'));

/** Parses and returns the ConfigError (fails the test if the config is accepted). */
function rejected(raw: unknown, where?: string): ConfigError {
  try {
    parseConfig(raw, where);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, the configuration was accepted');
}

const rule = (overrides: Record<string, unknown> = {}) => ({
  name: 'r',
  match: { source: 'aws.health' },
  severity: 'SEV2',
  category: 'availability',
  ...overrides,
});
const withRules = (rules: unknown[], extra: Record<string, unknown> = {}) => configInput({ classification: { rules }, ...extra });

describe('parseConfig: the example configuration', () => {
  it('parses, keeping its values', () => {
    const config = exampleConfig();
    expect(config.slack.teamId).toBe('T0FIREBRK01');
    expect(config.slack.channels).toEqual({ default: 'C0INCIDENTS', security: 'C0SECURITY1', deployments: 'C0DEPLOYS01' });
    expect(config.roster.filter((m) => m.role === 'cto')).toHaveLength(1);
    expect(config.roster.filter((m) => m.role === 'senior').length).toBeGreaterThanOrEqual(config.policy.seniorQuorum.high);
    expect(config.classification.rules.length).toBeGreaterThan(10);
    expect(config.dedup).toEqual({ fingerprint: ['source', 'kind', 'subject'], reopenWindowMinutes: 60 });
    expect(config.sources).toEqual({ custom: [], ec2States: ['stopped', 'terminated'] });
  });

  it('gives every rule a unique name, and suppress rules no severity', () => {
    const rules = exampleConfig().classification.rules;
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
    for (const r of rules) {
      if (r.suppress) expect(r.severity).toBeUndefined();
      else expect(r.severity && r.category).toBeTruthy();
    }
  });

  it('ships a catalog whose every proposed and rollback entry exists', () => {
    const config = exampleConfig();
    const ids = new Set(config.mitigations.map((m) => m.id));
    for (const r of config.classification.rules) for (const id of r.mitigations) expect(ids).toContain(id);
    for (const m of config.mitigations) if (m.rollback) expect(ids).toContain(m.rollback);
    expect(config.mitigations.filter((m) => m.preApproved).every((m) => m.risk === 'low')).toBe(true);
  });
});

describe('parseConfig: defaults', () => {
  it('fills in sources, dedup, policy, mitigations and retention', () => {
    const config = parseConfig(configInput());
    expect(config.sources).toEqual({ custom: [], ec2States: ['stopped', 'terminated'] });
    expect(config.dedup).toEqual({ fingerprint: ['source', 'kind', 'subject'], reopenWindowMinutes: 60 });
    expect(config.policy).toEqual({
      ctoTimeoutMinutes: { SEV1: 5, SEV2: 15, SEV3: 60, SEV4: 240 },
      seniorQuorum: { low: 1, medium: 2, high: 2 },
      approvalExpiryMinutes: 60,
    });
    expect(config.mitigations).toEqual([]);
    expect(config.eventRetentionDays).toBe(7);
  });

  it('fills in rule defaults', () => {
    const config = parseConfig(
      withRules([
        { name: 'everything', severity: 'SEV3', category: 'unknown' },
        { name: 'drop', match: { severityHint: 'informational' }, suppress: true },
      ]),
    );
    expect(config.classification.rules[0]).toMatchObject({ match: {}, suppress: false, mitigations: [] });
    expect(config.classification.rules[1]).toMatchObject({ suppress: true, mitigations: [] });
    expect(config.classification.rules[1]!.severity).toBeUndefined();
  });

  it('accepts single values and lists in match fields, and a catalog mitigation', () => {
    const config = parseConfig(
      withRules(
        [
          rule({
            match: { source: ['aws.ec2', 'aws.health'], severityHint: ['high', 'critical'], kind: 'x' },
            mitigations: ['restart-service'],
          }),
        ],
        {
          mitigations: [
            {
              id: 'restart-service',
              title: 'Restart the service',
              document: 'Firebreak-RestartService',
              targets: { type: 'incident-instances' },
              risk: 'low',
              preApproved: true,
            },
          ],
        },
      ),
    );
    expect(config.classification.rules[0]!.match.source).toEqual(['aws.ec2', 'aws.health']);
    expect(config.mitigations[0]).toEqual({
      id: 'restart-service',
      title: 'Restart the service',
      description: '',
      kind: 'command',
      document: 'Firebreak-RestartService',
      documentVersion: '$DEFAULT',
      parameters: {},
      targets: { type: 'incident-instances' },
      rateControl: { maxConcurrency: '10%', maxErrors: '1' },
      timeoutMinutes: 30,
      risk: 'low',
      preApproved: true,
      permissions: [],
    });
  });
});

describe('parseConfig: invalid configurations name the field', () => {
  it('a rule severity SEV9', () => {
    const error = rejected(withRules([rule({ severity: 'SEV9' })]));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^classification\.rules\["r"\]\.severity: /);
    expect(error.message).toContain('classification.rules["r"].severity');
  });

  it('names the index of the bad rule', () => {
    const error = rejected(withRules([rule(), rule(), rule({ category: 'outage' })]));
    expect(error.problems[0]).toMatch(/^classification\.rules\[2\]\.category: /);
  });

  it('two CTOs', () => {
    const raw = configInput();
    (raw.roster as unknown[]).push({ slackUserId: 'U0CTO000002', name: 'Second CTO', role: 'cto' });
    const error = rejected(raw);
    expect(error.problems).toEqual(['roster: must name exactly one member with role "cto"']);
  });

  it('no CTO at all', () => {
    const raw = configInput();
    raw.roster = (raw.roster as Array<{ role: string }>).filter((m) => m.role !== 'cto');
    expect(rejected(raw).problems.join('\n')).toMatch(/^roster: must name exactly one member with role "cto"/m);
  });

  it('a duplicate Slack user', () => {
    const raw = configInput();
    (raw.roster as unknown[]).push({ slackUserId: 'U0SENIOR001', name: 'Priya again', role: 'responder' });
    const error = rejected(raw);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^roster\["Priya again"\]\.slackUserId: U0SENIOR001 appears twice/);
  });

  it('an invalid regular expression in a rule title or attribute', () => {
    expect(rejected(withRules([rule({ match: { title: '(unclosed' } })])).problems[0]).toBe(
      'classification.rules["r"].match.title: is not a valid regular expression: Unterminated group',
    );
    expect(rejected(withRules([rule({ match: { attributes: { namespace: '[a-' } } })])).problems[0]).toMatch(
      /^classification\.rules\["r"\]\.match\.attributes\.namespace: is not a valid regular expression: \S/,
    );
  });

  it('a rule referencing an unknown mitigation id', () => {
    const error = rejected(withRules([rule({ mitigations: ['isolate-instance'] })]));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(
      /^classification\.rules\["r"\]\.mitigations\[0\]: "isolate-instance" is not in the mitigation catalog/,
    );
  });

  it('a non-suppress rule missing severity or category', () => {
    expect(rejected(withRules([without(rule(), 'severity')])).problems).toEqual([
      'classification.rules["r"]: a rule that does not suppress must set severity and category',
    ]);
    expect(rejected(withRules([without(rule(), 'category')])).problems[0]).toMatch(
      /^classification\.rules\["r"\]: a rule that does not suppress/,
    );
  });

  it('seniorQuorum larger than the number of seniors', () => {
    const error = rejected(configInput({ policy: { seniorQuorum: { low: 1, medium: 2, high: 3 } } }));
    expect(error.problems).toEqual(['policy.seniorQuorum: needs 3 senior engineers but the roster has 2']);
  });

  it('an unknown channel key in slack.channels', () => {
    const error = rejected(
      configInput({
        slack: {
          teamId: 'T0FIREBRK01',
          channels: { default: 'C0INCIDENTS', deployments: 'C0DEPLOYS01', outages: 'C0OUTAGES01' },
        },
      }),
    );
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^slack\.channels\.outages: is not a category/);
  });

  it('a missing deployments channel and a bad channel id', () => {
    expect(rejected(configInput({ slack: { teamId: 'T0FIREBRK01', channels: { default: 'C0INCIDENTS' } } })).problems[0]).toMatch(
      /^slack\.channels\.deployments: /,
    );
    expect(
      rejected(configInput({ slack: { teamId: 'T0FIREBRK01', channels: { default: '#incidents', deployments: 'C0DEPLOYS01' } } }))
        .problems[0],
    ).toMatch(/^slack\.channels\.default: must be a Slack channel id/);
  });

  it('an unknown top-level key', () => {
    const error = rejected({ ...exampleRaw(), pagerduty: { key: 'x' } });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^\(root\): .*pagerduty/);
  });

  it('an unknown key inside a rule or its match', () => {
    expect(rejected(withRules([rule({ severty: 'SEV1' })])).problems[0]).toBe(
      'classification.rules["r"]: unknown key "severty" (did you mean "severity"?)',
    );
    expect(rejected(withRules([rule({ match: { sources: 'aws.ec2' } })])).problems[0]).toBe(
      'classification.rules["r"].match: unknown key "sources" (did you mean "source"?)',
    );
  });

  it('bad Slack ids for the workspace and roster', () => {
    expect(
      rejected(configInput({ slack: { teamId: 'firebreak', channels: { default: 'C0INCIDENTS', deployments: 'C0DEPLOYS01' } } }))
        .problems[0],
    ).toMatch(/^slack\.teamId: must be a Slack workspace id/);
    const raw = configInput();
    (raw.roster as Array<{ slackUserId: string }>)[1]!.slackUserId = '@priya';
    expect(rejected(raw).problems[0]).toMatch(/^roster\["Priya Raman"\]\.slackUserId: must be a Slack user id/);
  });

  it('bad fingerprint parts and reopen window', () => {
    expect(rejected(configInput({ dedup: { fingerprint: ['title'] } })).problems[0]).toMatch(/^dedup\.fingerprint\[0\]: /);
    expect(rejected(configInput({ dedup: { fingerprint: ['attr:bad key'] } })).problems[0]).toMatch(/^dedup\.fingerprint\[0\]: /);
    expect(rejected(configInput({ dedup: { fingerprint: [] } })).problems[0]).toMatch(/^dedup\.fingerprint: /);
    expect(rejected(configInput({ dedup: { reopenWindowMinutes: -1 } })).problems[0]).toMatch(/^dedup\.reopenWindowMinutes: /);
  });

  it('an ec2 state that does not exist and a custom source with spaces', () => {
    expect(rejected(configInput({ sources: { ec2States: ['exploded'] } })).problems[0]).toMatch(/^sources\.ec2States\[0\]: /);
    expect(rejected(configInput({ sources: { custom: ['my source'] } })).problems[0]).toMatch(/^sources\.custom\[0\]: /);
  });

  it('reports several problems at once and where the configuration came from', () => {
    const raw = configInput({ eventRetentionDays: 0, classification: { rules: [rule({ severity: 'SEV9' })] } });
    const error = rejected(raw, 'firebreak.config.json');
    expect(error.where).toBe('firebreak.config.json');
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(/^firebreak\.config\.json is not a valid Firebreak configuration:/);
    expect(error.problems.some((p) => p.startsWith('eventRetentionDays: '))).toBe(true);
    expect(error.problems.some((p) => p.startsWith('classification.rules["r"].severity: '))).toBe(true);
    for (const problem of error.problems) expect(error.message).toContain(`  - ${problem}`);
  });

  it('rejects a non-object', () => {
    expect(rejected(null).problems[0]).toMatch(/^\(root\): /);
    expect(rejected([]).problems[0]).toMatch(/^\(root\): /);
  });
});

describe('formatPath', () => {
  it('joins keys with dots and indexes with brackets', () => {
    expect(formatPath(['classification', 'rules', 0, 'severity'])).toBe('classification.rules[0].severity');
    expect(formatPath(['roster', 3, 'slackUserId'])).toBe('roster[3].slackUserId');
    expect(formatPath(['detail', 'findings', 0, 'Resources', 1, 'Id'])).toBe('detail.findings[0].Resources[1].Id');
    expect(formatPath(['a', 0, 1])).toBe('a[0][1]');
  });

  it('handles the root, a leading index and key names with dashes', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath([0, 'id'])).toBe('[0].id');
    expect(formatPath(['detail', 'instance-id'])).toBe('detail.instance-id');
  });
});

describe('$schema', () => {
  it('is accepted for editors and not carried into the parsed configuration', () => {
    const config = parseConfig({ ...configInput(), $schema: './firebreak.schema.json' });
    expect(Object.keys(config)).not.toContain('$schema');
    expect(rejected({ ...configInput(), $schema: 42 }).problems[0]).toMatch(/^\$schema: /);
  });
});
