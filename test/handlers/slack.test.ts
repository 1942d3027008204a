/**
 * The Slack function end to end on DynamoDB Local: really signed slash commands and button clicks
 * into the real Bolt app, the approval policy through the workflow, and what the local Slack Web API
 * stand-in received. One fresh runtime (and table) per test, so no test sees another's roster or clock.
 */
import type { AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain, type AuditEntry } from '../../functions/core/audit/chain.ts';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import type { MitigationRequest } from '../../functions/core/mitigations/mitigation.ts';
import { LOCAL_SLACK, startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import {
  buttonClickForm,
  signedSlackRequest,
  slashCommandForm,
  type SlackUserContext,
} from '../../functions/local/slack-requests.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import { exampleConfig, fixture, withNewId, tableSnapshot } from '../support.ts';

const CTO = 'U0CTO000001';
const SENIOR1 = 'U0SENIOR001';
const SENIOR2 = 'U0SENIOR002';
const SENIOR3 = 'U0SENIOR003';
const RESPONDER = 'U0RESPOND01';
const STRANGER = 'U0STRANGER1';
const TEAM = 'T0FIREBRK01';
const OTHER_TEAM = 'T0OTHERTEAM';
const START = '2026-11-23T09:00:00.000Z';
const MINUTE = 60_000;

const config = exampleConfig();
let runtime: LocalRuntime;
let tables = 0;

const start = async () => {
  // The approval workflow on its own: what runs after approval is the executor's (tested elsewhere).
  runtime = await startLocalRuntime({
    config,
    start: START,
    endpoint: inject('dynamoEndpoint'),
    tableName: `slack-${process.pid}-${++tables}`,
    execute: false,
  });
};
const stop = async () => {
  await runtime?.stop();
};

/** A fresh runtime (and table) for each test of the enclosing describe. */
function freshRuntimePerTest() {
  beforeEach(start);
  afterEach(stop);
}

// --- helpers ------------------------------------------------------------------------------------

/** A GuardDuty high finding on i-99999999: a SEV2 incident, collect-diagnostics (pre-approved) and isolate-instance (awaiting). */
async function openIncident(event: EventEnvelope = fixture('guardduty-finding-ec2-high-wrapped.json')) {
  runtime.bus.put('default', event);
  await runtime.bus.drain();
  const [incident] = await runtime.repositories.incidents.listIncidents();
  expect(incident).toBeDefined();
  const requests = await runtime.repositories.mitigations.listRequests(incident!.id);
  return {
    incident: incident!,
    isolate: requests.find((r) => r.catalogId === 'isolate-instance'),
    diagnostics: requests.find((r) => r.catalogId === 'collect-diagnostics'),
  };
}

/** The isolate-instance request of a fresh GuardDuty incident. */
async function isolateRequest() {
  const opened = await openIncident();
  expect(opened.isolate).toMatchObject({ state: 'awaiting_approval', requestedBy: 'policy:classification' });
  return { incident: opened.incident, request: opened.isolate! };
}

const request = async (requestId: string): Promise<MitigationRequest> =>
  (await runtime.repositories.mitigations.findRequest(requestId))!;
const incidentOf = async (id: string): Promise<Incident> => (await runtime.repositories.incidents.getIncident(id))!;
const audit = (incidentId: string): Promise<AuditEntry[]> => runtime.repositories.incidents.getAudit(incidentId);
const actions = async (incidentId: string) => (await audit(incidentId)).map((a) => a.action);

/** The incident's own message (top level, in its channel). */
function incidentMessage(incident: Pick<Incident, 'id' | 'channel'>): StandInMessage {
  const message = runtime.slack.latest((m) => m.channel === incident.channel && !m.thread_ts && m.text.includes(incident.id));
  expect(message, `message of ${incident.id}`).toBeDefined();
  return message!;
}

/** The message of a mitigation request, in its incident's thread. */
function requestMessage(requestId: string): StandInMessage {
  const message = runtime.slack.latest(
    (m) =>
      !!m.thread_ts &&
      JSON.stringify(m.blocks).includes(`\`${requestId}\``) &&
      !/escalat|did not answer|is away|expired unapproved/i.test(m.text),
  );
  expect(message, `message of ${requestId}`).toBeDefined();
  return message!;
}

const buttons = (message: StandInMessage): Array<{ action_id: string; value: string }> =>
  message.blocks.flatMap((b) =>
    (b as { type: string }).type === 'actions'
      ? ((b as { elements: Array<{ action_id: string; value: string }> }).elements ?? [])
      : [],
  );

const blocksText = (message: StandInMessage) => JSON.stringify(message.blocks);

/** A signed click on a mitigation request's button (approve or reject), as Slack sends it. */
async function clickRequest(
  userId: string,
  requestId: string,
  action: 'approve' | 'reject',
  options?: { teamId?: string },
): Promise<string> {
  const message = requestMessage(requestId);
  const actionId = `mitigation_${action}`;
  const button = buttons(message).find((b) => b.action_id === actionId);
  expect(button, `${actionId} button on ${requestId}`).toBeDefined();
  const before = runtime.slack.responses().length;
  const response = await runtime.click(
    userId,
    { actionId, value: button!.value, channel: message.channel, ts: message.ts },
    options,
  );
  expect(response.statusCode).toBe(200);
  const replies = runtime.slack.responses().slice(before);
  return replies.map((r) => String(r.body.text)).join('\n');
}

/** A signed click on an incident message's button. */
async function clickIncident(
  userId: string,
  incident: Pick<Incident, 'id' | 'channel'>,
  actionId: 'incident_ack' | 'incident_resolve',
): Promise<string> {
  const message = incidentMessage(incident);
  const button = buttons(message).find((b) => b.action_id === actionId);
  expect(button, `${actionId} button`).toBeDefined();
  const before = runtime.slack.responses().length;
  const response = await runtime.click(userId, { actionId, value: button!.value, channel: message.channel, ts: message.ts });
  expect(response.statusCode).toBe(200);
  return runtime.slack
    .responses()
    .slice(before)
    .map((r) => String(r.body.text))
    .join('\n');
}

/** `/firebreak <text>` as a user; the ephemeral reply is the JSON body of the HTTP response. */
async function command(
  userId: string,
  text: string,
  options?: { teamId?: string },
): Promise<{ text: string; responseType: string; status: number }> {
  const response = await runtime.command(userId, text, options);
  return { ...replyOf(response), status: response.statusCode };
}

function replyOf(response: AwsResponse): { text: string; responseType: string } {
  if (!response.body) return { text: '', responseType: '' };
  const body = JSON.parse(response.body) as { text?: string; response_type?: string };
  return { text: body.text ?? '', responseType: body.response_type ?? '' };
}

const approvedEvents = (requestId?: string) =>
  runtime.bus.emitted.filter(
    (e) =>
      e['detail-type'] === 'Mitigation Approved' && (!requestId || (e.detail as { requestId: string }).requestId === requestId),
  );

const snapshot = () => tableSnapshot(runtime);

/** What Slack, the bus and the table hold; equal before and after means the request had no effect. */
async function observable() {
  return {
    table: await snapshot(),
    emitted: runtime.bus.emitted.length,
    slackCalls: runtime.slack.calls().length,
    schedules: runtime.scheduler.created.length,
  };
}

function user(userId: string, teamId = TEAM): SlackUserContext {
  return {
    userId,
    teamId,
    appId: LOCAL_SLACK.appId,
    channelId: config.slack.channels.default,
    responseUrl: runtime.slack.responseUrl(`hand-built-${userId}`),
  };
}

const refusals = async (incidentId: string) =>
  (await audit(incidentId))
    .filter((a) => a.action.endsWith('_refused'))
    .map((a) => ({ action: a.action, actor: a.actor, refusal: a.data.refusal, userId: a.data.userId }));

/** Marks the CTO away with the real command and checks the reply. */
async function ctoAway(duration = '2h') {
  const reply = await command(CTO, `away ${duration}`);
  expect(reply.text).toMatch(/You are away until .*Senior engineers can approve mitigations until then\./);
}

// --- the approval policy --------------------------------------------------------------------------

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

// --- untrusted text -------------------------------------------------------------------------------

describe('untrusted text reaches Slack inert', () => {
  freshRuntimePerTest();
  const ABUSE = 'Deploy <!channel> <https://evil.example|Runbook> <@U0CTO000001> &lt; done';

  function everything(): string {
    return runtime.slack
      .messages()
      .map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`)
      .join('\n');
  }

  it('escapes an alarm name in the incident message, its updates and the list/show replies', async () => {
    const alarm = fixture('cloudwatch-alarm-state-change-alarm.json') as EventEnvelope & { detail: { alarmName: string } };
    alarm.detail.alarmName = ABUSE;
    alarm.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ABUSE}`];
    const { incident } = await openIncident(alarm);
    expect(incident.title).toBe(`CloudWatch alarm ${ABUSE}`);
    await command(RESPONDER, `ack ${incident.id}`);

    const all = everything();
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;https://evil.example|Runbook&gt;');
    expect(all).toContain('&amp;lt;');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil');
    expect(all).not.toContain('<@U0CTO000001>');

    for (const text of [(await command(CTO, 'list')).text, (await command(CTO, `show ${incident.id}`)).text]) {
      expect(text).toContain('&lt;!channel&gt;');
      expect(text).not.toMatch(/<!channel>|<https:\/\/evil|<@U0CTO000001>/);
    }
  });

  it('escapes a GuardDuty finding title and description everywhere it is shown', async () => {
    const finding = withNewId(fixture('guardduty-finding-ec2-high-wrapped.json')) as EventEnvelope & {
      detail: { title: string; description: string };
    };
    finding.detail.title = `Finding ${ABUSE}`;
    finding.detail.description = `Described ${ABUSE}`;
    const { incident } = await openIncident(finding);
    const top = incidentMessage(incident);
    expect(top.text).toContain(
      'Finding Deploy &lt;!channel&gt; &lt;https://evil.example|Runbook&gt; &lt;@U0CTO000001&gt; &amp;lt; done',
    );
    expect(blocksText(top)).toContain('Described Deploy &lt;!channel&gt;');
    expect(`${top.text}${blocksText(top)}`).not.toMatch(/<!channel>|<https:\/\/evil|<@U0CTO000001>/);
    expect(everything()).not.toContain('<!channel>');
  });

  it('a reject reason with a mention is stored as typed but rendered escaped, never as a mention', async () => {
    const { incident, request: pending } = await isolateRequest();
    const reply = await command(
      SENIOR1,
      `reject ${pending.id.toLowerCase()} <!channel> <@U0CTO000001> see <https://evil.example|this>`,
    );
    expect(reply.text).toBe(
      `${pending.id} rejected by <@${SENIOR1}>: &lt;!channel&gt; &lt;@U0CTO000001&gt; see &lt;https://evil.example|this&gt;`,
    );
    const rejected = await request(pending.id);
    expect(rejected.reason).toBe('<!channel> <@U0CTO000001> see <https://evil.example|this>');
    const message = requestMessage(pending.id);
    const shown = `${message.text}${blocksText(message)}`;
    expect(shown).toContain(
      `Rejected by <@${SENIOR1}> at 2026-11-23 09:00:00 UTC: &lt;!channel&gt; &lt;@U0CTO000001&gt; see &lt;https://evil.example|this&gt;.`,
    );
    expect(shown).not.toMatch(/<!channel>|<@U0CTO000001>|<https:\/\/evil/);
    expect((await command(CTO, `show ${incident.id}`)).text).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(everything()).not.toContain('<!channel>');
  });

  it('a resolve note with markup is kept in the audit but never posted raw', async () => {
    const { incident } = await openIncident();
    const reply = await command(RESPONDER, `resolve ${incident.id} <!here> fixed by <https://evil.example|me>`);
    expect(reply.text).toBe(`${incident.id} resolved by <@${RESPONDER}>.`);
    expect((await audit(incident.id)).find((a) => a.action === 'incident.resolved')?.data).toEqual({
      note: '<!here> fixed by <https://evil.example|me>',
      by: RESPONDER,
    });
    expect(everything()).not.toMatch(/<!here>|<https:\/\/evil/);
  });
});

