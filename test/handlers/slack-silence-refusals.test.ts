/**
 * Refused `/firebreak silence` attempts, through really signed slash commands into the Bolt app on
 * DynamoDB Local: each is answered ephemerally and audited on the incident it names
 * (`incident.silence_refused`), like a refused approval, and changes nothing else.
 */
import type { AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig, fixture } from '../support.ts';

const CTO = 'U0CTO000001';
const SENIOR = 'U0SENIOR001';
const RESPONDER = 'U0RESPOND01';
const STRANGER = 'U0STRANGER1';
const OTHER_TEAM = 'T0OTHERTEAM';
const FOREIGN = 'Firebreak does not accept requests from this workspace or app.';

let runtime: LocalRuntime;
let tables = 0;
beforeEach(async () => {
  runtime = await startLocalRuntime({
    config: exampleConfig(),
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `silence-refusals-${process.pid}-${++tables}`,
    execute: false,
  });
});
afterEach(async () => {
  await runtime?.stop();
});

async function openIncident(): Promise<Incident> {
  runtime.bus.put('default', fixture('cloudwatch-alarm-state-change-alarm.json'));
  await runtime.bus.drain();
  const [incident] = await runtime.repositories.incidents.listIncidents();
  expect(incident).toBeDefined();
  return incident!;
}

async function command(userId: string, text: string, options?: { teamId?: string }): Promise<{ text: string; type: string }> {
  const response: AwsResponse = await runtime.command(userId, text, options);
  expect(response.statusCode).toBe(200);
  const body = JSON.parse(response.body) as { text?: string; response_type?: string };
  return { text: body.text ?? '', type: body.response_type ?? '' };
}

const silenceRefusals = async (incidentId: string) =>
  (await runtime.repositories.incidents.getAudit(incidentId))
    .filter((a) => a.action === 'incident.silence_refused')
    .map((a): Record<string, unknown> => ({ actor: a.actor, ...a.data }));

describe('refused silence attempts are answered and audited', () => {
  it('audits each refusal by policy or input on the incident it names, and writes no silence', async () => {
    const incident = await openIncident();
    const emitted = runtime.bus.emitted.length;
    const replies = [
      await command(RESPONDER, `silence ${incident.id} 30m canary flaps <!channel>`),
      await command(STRANGER, `silence ${incident.fingerprint} 1h noisy`),
      await command(SENIOR, `silence ${incident.id} 8d too long for the policy`),
      await command(SENIOR, `silence ${incident.id.toLowerCase()} 30x flapping`),
      await command(SENIOR, `silence ${incident.id} 30m`),
    ];
    expect(replies.map((r) => r.type)).toEqual(Array(5).fill('ephemeral'));
    expect(replies[0]!.text).toBe('Only the CTO, senior engineers and whoever acknowledged the incident may silence it.');
    expect(replies[1]!.text).toBe('You are not on the Firebreak roster.');
    expect(replies[2]!.text).toBe('That is longer than a silence may last (10080 minutes).');
    expect(replies[3]!.text).toContain('"30x" is not a duration');
    expect(replies[4]!.text).toContain('Say why: a silence needs a reason.');

    const target = incident.id;
    expect(await silenceRefusals(incident.id)).toEqual([
      { actor: `slack:${RESPONDER}`, refusal: 'not_allowed', target, minutes: 30, userId: RESPONDER, teamId: 'T0FIREBRK01' },
      {
        actor: `slack:${STRANGER}`,
        refusal: 'not_on_roster',
        target: `fingerprint ${incident.fingerprint}`,
        minutes: 60,
        userId: STRANGER,
        teamId: 'T0FIREBRK01',
      },
      { actor: `slack:${SENIOR}`, refusal: 'too_long', target, minutes: 11520, userId: SENIOR, teamId: 'T0FIREBRK01' },
      { actor: `slack:${SENIOR}`, refusal: 'invalid_duration', target, userId: SENIOR, teamId: 'T0FIREBRK01' },
      { actor: `slack:${SENIOR}`, refusal: 'missing_reason', target, userId: SENIOR, teamId: 'T0FIREBRK01' },
    ]);
    // The refused person's free text is not kept, so a mention in it cannot reach any later rendering.
    expect(JSON.stringify(await runtime.repositories.incidents.getAudit(incident.id))).not.toContain('<!channel>');
    expect(await runtime.repositories.silences.listSilences()).toEqual([]);
    await runtime.bus.drain();
    expect(runtime.bus.emitted.length).toBe(emitted);
    expect((await runtime.repositories.incidents.getIncident(incident.id))!.status).toBe(incident.status);
    expect(verifyChain(await runtime.repositories.incidents.getAudit(incident.id)).valid).toBe(true);
  });

  it('audits a silence from another workspace as other_workspace, even the CTO, even with invalid input', async () => {
    const incident = await openIncident();
    expect((await command(CTO, `silence ${incident.id} 1h known noisy`, { teamId: OTHER_TEAM })).text).toBe(FOREIGN);
    expect((await command(CTO, `silence ${incident.fingerprint} 1h known noisy`, { teamId: OTHER_TEAM })).text).toBe(FOREIGN);
    expect((await command(CTO, `silence ${incident.id} soon`, { teamId: OTHER_TEAM })).text).toBe(FOREIGN);
    expect((await silenceRefusals(incident.id)).map((r) => [r.refusal, r.target, r.userId, r.teamId])).toEqual([
      ['other_workspace', incident.id, CTO, OTHER_TEAM],
      ['other_workspace', `fingerprint ${incident.fingerprint}`, CTO, OTHER_TEAM],
      ['other_workspace', incident.id, CTO, OTHER_TEAM],
    ]);
    expect(await runtime.repositories.silences.listSilences()).toEqual([]);
    expect(verifyChain(await runtime.repositories.incidents.getAudit(incident.id)).valid).toBe(true);
  });

  it('has no chain to audit on when the silence names no incident, and audits nothing for an allowed one', async () => {
    const incident = await openIncident();
    const before = (await runtime.repositories.incidents.getAudit(incident.id)).length;
    expect((await command(RESPONDER, 'silence INC-0000000000 30m noisy')).text).toBe('No incident INC-0000000000.');
    expect((await command(RESPONDER, `silence ${'0'.repeat(32)} 30m noisy`)).text).toContain('Only the CTO');
    expect((await command(SENIOR, 'silence not-an-incident 30m noisy')).text).toContain('Expected an incident id');
    expect((await runtime.repositories.incidents.getAudit(incident.id)).length).toBe(before);
    expect((await command(SENIOR, `silence ${incident.id} 30m known noisy`)).text).toMatch(/^Silenced /);
    expect(await silenceRefusals(incident.id)).toEqual([]);
  });
});
