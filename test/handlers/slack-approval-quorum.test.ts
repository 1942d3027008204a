/**
 * Who approves a mitigation, through really signed Slack requests on DynamoDB Local: the CTO alone,
 * two distinct seniors when the CTO is away or silent past the severity's timeout, never the requester,
 * and a senior's second approval counting once (harness: slack-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import {
  CTO,
  SENIOR1,
  SENIOR2,
  SENIOR3,
  START,
  MINUTE,
  runtime,
  freshRuntimePerTest,
  openIncident,
  isolateRequest,
  request,
  incidentOf,
  audit,
  actions,
  incidentMessage,
  requestMessage,
  buttons,
  blocksText,
  clickRequest,
  command,
  approvedEvents,
  refusals,
  ctoAway,
} from './slack-harness.ts';

describe('approval policy through signed Slack requests', () => {
  freshRuntimePerTest();

  it('the CTO approves alone: approved, Mitigation Approved with the plan hash, the request message updated in place without buttons', async () => {
    const { incident, request: pending } = await isolateRequest();
    const before = requestMessage(pending.id);
    expect(before.text).toContain(`<@${CTO}> a mitigation awaits your approval`);
    expect(buttons(before).map((b) => [b.action_id, b.value])).toEqual([
      ['mitigation_approve', `${incident.id}|${pending.id}|${pending.planHash.slice(0, 12)}`],
      ['mitigation_reject', `${incident.id}|${pending.id}|${pending.planHash.slice(0, 12)}`],
    ]);
    const postsBefore = runtime.slack.calls('chat.postMessage').length;

    const reply = await clickRequest(CTO, pending.id, 'approve');
    expect(reply).toBe(`${pending.id} approved by the CTO <@${CTO}>.`);

    const approved = await request(pending.id);
    expect(approved).toMatchObject({ state: 'approved', decidedBy: [CTO], decidedAt: START, version: pending.version + 1 });
    expect(approved.approvals).toEqual([{ userId: CTO, role: 'cto', at: START, planHash: pending.planHash }]);
    expect(approvedEvents(pending.id).map((e) => e.detail)).toEqual([
      { incidentId: incident.id, requestId: pending.id, planHash: pending.planHash },
    ]);

    const after = requestMessage(pending.id);
    expect(after.ts).toBe(before.ts);
    expect(after.thread_ts).toBe(incidentMessage(incident).ts);
    expect(after.updates).toBeGreaterThanOrEqual(1);
    expect(buttons(after)).toEqual([]);
    expect(after.text).toMatch(/^Mitigation approved: Isolate instance for forensics/);
    expect(blocksText(after)).toContain(`Approved by <@${CTO}> at 2026-11-23 09:00:00 UTC.`);
    // Updated in place: no new message for the decision.
    expect(runtime.slack.calls('chat.postMessage')).toHaveLength(postsBefore);

    const entries = await audit(incident.id);
    expect(entries.at(-1)).toMatchObject({
      actor: `slack:${CTO}`,
      action: 'mitigation.approved',
      data: { requestId: pending.id, planHash: pending.planHash, userId: CTO },
    });
    expect(
      verifyChain(entries, { seq: (await incidentOf(incident.id)).auditSeq, hash: (await incidentOf(incident.id)).auditHead })
        .valid,
    ).toBe(true);
    // The escalation is no longer needed: when it fires, nothing changes.
    await runtime.advance(15 * MINUTE);
    expect(await request(pending.id)).toMatchObject({ state: 'approved' });
    expect(await actions(incident.id)).not.toContain('mitigation.escalated');
  });

  it('CTO away: a new request is escalated at once (no schedule, seniors mentioned) and two distinct seniors approve it', async () => {
    await ctoAway('2h');
    const { incident, request: pending } = await isolateRequest();
    expect(pending.escalatedAt).toBe(START);
    expect(runtime.scheduler.pending().filter((j) => j.name === `escalate-${pending.id}`)).toEqual([]);
    expect((await audit(incident.id)).find((a) => a.action === 'mitigation.escalated')).toMatchObject({
      data: { requestId: pending.id, reason: 'cto_away' },
    });

    const thread = runtime.slack.thread(incident.channel, incidentMessage(incident).ts);
    const escalation = thread.find((m) => m.text.includes('The CTO is away'));
    expect(escalation?.text).toContain(`<@${SENIOR1}> <@${SENIOR2}> <@${SENIOR3}>`);
    expect(escalation?.text).toContain('2 senior approvals needed');
    expect(blocksText(requestMessage(pending.id))).toContain('is away until 2026-11-23 11:00:00 UTC');

    expect(await clickRequest(SENIOR1, pending.id, 'approve')).toBe(
      `Approval by <@${SENIOR1}> recorded: 1 of 2 senior approvals.`,
    );
    expect(await request(pending.id)).toMatchObject({
      state: 'awaiting_approval',
      approvals: [expect.objectContaining({ userId: SENIOR1, role: 'senior' })],
    });
    expect(approvedEvents(pending.id)).toEqual([]);
    expect(blocksText(requestMessage(pending.id))).toContain('1 of 2 senior approvals.');

    expect(await clickRequest(SENIOR2, pending.id, 'approve')).toBe(
      `${pending.id} approved by senior engineers <@${SENIOR1}> and <@${SENIOR2}>.`,
    );
    expect(await request(pending.id)).toMatchObject({ state: 'approved', decidedBy: [SENIOR1, SENIOR2] });
    expect(approvedEvents(pending.id).map((e) => e.detail)).toEqual([
      { incidentId: incident.id, requestId: pending.id, planHash: pending.planHash },
    ]);
    const decided = requestMessage(pending.id);
    expect(buttons(decided)).toEqual([]);
    expect(blocksText(decided)).toContain(`Approved by <@${SENIOR1}> and <@${SENIOR2}>`);
    expect((await audit(incident.id)).slice(-2).map((a) => [a.action, a.actor])).toEqual([
      ['mitigation.approval_recorded', `slack:${SENIOR1}`],
      ['mitigation.approved', `slack:${SENIOR2}`],
    ]);
  });

  it('CTO silent: at the SEV2 timeout (15 min) the schedule escalates, seniors are mentioned in the thread, then two seniors approve', async () => {
    const { incident, request: pending } = await isolateRequest();
    // Besides them, notify's refresh watching for coalesced repeats.
    expect(runtime.scheduler.pending().filter((job) => job.target === 'escalate')).toEqual([
      expect.objectContaining({
        name: `escalate-${pending.id}`,
        at: '2026-11-23T09:15:00.000Z',
        target: 'escalate',
        event: { 'detail-type': 'Mitigation Escalation Due', detail: { incidentId: incident.id, requestId: pending.id } },
      }),
      expect.objectContaining({ name: `expire-${pending.id}-20261123100000`, target: 'escalate' }),
    ]);

    await runtime.advance(14 * MINUTE);
    expect((await request(pending.id)).escalatedAt).toBeUndefined();
    await runtime.advance(1 * MINUTE);

    const escalated = await request(pending.id);
    expect(escalated.escalatedAt).toBe('2026-11-23T09:15:00.000Z');
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.escalated')).toEqual([
      expect.objectContaining({
        actor: 'system:escalate',
        at: '2026-11-23T09:15:00.000Z',
        data: { requestId: pending.id, reason: 'cto_silent' },
      }),
    ]);
    const thread = runtime.slack.thread(incident.channel, incidentMessage(incident).ts);
    const escalation = thread.find((m) => m.text.includes('did not answer'));
    expect(escalation?.text).toBe(
      `<@${SENIOR1}> <@${SENIOR2}> <@${SENIOR3}> The CTO did not answer within 15 min: 2 senior approvals needed for Isolate instance for forensics (incident ${incident.id}).`,
    );
    expect(blocksText(requestMessage(pending.id))).toContain('did not answer by 2026-11-23 09:15:00 UTC');

    await clickRequest(SENIOR2, pending.id, 'approve');
    await clickRequest(SENIOR3, pending.id, 'approve');
    expect(await request(pending.id)).toMatchObject({
      state: 'approved',
      decidedBy: [SENIOR2, SENIOR3],
      decidedAt: '2026-11-23T09:15:00.000Z',
    });
    expect(approvedEvents(pending.id)).toHaveLength(1);
  });

  it('a senior who tries before the escalation is refused (cto_available) with a helpful reply, and the attempt is audited', async () => {
    const { incident, request: pending } = await isolateRequest();
    const reply = await clickRequest(SENIOR1, pending.id, 'approve');
    expect(reply).toBe(
      `The CTO <@${CTO}> is available: senior engineers can approve only if the CTO is away or silent until 2026-11-23T09:15:00.000Z.`,
    );
    const byCommand = await command(SENIOR2, `approve ${pending.id}`);
    expect(byCommand).toMatchObject({ status: 200, responseType: 'ephemeral', text: expect.stringContaining('is available') });
    expect(await request(pending.id)).toMatchObject({ state: 'awaiting_approval', approvals: [], version: pending.version });
    expect(await refusals(incident.id)).toEqual([
      { action: 'mitigation.approve_refused', actor: `slack:${SENIOR1}`, refusal: 'cto_available', userId: SENIOR1 },
      { action: 'mitigation.approve_refused', actor: `slack:${SENIOR2}`, refusal: 'cto_available', userId: SENIOR2 },
    ]);
    expect(approvedEvents()).toHaveLength(1); // collect-diagnostics only, by policy
  });

  it('self-approval: a senior who requested a mitigation (CTO away) cannot approve it; two other seniors can', async () => {
    const { incident } = await openIncident();
    await ctoAway('2h');
    const requested = await command(SENIOR1, `mitigate ${incident.id} restart-service serviceName=nginx.service`);
    const requestId = /MIT-[0-9A-F]{10}/.exec(requested.text)?.[0];
    expect(requested.text).toBe(`${requestId} requested: Restart a systemd service. It awaits approval.`);
    const pending = await request(requestId!);
    expect(pending).toMatchObject({
      state: 'awaiting_approval',
      requestedBy: `slack:${SENIOR1}`,
      escalatedAt: START,
      seniorQuorum: 2,
      plan: { parameters: { serviceName: 'nginx.service' }, targets: { type: 'instances', instanceIds: ['i-99999999'] } },
    });

    expect(await clickRequest(SENIOR1, requestId!, 'approve')).toMatch(
      /^You requested this mitigation.*, so someone else has to approve it \(separation of duties\)\.$/,
    );
    expect((await command(SENIOR1, `approve ${requestId}`)).text).toContain('separation of duties');
    expect(await request(requestId!)).toMatchObject({ state: 'awaiting_approval', approvals: [] });
    expect(await refusals(incident.id)).toEqual([
      { action: 'mitigation.approve_refused', actor: `slack:${SENIOR1}`, refusal: 'self_approval', userId: SENIOR1 },
      { action: 'mitigation.approve_refused', actor: `slack:${SENIOR1}`, refusal: 'self_approval', userId: SENIOR1 },
    ]);

    await clickRequest(SENIOR2, requestId!, 'approve');
    await clickRequest(SENIOR3, requestId!, 'approve');
    expect(await request(requestId!)).toMatchObject({ state: 'approved', decidedBy: [SENIOR2, SENIOR3] });
  });

  it('self-approval: the CTO cannot approve a mitigation the CTO requested', async () => {
    const { incident } = await openIncident();
    const requested = await command(CTO, `mitigate ${incident.id} block-ip ipAddress=203.0.113.7`);
    const requestId = /MIT-[0-9A-F]{10}/.exec(requested.text)![0];
    expect((await command(CTO, `approve ${requestId}`)).text).toContain('separation of duties');
    expect(await request(requestId)).toMatchObject({ state: 'awaiting_approval', approvals: [] });
  });

  it('the same senior approving twice counts once', async () => {
    const { incident, request: pending } = await isolateRequest();
    await runtime.advance(15 * MINUTE);
    await clickRequest(SENIOR1, pending.id, 'approve');
    expect(await clickRequest(SENIOR1, pending.id, 'approve')).toBe(
      'You already approved this plan; another senior engineer has to approve too.',
    );
    expect((await command(SENIOR1, `approve ${pending.id}`)).text).toContain('already approved this plan');
    const after = await request(pending.id);
    expect(after.state).toBe('awaiting_approval');
    expect(after.approvals.map((a) => a.userId)).toEqual([SENIOR1]);
    expect((await refusals(incident.id)).map((r) => r.refusal)).toEqual(['already_approved', 'already_approved']);
    expect(approvedEvents(pending.id)).toEqual([]);
  });
});
