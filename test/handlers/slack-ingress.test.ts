/**
 * Requests Firebreak refuses at the door, through really signed Slack requests on DynamoDB Local:
 * someone not on the roster or in the wrong role, another workspace or Slack app, a bad or stale
 * signature, and a replayed request; each refused or answered once, changing nothing else
 * (harness: slack-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { LOCAL_SLACK } from '../../functions/local/runtime.ts';
import {
  buttonClickForm,
  signedSlackRequest,
  slashCommandForm,
  type SlackUserContext,
} from '../../functions/local/slack-requests.ts';
import {
  CTO,
  SENIOR1,
  SENIOR2,
  RESPONDER,
  STRANGER,
  TEAM,
  OTHER_TEAM,
  MINUTE,
  config,
  runtime,
  freshRuntimePerTest,
  isolateRequest,
  request,
  incidentOf,
  audit,
  requestMessage,
  clickRequest,
  command,
  replyOf,
  approvedEvents,
  observable,
  refusals,
} from './slack-harness.ts';

function user(userId: string, teamId = TEAM): SlackUserContext {
  return {
    userId,
    teamId,
    appId: LOCAL_SLACK.appId,
    channelId: config.slack.channels.default,
    responseUrl: runtime.slack.responseUrl(`hand-built-${userId}`),
  };
}

describe('approval policy through signed Slack requests', () => {
  freshRuntimePerTest();

  it('refuses and audits someone not on the roster, and a responder (wrong role)', async () => {
    const { incident, request: pending } = await isolateRequest();
    expect(await clickRequest(STRANGER, pending.id, 'approve')).toBe(
      'You are not on the Firebreak roster, so you cannot decide on mitigations.',
    );
    expect((await command(STRANGER, `reject ${pending.id} nope`)).text).toContain('not on the Firebreak roster');
    expect(await clickRequest(RESPONDER, pending.id, 'approve')).toBe(
      'Only the CTO or, when the CTO is unavailable, senior engineers can approve mitigations.',
    );
    expect(await clickRequest(RESPONDER, pending.id, 'reject')).toContain('can reject mitigations');
    expect(await request(pending.id)).toMatchObject({ state: 'awaiting_approval', approvals: [], version: pending.version });
    expect(await refusals(incident.id)).toEqual([
      { action: 'mitigation.approve_refused', actor: `slack:${STRANGER}`, refusal: 'not_on_roster', userId: STRANGER },
      { action: 'mitigation.reject_refused', actor: `slack:${STRANGER}`, refusal: 'not_on_roster', userId: STRANGER },
      { action: 'mitigation.approve_refused', actor: `slack:${RESPONDER}`, refusal: 'wrong_role', userId: RESPONDER },
      { action: 'mitigation.reject_refused', actor: `slack:${RESPONDER}`, refusal: 'wrong_role', userId: RESPONDER },
    ]);
    // Someone not on the roster cannot request mitigations, mark themselves away or act on incidents either.
    expect((await command(STRANGER, `mitigate ${incident.id} restart-service serviceName=nginx.service`)).text).toContain(
      'not on the Firebreak roster',
    );
    expect((await command(STRANGER, 'away 1h')).text).toBe('You are not on the Firebreak roster.');
    expect((await command(STRANGER, `ack ${incident.id}`)).text).toBe('You are not on the Firebreak roster.');
    expect(await incidentOf(incident.id)).toMatchObject({ status: 'open' });
  });

  it('refuses a request from another workspace (command or click) with an ephemeral reply, audited other_workspace, changing nothing else', async () => {
    const { incident, request: pending } = await isolateRequest();
    const before = {
      request: await request(pending.id),
      emitted: runtime.bus.emitted.length,
      status: (await incidentOf(incident.id)).status,
    };
    const byCommand = await command(CTO, `approve ${pending.id}`, { teamId: OTHER_TEAM });
    expect(byCommand).toMatchObject({
      status: 200,
      responseType: 'ephemeral',
      text: 'Firebreak does not accept requests from this workspace or app.',
    });
    const clicked = await clickRequest(CTO, pending.id, 'approve', { teamId: OTHER_TEAM });
    expect(clicked).toBe('Firebreak does not accept requests from this workspace or app.');
    expect((await command(CTO, 'away 4h', { teamId: OTHER_TEAM })).text).toContain('does not accept requests');
    expect((await command(CTO, `ack ${incident.id}`, { teamId: OTHER_TEAM })).text).toContain('does not accept requests');
    expect(await refusals(incident.id)).toEqual([
      { action: 'mitigation.approve_refused', actor: `slack:${CTO}`, refusal: 'other_workspace', userId: CTO },
      { action: 'mitigation.approve_refused', actor: `slack:${CTO}`, refusal: 'other_workspace', userId: CTO },
      { action: 'incident.ack_refused', actor: `slack:${CTO}`, refusal: 'other_workspace', userId: CTO },
    ]);
    // Nothing but the audit entries: the request, the incident's status and the bus are as they were.
    expect(await request(pending.id)).toEqual(before.request);
    expect((await incidentOf(incident.id)).status).toBe(before.status);
    await runtime.bus.drain();
    expect(runtime.bus.emitted.length).toBe(before.emitted);
    expect(verifyChain(await audit(incident.id)).valid).toBe(true);
    expect((await runtime.repositories.roster.getAwayTimes()).size).toBe(0);
  });

  it('refuses a request signed for another Slack app (api_app_id) with no state change', async () => {
    const { request: pending } = await isolateRequest();
    const before = await observable();
    const form = slashCommandForm({ ...user(CTO), appId: 'A0SOMEOTHER' }, `approve ${pending.id}`);
    const response = await runtime.slackRequest(signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form }));
    expect(replyOf(response).text).toContain('does not accept requests');
    expect(await observable()).toEqual(before);
  });

  it('answers a bad signature, a wrong signing secret or a missing signature with HTTP 401 and changes nothing', async () => {
    const { request: pending } = await isolateRequest();
    const before = await observable();
    const form = slashCommandForm(user(CTO), `approve ${pending.id}`);
    const forged = signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form, signature: `v0=${'ab'.repeat(32)}` });
    expect(await runtime.slackRequest(forged)).toMatchObject({ statusCode: 401 });
    const wrongSecret = signedSlackRequest({ signingSecret: 'not-the-signing-secret', form });
    expect(await runtime.slackRequest(wrongSecret)).toMatchObject({ statusCode: 401 });
    // A body changed after signing.
    const signed = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form: slashCommandForm(user(STRANGER), 'help'),
    });
    const tampered = { ...signed, body: new URLSearchParams(form).toString() };
    expect(await runtime.slackRequest(tampered)).toMatchObject({ statusCode: 401 });
    const unsigned = signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form });
    delete (unsigned.headers as Record<string, string>)['x-slack-signature'];
    expect(await runtime.slackRequest(unsigned)).toMatchObject({ statusCode: 401 });
    const click = buttonClickForm(user(CTO), {
      actionId: 'mitigation_approve',
      value: `${pending.incidentId}|${pending.id}`,
      messageTs: requestMessage(pending.id).ts,
      channelId: requestMessage(pending.id).channel,
    });
    expect(await runtime.slackRequest(signedSlackRequest({ signingSecret: 'wrong', form: click }))).toMatchObject({
      statusCode: 401,
    });
    expect(await observable()).toEqual(before);
    expect(runtime.slack.responses()).toEqual([]);
  });

  it('answers a correctly signed request with a timestamp older than 5 minutes with HTTP 401 and changes nothing', async () => {
    const { request: pending } = await isolateRequest();
    const before = await observable();
    const form = slashCommandForm(user(CTO), `approve ${pending.id}`);
    const stale = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form,
      timestamp: Math.floor(Date.now() / 1000) - 5 * 60 - 30,
    });
    expect(await runtime.slackRequest(stale)).toMatchObject({ statusCode: 401 });
    expect(await observable()).toEqual(before);
    // Four minutes old is still inside the window.
    const recent = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form,
      timestamp: Math.floor(Date.now() / 1000) - 4 * 60,
    });
    expect(replyOf(await runtime.slackRequest(recent)).text).toContain('approved by the CTO');
    expect(await request(pending.id)).toMatchObject({ state: 'approved' });
  });

  it('a replayed request (the same signed bytes twice) has no second effect and gets the same answer', async () => {
    const { incident, request: pending } = await isolateRequest();
    await runtime.advance(15 * MINUTE);
    const event = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form: slashCommandForm(user(SENIOR1), `approve ${pending.id}`),
    });
    const first = await runtime.slackRequest(structuredClone(event));
    expect(replyOf(first).text).toBe(`Approval by <@${SENIOR1}> recorded: 1 of 2 senior approvals.`);
    const after = await observable();
    const second = await runtime.slackRequest(structuredClone(event));
    expect(second).toEqual(first);
    expect(await observable()).toEqual(after);
    expect((await request(pending.id)).approvals).toHaveLength(1);
    expect(await refusals(incident.id)).toEqual([]);

    // A replayed click: no second decision and no second ephemeral reply.
    const message = requestMessage(pending.id);
    const click = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form: buttonClickForm(user(SENIOR2), {
        actionId: 'mitigation_approve',
        value: `${incident.id}|${pending.id}`,
        messageTs: message.ts,
        channelId: message.channel,
      }),
    });
    expect(await runtime.slackRequest(structuredClone(click))).toMatchObject({ statusCode: 200 });
    expect(await request(pending.id)).toMatchObject({ state: 'approved' });
    const settled = await observable();
    const responses = runtime.slack.responses().length;
    expect(await runtime.slackRequest(structuredClone(click))).toMatchObject({ statusCode: 200 });
    expect(await observable()).toEqual(settled);
    expect(runtime.slack.responses()).toHaveLength(responses);
    expect(approvedEvents(pending.id)).toHaveLength(1);
  });
});
