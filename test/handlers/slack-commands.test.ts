/**
 * The `/firebreak` slash commands and the incident message's buttons, really signed on DynamoDB
 * Local: ack, resolve and sev (audited, the message updated in place, a thread reply), show, the
 * roster with away and back (harness: slack-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  CTO,
  SENIOR1,
  SENIOR2,
  SENIOR3,
  RESPONDER,
  STRANGER,
  MINUTE,
  runtime,
  freshRuntimePerTest,
  openIncident,
  isolateRequest,
  incidentOf,
  audit,
  incidentMessage,
  buttons,
  blocksText,
  clickRequest,
  clickIncident,
  command,
  observable,
  ctoAway,
} from './slack-harness.ts';

describe('slash commands and incident buttons', () => {
  freshRuntimePerTest();

  it('ack by command: audited, the message updated in place (no Acknowledge button), a thread reply', async () => {
    const { incident } = await openIncident();
    const before = incidentMessage(incident);
    expect(buttons(before).map((b) => b.action_id)).toEqual(['incident_ack', 'incident_resolve']);
    const reply = await command(RESPONDER, `ack ${incident.id.toLowerCase()}`);
    expect(reply.text).toBe(`${incident.id} acknowledged by <@${RESPONDER}>.`);
    expect(await incidentOf(incident.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: RESPONDER });
    expect((await audit(incident.id)).at(-1)).toMatchObject({ actor: `slack:${RESPONDER}`, action: 'incident.acknowledged' });
    const after = incidentMessage(incident);
    expect(after.ts).toBe(before.ts);
    expect(after.updates).toBe(before.updates + 1);
    expect(buttons(after).map((b) => b.action_id)).toEqual(['incident_resolve']);
    expect(blocksText(after)).toContain(`Acknowledged by <@${RESPONDER}>.`);
    expect(runtime.slack.thread(incident.channel, before.ts).map((m) => m.text)).toContain(
      `:eyes: Acknowledged by <@${RESPONDER}>.`,
    );
    expect(runtime.bus.emitted.at(-1)).toMatchObject({
      'detail-type': 'Incident Updated',
      detail: { incidentId: incident.id, changes: ['acknowledged'], actor: RESPONDER },
    });
    // A second ack is refused and writes nothing.
    const state = await observable();
    expect((await command(SENIOR1, `ack ${incident.id}`)).text).toBe(
      `${incident.id} is acknowledged; only an open incident can be acknowledged.`,
    );
    expect(await observable()).toEqual(state);
  });

  it('ack and resolve by button', async () => {
    const { incident } = await openIncident();
    expect(await clickIncident(SENIOR2, incident, 'incident_ack')).toBe(`${incident.id} acknowledged by <@${SENIOR2}>.`);
    expect(await incidentOf(incident.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: SENIOR2 });
    expect(await clickIncident(SENIOR2, incident, 'incident_resolve')).toBe(`${incident.id} resolved by <@${SENIOR2}>.`);
    expect(await incidentOf(incident.id)).toMatchObject({ status: 'resolved', resolvedBy: SENIOR2, firingResources: [] });
    expect((await audit(incident.id)).at(-1)).toMatchObject({
      action: 'incident.resolved',
      actor: `slack:${SENIOR2}`,
      data: { note: 'resolved from the Slack button', by: SENIOR2 },
    });
    const message = incidentMessage(incident);
    expect(buttons(message)).toEqual([]);
    expect(blocksText(message)).toContain(`Resolved by <@${SENIOR2}>. No further action needed.`);
    expect(runtime.slack.thread(incident.channel, message.ts).map((m) => m.text)).toEqual(
      expect.arrayContaining([`:eyes: Acknowledged by <@${SENIOR2}>.`, `:white_check_mark: Resolved by <@${SENIOR2}>.`]),
    );
    expect(runtime.bus.emitted.filter((e) => e['detail-type'] === 'Incident Resolved').at(-1)).toMatchObject({
      detail: { changes: ['resolved'] },
    });
    // A stranger's click on the button is refused.
    expect(
      await runtime.click(STRANGER, { actionId: 'incident_ack', value: incident.id, channel: message.channel, ts: message.ts }),
    ).toMatchObject({ statusCode: 200 });
    expect(String(runtime.slack.responses().at(-1)?.body.text)).toBe('You are not on the Firebreak roster.');
  });

  it('resolve by command with a note; list then shows no open incident, and resolving again is refused', async () => {
    const { incident } = await openIncident();
    expect((await command(CTO, 'list')).text).toMatch(
      new RegExp(`^\`${incident.id}\` SEV2 security · open · 1× · EC2 instance i-99999999`),
    );
    expect((await command(SENIOR1, `resolve ${incident.id} instance rebuilt`)).text).toBe(
      `${incident.id} resolved by <@${SENIOR1}>.`,
    );
    expect((await audit(incident.id)).at(-1)).toMatchObject({
      action: 'incident.resolved',
      data: { note: 'instance rebuilt', by: SENIOR1 },
    });
    const message = incidentMessage(incident);
    expect(message.updates).toBeGreaterThanOrEqual(1);
    expect(message.text).toContain('(resolved)');
    expect(runtime.slack.thread(incident.channel, message.ts).map((m) => m.text)).toContain(
      `:white_check_mark: Resolved by <@${SENIOR1}>.`,
    );
    expect((await command(CTO, 'list')).text).toBe('No open incidents.');
    expect((await command(SENIOR1, `resolve ${incident.id}`)).text).toBe(`${incident.id} is already resolved.`);
    // No new mitigation on a resolved incident.
    expect((await command(SENIOR1, `mitigate ${incident.id} restart-service serviceName=nginx.service`)).text).toBe(
      `${incident.id} is resolved; reopen it before mitigating.`,
    );
  });

  it('sev by command: audited, header updated in place, a thread reply; the same severity is refused', async () => {
    const { incident } = await openIncident();
    const reply = await command(SENIOR1, `sev ${incident.id} sev1`);
    expect(reply.text).toBe(`${incident.id} is now SEV1 (was SEV2), set by <@${SENIOR1}>.`);
    expect(await incidentOf(incident.id)).toMatchObject({ severity: 'SEV1' });
    expect((await audit(incident.id)).at(-1)).toMatchObject({
      action: 'incident.severity_changed',
      actor: `slack:${SENIOR1}`,
      data: { from: 'SEV2', to: 'SEV1' },
    });
    const message = incidentMessage(incident);
    expect(message.text).toMatch(/^SEV1 security incident/);
    expect((message.blocks[0] as { text: { text: string } }).text.text).toMatch(/^SEV1 · security · /);
    expect(runtime.slack.thread(incident.channel, message.ts).map((m) => m.text)).toContain(
      `Severity changed to *SEV1* by <@${SENIOR1}>.`,
    );
    const state = await observable();
    expect((await command(SENIOR1, `sev ${incident.id} SEV1`)).text).toBe(`${incident.id} is already SEV1.`);
    expect(await observable()).toEqual(state);
  });

  it('show describes the incident and its mitigation requests', async () => {
    const { incident, isolate, diagnostics } = await openIncident();
    const text = (await command(RESPONDER, `show ${incident.id.toLowerCase()}`)).text;
    expect(text).toContain(`*${incident.id}* SEV2 security · open`);
    expect(text).toContain('Signals: 1');
    expect(text).toContain('Resources: i-99999999');
    expect(text).toContain(`Mitigation \`${isolate!.id}\` Isolate instance for forensics: awaiting approval`);
    expect(text).toContain(
      `Mitigation \`${diagnostics!.id}\` Collect diagnostics (logs, processes, connections) to S3: approved`,
    );
  });

  it('roster shows every member and who is away; away and back change it', async () => {
    const roster = (await command(RESPONDER, 'roster')).text.split('\n');
    expect(roster).toEqual([
      `<@${CTO}> cto`,
      `<@${SENIOR1}> senior`,
      `<@${SENIOR2}> senior`,
      `<@${SENIOR3}> senior`,
      `<@${RESPONDER}> responder`,
    ]);
    expect((await command(CTO, 'away')).text).toBe(
      'You are away until 2026-11-23T17:00:00.000Z. Senior engineers can approve mitigations until then.',
    );
    expect((await command(SENIOR1, 'away 90m')).text).toBe('You are away until 2026-11-23T10:30:00.000Z.');
    expect((await command(RESPONDER, 'roster')).text.split('\n').slice(0, 2)).toEqual([
      `<@${CTO}> cto · away until 2026-11-23T17:00:00.000Z`,
      `<@${SENIOR1}> senior · away until 2026-11-23T10:30:00.000Z`,
    ]);
    expect((await command(CTO, 'back')).text).toBe('Welcome back: you are available again.');
    expect((await command(RESPONDER, 'roster')).text.split('\n')[0]).toBe(`<@${CTO}> cto`);
    // Away ends by itself.
    await runtime.advance(91 * MINUTE);
    expect((await command(RESPONDER, 'roster')).text.split('\n')[1]).toBe(`<@${SENIOR1}> senior`);
  });

  it('the CTO back from away: a new request is no longer escalated at once and seniors must wait again', async () => {
    await ctoAway('1h');
    await command(CTO, 'back');
    const { request: pending } = await isolateRequest();
    expect(pending.escalatedAt).toBeUndefined();
    expect(await clickRequest(SENIOR1, pending.id, 'approve')).toContain('is available');
  });

  it('an away time that has run out makes the CTO available again', async () => {
    await ctoAway('10m');
    await runtime.advance(11 * MINUTE);
    const { request: pending } = await isolateRequest();
    expect(pending.escalatedAt).toBeUndefined();
    expect(await clickRequest(SENIOR1, pending.id, 'approve')).toContain('is available');
  });
});
