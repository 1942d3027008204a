/**
 * How a mitigation request's decision ends, through really signed Slack requests on DynamoDB Local:
 * simultaneous clicks counted once, an approval after the window expiring the request, a plan change
 * voiding earlier approvals, rejections, and a countermeasure approved by policy (harness: slack-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  CTO,
  SENIOR1,
  SENIOR2,
  SENIOR3,
  RESPONDER,
  MINUTE,
  runtime,
  freshRuntimePerTest,
  openIncident,
  isolateRequest,
  request,
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

  it('two simultaneous approve clicks by the CTO count once: one approval, one Mitigation Approved', async () => {
    const { incident, request: pending } = await isolateRequest();
    const message = requestMessage(pending.id);
    const target = {
      actionId: 'mitigation_approve',
      value: `${incident.id}|${pending.id}`,
      channel: message.channel,
      ts: message.ts,
    };
    const responses = await Promise.all([runtime.click(CTO, target), runtime.click(CTO, target)]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200]);
    const after = await request(pending.id);
    expect(after).toMatchObject({ state: 'approved', decidedBy: [CTO], version: pending.version + 1 });
    expect(after.approvals).toHaveLength(1);
    expect(approvedEvents(pending.id)).toHaveLength(1);
    const decisions = (await audit(incident.id)).filter(
      (a) => a.data.requestId === pending.id && a.action !== 'mitigation.requested',
    );
    expect(decisions.map((a) => [a.action, a.data.refusal])).toEqual(
      expect.arrayContaining([
        ['mitigation.approved', undefined],
        ['mitigation.approve_refused', 'already_decided'],
      ]),
    );
    expect(decisions).toHaveLength(2);
    expect(
      runtime.slack
        .responses()
        .map((r) => String(r.body.text))
        .sort(),
    ).toEqual([`${pending.id} approved by the CTO <@${CTO}>.`, `${pending.id} is already approved (by <@${CTO}>).`].sort());
  });

  it('two seniors approving at the same moment reach the quorum exactly once', async () => {
    const { request: pending } = await isolateRequest();
    await runtime.advance(15 * MINUTE);
    const message = requestMessage(pending.id);
    const target = {
      actionId: 'mitigation_approve',
      value: `${pending.incidentId}|${pending.id}`,
      channel: message.channel,
      ts: message.ts,
    };
    await Promise.all([runtime.click(SENIOR1, target), runtime.click(SENIOR2, target)]);
    const after = await request(pending.id);
    expect(after.state).toBe('approved');
    expect([...(after.decidedBy ?? [])].sort()).toEqual([SENIOR1, SENIOR2]);
    expect(approvedEvents(pending.id)).toHaveLength(1);
  });

  it('approve after the window, before its expiry schedule fired, is refused "expired": the click expires it, audited and shown without buttons', async () => {
    const { incident, request: pending } = await isolateRequest();
    await runtime.advance(59 * MINUTE);
    // The clock passes the window without firing the expiry schedule (Scheduler invokes within its minute, or retries).
    runtime.clock.advance(2 * MINUTE);
    const reply = await clickRequest(CTO, pending.id, 'approve');
    expect(reply).toBe(`${pending.id} expired at 2026-11-23T10:00:00.000Z; request it again if it is still needed.`);
    expect(await request(pending.id)).toMatchObject({
      state: 'expired',
      decidedAt: '2026-11-23T10:01:00.000Z',
      reason: 'approval window passed',
    });
    expect((await audit(incident.id)).slice(-2).map((a) => [a.action, a.data.refusal ?? null])).toEqual([
      ['mitigation.approve_refused', 'expired'],
      ['mitigation.expired', null],
    ]);
    expect(runtime.bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Decided').map((e) => e.detail)).toContainEqual({
      incidentId: incident.id,
      requestId: pending.id,
      outcome: 'expired',
    });
    expect(approvedEvents(pending.id)).toEqual([]);
    const message = requestMessage(pending.id);
    expect(buttons(message)).toEqual([]);
    expect(message.text).toMatch(/^Mitigation expired/);
    // Once expired, later clicks say it is finished.
    expect(await command(SENIOR1, `approve ${pending.id}`)).toMatchObject({ text: `${pending.id} is already expired.` });
    // The thread hears it once, whichever found the expiry: the schedule, firing late, finds it expired and adds nothing.
    const expiredReplies = () =>
      runtime.slack.thread(incident.channel, incidentMessage(incident).ts).filter((m) => m.text.includes('expired unapproved'));
    expect(expiredReplies()).toHaveLength(1);
    const fired = await runtime.advance(0);
    expect(fired.filter((d) => d.rule.startsWith('schedule:expire-')).map((d) => d.result)).toEqual([
      { incidentId: incident.id, requestId: pending.id, outcome: 'already_decided' },
    ]);
    expect(expiredReplies()).toHaveLength(1);
    expect((await actions(incident.id)).filter((a) => a === 'mitigation.expired')).toHaveLength(1);
  });

  it('a plan change after one senior approval voids it: two fresh approvals of the new plan are needed', async () => {
    const { incident } = await openIncident();
    await ctoAway('2h');
    const first = await command(RESPONDER, `mitigate ${incident.id} restart-service serviceName=nginx.service`);
    const requestId = /MIT-[0-9A-F]{10}/.exec(first.text)![0];
    const original = await request(requestId);
    await clickRequest(SENIOR1, requestId, 'approve');
    expect((await request(requestId)).approvals).toHaveLength(1);

    const changed = await command(RESPONDER, `mitigate ${incident.id} restart-service serviceName=apache2.service`);
    const replanned = await request(requestId);
    expect(changed.text).toBe(
      `${requestId}: the plan changed (hash ${replanned.planHash.slice(0, 12)}); earlier approvals no longer count.`,
    );
    expect(replanned.planHash).not.toBe(original.planHash);
    expect(replanned).toMatchObject({ state: 'awaiting_approval', plan: { parameters: { serviceName: 'apache2.service' } } });
    expect((await audit(incident.id)).find((a) => a.action === 'mitigation.plan_changed')).toMatchObject({
      actor: `slack:${RESPONDER}`,
      data: { requestId, from: original.planHash, to: replanned.planHash },
    });
    const message = requestMessage(requestId);
    expect(blocksText(message)).toContain('serviceName = apache2.service');
    expect(blocksText(message)).toContain('it no longer counts');
    // The same plan again is not a change.
    expect((await command(RESPONDER, `mitigate ${incident.id} restart-service serviceName=apache2.service`)).text).toBe(
      `${requestId} already asks for exactly this plan and awaits approval.`,
    );
    // A button from the message as it was before the change never approves the new plan.
    const stale = await runtime.click(SENIOR2, {
      actionId: 'mitigation_approve',
      value: `${incident.id}|${requestId}|${original.planHash.slice(0, 12)}`,
      channel: message.channel,
      ts: message.ts,
    });
    expect(stale.statusCode).toBe(200);
    expect(String(runtime.slack.responses().at(-1)?.body.text)).toMatch(/changed after this message was shown/);
    expect((await audit(incident.id)).at(-1)).toMatchObject({
      action: 'mitigation.approve_refused',
      data: { userId: SENIOR2, refusal: 'plan_changed' },
    });

    expect(await clickRequest(SENIOR2, requestId, 'approve')).toBe(
      `Approval by <@${SENIOR2}> recorded: 1 of 2 senior approvals.`,
    );
    expect(await request(requestId)).toMatchObject({ state: 'awaiting_approval' });
    expect(await clickRequest(SENIOR1, requestId, 'approve')).toBe(
      `${requestId} approved by senior engineers <@${SENIOR2}> and <@${SENIOR1}>.`,
    );
    const approved = await request(requestId);
    expect(approved).toMatchObject({ state: 'approved', decidedBy: [SENIOR2, SENIOR1] });
    expect(approved.approvals.map((a) => [a.userId, a.planHash])).toEqual([
      [SENIOR1, original.planHash],
      [SENIOR2, replanned.planHash],
      [SENIOR1, replanned.planHash],
    ]);
    expect(approvedEvents(requestId).map((e) => (e.detail as { planHash: string }).planHash)).toEqual([replanned.planHash]);
  });

  it('whoever changes the plan counts as its requester: a senior who re-requested with other parameters cannot approve that plan', async () => {
    const { incident } = await openIncident();
    await ctoAway('2h');
    const first = await command(RESPONDER, `mitigate ${incident.id} restart-service serviceName=nginx.service`);
    const requestId = /MIT-[0-9A-F]{10}/.exec(first.text)![0];
    await clickRequest(SENIOR1, requestId, 'approve');
    // SENIOR2 rewrites the plan, then approves the plan SENIOR2 wrote.
    await command(SENIOR2, `mitigate ${incident.id} restart-service serviceName=sshd.service`);
    const reply = await clickRequest(SENIOR2, requestId, 'approve');
    expect(reply).toContain('separation of duties');
    await clickRequest(SENIOR3, requestId, 'approve');
    // Without SENIOR2's own approval, SENIOR3 alone is 1 of 2.
    expect(await request(requestId)).toMatchObject({ state: 'awaiting_approval' });
    expect(approvedEvents(requestId)).toEqual([]);
  });

  it('a rejection by the CTO ends the request; later approvals are refused as already decided', async () => {
    const { incident, request: pending } = await isolateRequest();
    const before = requestMessage(pending.id);
    expect(await clickRequest(CTO, pending.id, 'reject')).toBe(
      `${pending.id} rejected by <@${CTO}>: rejected with the Slack button`,
    );
    expect(await request(pending.id)).toMatchObject({
      state: 'rejected',
      decidedBy: [CTO],
      reason: 'rejected with the Slack button',
    });
    expect(runtime.bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Decided').map((e) => e.detail)).toEqual([
      { incidentId: incident.id, requestId: pending.id, outcome: 'rejected' },
    ]);
    expect(approvedEvents(pending.id)).toEqual([]);
    const message = requestMessage(pending.id);
    expect(message.ts).toBe(before.ts);
    expect(buttons(message)).toEqual([]);
    expect(blocksText(message)).toContain(`Rejected by <@${CTO}> at 2026-11-23 09:00:00 UTC: rejected with the Slack button.`);
    expect((await audit(incident.id)).at(-1)).toMatchObject({
      action: 'mitigation.rejected',
      data: { requestId: pending.id, reason: 'rejected with the Slack button' },
    });

    await runtime.advance(15 * MINUTE);
    // A click from a stale client that still shows the buttons, and the command.
    await runtime.click(SENIOR1, {
      actionId: 'mitigation_approve',
      value: `${incident.id}|${pending.id}`,
      channel: message.channel,
      ts: message.ts,
    });
    expect(String(runtime.slack.responses().at(-1)?.body.text)).toBe(`${pending.id} is already rejected (by <@${CTO}>).`);
    expect((await command(CTO, `approve ${pending.id}`)).text).toBe(`${pending.id} is already rejected (by <@${CTO}>).`);
    expect((await refusals(incident.id)).slice(-2)).toMatchObject([
      { refusal: 'already_decided', userId: SENIOR1 },
      { refusal: 'already_decided', userId: CTO },
    ]);
    expect(await request(pending.id)).toMatchObject({ state: 'rejected' });
  });

  it('a senior may reject even while the CTO is available (stopping is always safe)', async () => {
    const { request: pending } = await isolateRequest();
    const reply = await command(SENIOR3, `reject ${pending.id} wrong instance`);
    expect(reply.text).toBe(`${pending.id} rejected by <@${SENIOR3}>: wrong instance`);
    expect(await request(pending.id)).toMatchObject({ state: 'rejected', decidedBy: [SENIOR3], reason: 'wrong instance' });
  });

  it('a pre-approved countermeasure is approved by policy; a click on it says it is already decided', async () => {
    const { incident, diagnostics } = await openIncident();
    expect(diagnostics).toMatchObject({ state: 'approved', decidedBy: ['policy'] });
    expect(approvedEvents(diagnostics!.id).map((e) => e.detail)).toEqual([
      { incidentId: incident.id, requestId: diagnostics!.id, planHash: diagnostics!.planHash },
    ]);
    expect(blocksText(requestMessage(diagnostics!.id))).toContain('Approved by policy');
    expect((await command(CTO, `approve ${diagnostics!.id.toLowerCase()}`)).text).toBe(
      `${diagnostics!.id} is already approved (by policy).`,
    );
  });
});