// --- commands -------------------------------------------------------------------------------------

describe('bad commands and refused requests: an ephemeral explanation and no write', () => {
  // These change nothing (each test checks it), so they share one runtime and one incident.
  let shared: Incident;
  beforeAll(async () => {
    await start();
    shared = (await openIncident()).incident;
  });
  afterAll(stop);

  it.each([
    ['frobnicate', /^Unknown command "frobnicate"\.\n\*Firebreak\*/],
    ['<!channel>', /^Unknown command "&lt;!channel&gt;"\./],
    [
      'sev INC-XXXX SEV9',
      /^Expected an incident id and a severity SEV1–SEV4\.\nUsage: `\/firebreak sev &lt;incident&gt; &lt;SEV1-4&gt;`$/,
    ],
    ['sev INC-0000000000 SEV9', /SEV1–SEV4/],
    ['ack', /Expected one incident id/],
    ['approve MIT-1', /Expected one request id/],
    ['reject MIT-0000000000', /^Say why you reject it/],
    ['away forever', /^"forever" is not a duration between 1m and 14d\./],
    ['away 15d', /is not a duration between 1m and 14d/],
    ['list everything', /^`list` takes no arguments\./],
    ['mitigate INC-0000000000', /^Expected an incident id and a catalog id\./],
    ['mitigate INC-0000000000 restart-service serviceName=$(curl x)', /^"x\)" is not a key=value parameter\./],
    ['mitigate INC-0000000000 restart-service serviceName=a serviceName=b', /^serviceName is given twice\./],
  ])('"/firebreak %s" gets an ephemeral explanation and writes nothing', async (text, expected) => {
    const before = await observable();
    const reply = await command(RESPONDER, text);
    expect(reply.status).toBe(200);
    expect(reply.responseType).toBe('ephemeral');
    expect(reply.text).toMatch(expected);
    // Nothing in an explanation is read as Slack markup (usage placeholders are escaped too).
    expect(reply.text).not.toMatch(/[<>]/);
    expect(await observable()).toEqual(before);
  });

  it.each([
    [
      'serviceName=$(curl)',
      /^Cannot plan restart-service: serviceName contains a character that is never allowed in a parameter$/,
    ],
    ['serviceName=nginx;reboot', /never allowed/],
    ['serviceName=`id`', /never allowed/],
    ['serviceName=../../etc/passwd', /^Cannot plan restart-service: serviceName contains "\.\." \(path traversal/],
    [`serviceName=${'a'.repeat(65)}`, /does not match/],
    [
      'serviceName=nginx.service unit=x',
      /^Cannot plan restart-service: restart-service has no parameter unit \(it takes serviceName\)$/,
    ],
    ['', /^Cannot plan restart-service: restart-service needs serviceName=/],
  ])('a mitigation with bad parameters (%s) is refused before anything is written', async (parameters, expected) => {
    const before = await observable();
    const reply = await command(SENIOR1, `mitigate ${shared.id} restart-service ${parameters}`.trim());
    expect(reply.responseType).toBe('ephemeral');
    expect(reply.text).toMatch(expected);
    expect(await observable()).toEqual(before);
  });

  it('refuses an unknown catalog entry or incident with a helpful reply', async () => {
    const before = await observable();
    expect((await command(SENIOR1, `mitigate ${shared.id} wipe-disks`)).text).toMatch(
      /^There is no mitigation "wipe-disks" in the catalog \(collect-diagnostics, isolate-instance, /,
    );
    expect((await command(SENIOR1, 'mitigate INC-0000000000 restart-service serviceName=nginx')).text).toBe(
      'No incident INC-0000000000.',
    );
    expect((await command(SENIOR1, 'approve MIT-0000000000')).text).toBe('No mitigation request MIT-0000000000.');
    expect((await command(SENIOR1, 'show INC-0000000000')).text).toBe('No incident INC-0000000000.');
    expect(await observable()).toEqual(before);
  });

  it('help (also for an empty command) lists every command', async () => {
    const before = await observable();
    const help = await command(RESPONDER, 'help');
    expect(help.responseType).toBe('ephemeral');
    for (const word of [
      'list',
      'show',
      'ack',
      'resolve',
      'sev',
      'mitigate',
      'approve',
      'reject',
      'away',
      'back',
      'roster',
      'help',
    ])
      expect(help.text).toContain(`\`${word}`);
    expect((await command(RESPONDER, '')).text).toBe(help.text);
    expect((await command(STRANGER, 'HELP')).text).toBe(help.text);
    expect(await observable()).toEqual(before);
  });
});

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
