import { beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { silenceChainId } from '../../functions/core/silences/silence.ts';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import { localClient } from '../../functions/local/dynamodb-local.ts';
import { runDrill, type DrillOutcome } from '../../functions/local/drill/run.ts';
import { ScenarioSchema } from '../../functions/local/drill/scenario.ts';
import { exampleConfig, fixture } from '../support.ts';

const tableName = `silences-${process.pid}`;
const alarm = fixture('cloudwatch-alarm-state-change-alarm.json');
const ok = fixture('cloudwatch-alarm-state-change-ok-derived.json');

/**
 * A CPU alarm opens an incident at 09:00. A responder who has not acknowledged it may not silence
 * it; a senior engineer silences it for 30 minutes. While silenced, the alarm recovering and firing
 * again are recorded but not announced; at 09:31 the schedule ends the silence, and the next change
 * is announced again.
 */
const scenario = ScenarioSchema.parse({
  name: 'silence',
  start: '2026-11-23T09:00:00Z',
  steps: [
    { inject: alarm },
    { slack: 'silence {{incident}} 30m canary is known to flap', as: 'U0RESPOND01' },
    { slack: 'silence {{incident}} 30x flapping', as: 'U0SENIOR001' },
    { slack: 'silence {{incident}} 30m', as: 'U0SENIOR001' },
    { slack: 'silence {{incident}} 30m canary is known to flap <!channel>', as: 'U0SENIOR001' },
    { slack: 'silences', as: 'U0RESPOND01' },
    { advance: '5m' },
    { inject: { ...ok, id: 'silenced-ok-1' } },
    { advance: '5m' },
    { inject: { ...alarm, id: 'silenced-alarm-2' } },
    { advance: '21m' },
    { slack: 'silences', as: 'U0RESPOND01' },
    { inject: { ...ok, id: 'announced-ok-2' } },
  ],
  expect: {},
});

let outcome: DrillOutcome;
const replies = () => outcome.transcript.map((line) => line.results.join('\n'));
beforeAll(async () => {
  outcome = await runDrill(scenario, { config: exampleConfig(), baseDir: '.', endpoint: inject('dynamoEndpoint'), tableName });
}, 60_000);

describe('silences, end to end on the local runtime', () => {
  it('lets only the allowed silence, with a duration and a reason, and lists the active ones', () => {
    const r = replies();
    expect(r[1]).toContain('Only the CTO, senior engineers and whoever acknowledged the incident may silence it.');
    expect(r[2]).toContain('is not a duration such as 30m, 2h or 1d');
    expect(r[3]).toContain('Say why: a silence needs a reason.');
    expect(r[4]).toMatch(/Silenced INC-[0-9A-F]{10} until 2026-11-23T09:30:00.000Z \(`SIL-[0-9A-F]{10}`\)/);
    expect(r[4]).toContain('canary is known to flap');
    expect(r[5]).toMatch(/`SIL-[0-9A-F]{10}` INC-[0-9A-F]{10} until 2026-11-23T09:30:00.000Z · by <@U0SENIOR001> · canary/);
    expect(r[11]).toContain('No active silences.');
  });

  it('records and counts silenced signals without announcing them, and announces again once it ends', async () => {
    const r = replies();
    const [incident] = outcome.incidents;
    // Recovering and firing again while silenced: recorded, and Slack hears nothing.
    expect(r[7]).toContain(`→ resolved ${incident!.id}`);
    expect(r[7]).not.toContain('✉ Slack');
    expect(r[9]).toContain(`→ reopened ${incident!.id}`);
    expect(r[9]).not.toContain('✉ Slack');
    // The schedule fired at 09:30 (on the 21m advance), then the next recovery is announced.
    expect(r[10]).toContain('⏰ silence-SIL-');
    expect(r[12]).toContain('✉ Slack');
    const repositories = createRepositories(localClient(inject('dynamoEndpoint')), tableName);
    const stored = await repositories.incidents.getIncident(incident!.id);
    expect(stored!.signalCount).toBe(4);
  });

  it('audits setting and expiring in the silence\u2019s own chain, and announces both on the bus', async () => {
    const repositories = createRepositories(localClient(inject('dynamoEndpoint')), tableName);
    const [silence] = await repositories.silences.listSilences();
    expect(silence).toMatchObject({ state: 'expired', createdBy: 'U0SENIOR001', endsAt: '2026-11-23T09:30:00.000Z' });
    const audit = await repositories.silences.getAudit(silence!.id);
    expect(audit.map((e) => [e.action, e.actor, e.at])).toEqual([
      ['silence.set', 'slack:U0SENIOR001', '2026-11-23T09:00:00.000Z'],
      ['silence.expired', 'system:escalate', '2026-11-23T09:30:00.000Z'],
    ]);
    const stored = await repositories.silences.getSilence(silence!.id);
    expect(verifyChain(audit, { seq: stored!.auditSeq, hash: stored!.auditHead }).valid).toBe(true);
    expect(audit[0]!.incidentId).toBe(silenceChainId(silence!.id));
  });
});
