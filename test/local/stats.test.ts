import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import type { IncidentStats } from '../../functions/core/metrics/incident-stats.ts';
import { localClient } from '../../functions/local/dynamodb-local.ts';
import { runDrill, type DrillOutcome } from '../../functions/local/drill/run.ts';
import { ScenarioSchema } from '../../functions/local/drill/scenario.ts';
import { readIncidentStats } from '../../functions/workflow/stats.ts';
import { exampleConfig, fixture } from '../support.ts';
import { runCliProcess } from '../cli/child-process.ts';

const tableName = `stats-${process.pid}`;
const MINUTE = 60_000;

/**
 * Two incidents on a virtual clock starting at 09:00. The GuardDuty finding (detected 09:00) is
 * acknowledged at 09:03, a senior is refused at 09:05 (CTO available), it escalates at 09:15, is
 * approved at 09:20 and resolved at 09:30. The CPU alarm (detected 09:01) is acknowledged at
 * 09:11 and recovers at 09:41, which resolves it (never approved: no mitigation).
 */
const scenario = ScenarioSchema.parse({
  name: 'stats clock',
  start: '2026-11-23T09:00:00Z',
  steps: [
    { fleet: { instances: 1 } },
    { inject: { ...fixture('guardduty-finding-ec2-high-wrapped.json'), time: '2026-11-23T08:58:30Z' } },
    { advance: '1m' },
    { inject: { ...fixture('cloudwatch-alarm-state-change-alarm.json'), time: '2026-11-23T09:01:00Z' } },
    { advance: '2m' },
    { slack: 'ack {{incident:aws.guardduty}}', as: 'U0CTO000001' },
    { advance: '2m' },
    { slack: 'approve {{request:isolate-instance}}', as: 'U0SENIOR001' },
    { advance: '6m' },
    { slack: 'ack {{incident:aws.cloudwatch}}', as: 'U0CTO000001' },
    { advance: '4m' },
    { advance: '5m' },
    { slack: 'approve {{request:isolate-instance}}', as: 'U0SENIOR001' },
    { slack: 'approve {{request:isolate-instance}}', as: 'U0SENIOR002' },
    { advance: '10m' },
    { slack: 'resolve {{incident:aws.guardduty}} attacker blocked', as: 'U0CTO000001' },
    { advance: '11m' },
    { inject: { ...fixture('cloudwatch-alarm-state-change-ok-derived.json'), time: '2026-11-23T09:41:00Z' } },
  ],
  expect: { mitigations: [{ catalogId: 'isolate-instance', state: 'succeeded' }] },
});

let outcome: DrillOutcome;
beforeAll(async () => {
  outcome = await runDrill(scenario, { config: exampleConfig(), baseDir: '.', endpoint: inject('dynamoEndpoint'), tableName });
}, 60_000);

const cli = (args: string[]) => runCliProcess(args);

describe('firebreak stats on a drill', () => {
  it('measures each incident from detection and summarizes per severity and category', async () => {
    expect(outcome.checks.filter((c) => !c.passed)).toEqual([]);
    const stats = await readIncidentStats(
      createRepositories(localClient(inject('dynamoEndpoint')), tableName),
      '2026-11-23T00:00:00.000Z',
      '2026-11-24T00:00:00.000Z',
    );
    expect(stats.total.incidents).toBe(2);
    // Acknowledged after 3m (SEV2) and 10m (SEV3): median 6m30s, p90 interpolated 3m + 0.9 × 7m.
    expect(stats.total.toAcknowledge).toEqual({ count: 2, median: 6.5 * MINUTE, p90: 9.3 * MINUTE });
    expect(stats.total.toResolve).toEqual({ count: 2, median: 35 * MINUTE, p90: 39 * MINUTE });
    expect(stats.bySeverity.SEV2).toMatchObject({
      incidents: 1,
      resolved: 1,
      toAcknowledge: { count: 1, median: 3 * MINUTE, p90: 3 * MINUTE },
      // The diagnostics collection is pre-approved by policy the moment the incident opens.
      toFirstApproval: { count: 1, median: 0, p90: 0 },
      toResolve: { count: 1, median: 30 * MINUTE, p90: 30 * MINUTE },
      escalations: 1,
      refusals: { cto_available: 1 },
      mitigations: { succeeded: 2, failed: 0, cancelled: 0, successRate: 1 },
      signalsPerIncident: { count: 1, median: 1, p90: 1 },
    });
    expect(stats.bySeverity.SEV3).toMatchObject({
      incidents: 1,
      toAcknowledge: { count: 1, median: 10 * MINUTE },
      toFirstApproval: { count: 0 },
      toResolve: { count: 1, median: 40 * MINUTE },
      escalations: 0,
      refusals: {},
      mitigations: { succeeded: 0, failed: 0, cancelled: 0 },
      // The alarm and its recovery.
      signalsPerIncident: { count: 1, median: 2 },
    });
    expect(stats.bySeverity.SEV3!.mitigations.successRate).toBeUndefined();
    expect(Object.keys(stats.byCategory)).toEqual(['performance', 'security']);
  });

  it('leaves out incidents opened before the window', async () => {
    const stats = await readIncidentStats(
      createRepositories(localClient(inject('dynamoEndpoint')), tableName),
      '2026-11-23T09:00:30.000Z',
      '2026-11-24T00:00:00.000Z',
    );
    expect(stats.total.incidents).toBe(1);
    expect(Object.keys(stats.bySeverity)).toEqual(['SEV3']);
  });

  it('prints the tables, or JSON, from the CLI; a bad --since is a usage error', async () => {
    const table = ['--endpoint', inject('dynamoEndpoint'), '--table', tableName];
    const text = await cli(['stats', '--since', '2026-11-01', ...table]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Incidents opened 2026-11-01T00:00:00.000Z \.\. .*: 2$/m);
    expect(text.stdout).toMatch(/^SEV2 +1 +1 +3m\/3m +0s\/0s +30m\/30m +1\/1 +1 +100% of 2 +cto_available×1$/m);
    expect(text.stdout).toMatch(/^SEV3 +1 +1 +10m\/10m +—  +40m\/40m +2\/2 +0 +— +—$/m);
    expect(text.stdout).toMatch(/^all +2 +2 +6m 30s\/9m 18s /m);
    expect(text.stdout).toMatch(/^performance +1 /m);

    const json = await cli(['stats', '--since', '2026-11-01', '--json', ...table]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as IncidentStats;
    expect(parsed.total.toResolve).toEqual({ count: 2, median: 35 * MINUTE, p90: 39 * MINUTE });

    const bad = await cli(['stats', '--since', 'last tuesday', ...table]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since takes a duration');
  }, 60_000);
});
