/**
 * Evil user stories: Slack ingress and authorization. Each story is one attacker's or mistaken
 * user's attempt, sent as Slack sends it (really signed, or deliberately not) into the real Bolt
 * app on DynamoDB Local, and what it must and must not change. One fresh runtime per story.
 */
import type { AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { LOCAL_SLACK, startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import {
  buttonClickForm,
  signedSlackRequest,
  slashCommandForm,
  type SlackUserContext,
} from '../../functions/local/slack-requests.ts';
import { exampleConfig, fixture, tableSnapshot } from '../support.ts';

const CTO = 'U0CTO000001';
const SENIOR1 = 'U0SENIOR001';
const SENIOR2 = 'U0SENIOR002';
const RESPONDER = 'U0RESPOND01';
const STRANGER = 'U0STRANGER1';
const TEAM = 'T0FIREBRK01';
const OTHER_TEAM = 'T0EVILTEAM1';
const MINUTE = 60_000;
const config = exampleConfig();

let runtime: LocalRuntime;
let tables = 0;
beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `evil-slack-${process.pid}-${++tables}`,
    execute: false,
  });
});
afterEach(async () => runtime?.stop());

/** A GuardDuty high finding: a SEV2 incident with isolate-instance awaiting approval. */
async function pendingIsolation() {
  runtime.bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
  await runtime.bus.drain();
  const [incident] = await runtime.repositories.incidents.listIncidents();
  const requests = await runtime.repositories.mitigations.listRequests(incident!.id);
  const request = requests.find((r) => r.catalogId === 'isolate-instance')!;
  expect(request.state).toBe('awaiting_approval');
  return { incident: incident!, request };
}

const say = async (userId: string, text: string, teamId?: string): Promise<string> =>
  replyText(await runtime.command(userId, text, teamId ? { teamId } : undefined));
const replyText = (response: AwsResponse): string =>
  response.body ? ((JSON.parse(response.body) as { text?: string }).text ?? '') : '';
const stateOf = async (requestId: string) => (await runtime.repositories.mitigations.findRequest(requestId))!.state;
const refusalsOn = async (incidentId: string) =>
  (await runtime.repositories.incidents.getAudit(incidentId))
    .filter((e) => e.action.endsWith('_refused'))
    .map((e) => ({ action: e.action, refusal: e.data.refusal, userId: e.data.userId }));
const user = (userId: string, overrides: Partial<SlackUserContext> = {}): SlackUserContext => ({
  userId,
  teamId: TEAM,
  appId: LOCAL_SLACK.appId,
  channelId: config.slack.channels.default,
  responseUrl: runtime.slack.responseUrl(`evil-${userId}`),
  ...overrides,
});
/** `Mitigation Approved` for this request (collect-diagnostics is pre-approved on every GuardDuty incident). */
const approvalsOf = (requestId: string) =>
  runtime.bus.emitted.filter(
    (e) => e['detail-type'] === 'Mitigation Approved' && (e.detail as { requestId?: string }).requestId === requestId,
  );
/** How many committed outbox entries announce `Mitigation Approved` for this request. */
async function committedApprovals(requestId: string): Promise<number> {
  const out = await runtime.client.send(new ScanCommand({ TableName: runtime.tableName, ConsistentRead: true }));
  return (out.Items ?? [])
    .map((item) => unmarshall(item))
    .filter((item) => String(item.pk).startsWith('OUTBOX#'))
    .flatMap((item) => JSON.parse(item.events as string) as Array<{ detailType: string; detail: { requestId?: string } }>)
    .filter((e) => e.detailType === 'Mitigation Approved' && e.detail.requestId === requestId).length;
}
/** How many answers the Slack function's idempotency layer keeps (items it writes to replay them). */
async function rememberedAnswers(): Promise<number> {
  const out = await runtime.client.send(new ScanCommand({ TableName: runtime.tableName, ConsistentRead: true }));
  return (out.Items ?? []).filter((item) => item.pk?.S?.startsWith('IDEMPOTENCY#')).length;
}
const nothingChanged = async (before: string) => expect(await tableSnapshot(runtime)).toBe(before);

describe('evil user stories: Slack ingress', () => {
  it('a forged signature (right shape, wrong HMAC) is answered 401 and changes nothing', async () => {
    const { request } = await pendingIsolation();
    const before = await tableSnapshot(runtime);
    const form = slashCommandForm(user(CTO), `approve ${request.id}`);
    const forged = signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form, signature: `v0=${'0f'.repeat(32)}` });
    expect((await runtime.slackRequest(forged)).statusCode).toBe(401);
    await nothingChanged(before);
  });

  it('a request signed with a guessed signing secret is answered 401 and changes nothing', async () => {
    const { request } = await pendingIsolation();
    const before = await tableSnapshot(runtime);
    const form = slashCommandForm(user(CTO), `approve ${request.id}`);
    expect((await runtime.slackRequest(signedSlackRequest({ signingSecret: 'hunter2', form }))).statusCode).toBe(401);
    await nothingChanged(before);
  });

  it('a stale request (validly signed 6 minutes ago) is answered 401: a captured approval cannot be replayed later', async () => {
    const { request } = await pendingIsolation();
    const before = await tableSnapshot(runtime);
    const form = slashCommandForm(user(CTO), `approve ${request.id}`);
    const stale = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form,
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect((await runtime.slackRequest(stale)).statusCode).toBe(401);
    await nothingChanged(before);
    expect(await stateOf(request.id)).toBe('awaiting_approval');
  });

  it('a tampered body (signed for "help", sent as "approve") is answered 401 and changes nothing', async () => {
    const { request } = await pendingIsolation();
    const before = await tableSnapshot(runtime);
    const signed = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form: slashCommandForm(user(STRANGER), 'help'),
    });
    const tampered = { ...signed, body: new URLSearchParams(slashCommandForm(user(CTO), `approve ${request.id}`)).toString() };
    expect((await runtime.slackRequest(tampered)).statusCode).toBe(401);
    await nothingChanged(before);
  });

  it('a replayed click (the same signed body twice, within the window) has one effect and the same answer', async () => {
    const { request } = await pendingIsolation();
    const message = runtime.slack.latest((m) => !!m.thread_ts && JSON.stringify(m.blocks).includes(request.id))!;
    const value = `${request.incidentId}|${request.id}|${request.planHash.slice(0, 12)}`;
    const form = slashCommandForm(user(CTO), `reject ${request.id} replay test`);
    const signed = signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form });
    const first = await runtime.slackRequest(signed);
    const second = await runtime.slackRequest(signed);
    expect(second.body).toBe(first.body);
    expect(message).toBeDefined();
    expect(value).toContain(request.id);
    const decisions = (await runtime.repositories.incidents.getAudit(request.incidentId)).filter(
      (e) => e.action === 'mitigation.rejected',
    );
    expect(decisions).toHaveLength(1);
    expect(await stateOf(request.id)).toBe('rejected');
  });

  it('a replayed read-only command is answered afresh and stores nothing; a replayed refused approval is audited once', async () => {
    const { incident, request } = await pendingIsolation();
    const show = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form: slashCommandForm(user(CTO), `show ${incident.id}`),
    });
    expect(replyText(await runtime.slackRequest(structuredClone(show)))).toContain(' · open');
    const stored = await rememberedAnswers();
    expect(await say(CTO, `ack ${incident.id}`)).toContain('acknowledged');
    expect(await rememberedAnswers()).toBe(stored + 1);
    // The same signed bytes again: a fresh read (now acknowledged), and no record kept for either.
    expect(replyText(await runtime.slackRequest(structuredClone(show)))).toContain(' · acknowledged');
    expect(await rememberedAnswers()).toBe(stored + 1);
    // Skipping the idempotency record never skips the signature check.
    const forged = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form: slashCommandForm(user(CTO), 'list'),
      signature: `v0=${'cd'.repeat(32)}`,
    });
    expect((await runtime.slackRequest(forged)).statusCode).toBe(401);

    // A refused approval is not read-only: its refusal is audited once, a replay gets the stored answer.
    const refused = signedSlackRequest({
      signingSecret: LOCAL_SLACK.signingSecret,
      form: slashCommandForm(user(SENIOR1), `approve ${request.id}`),
    });
    const first = await runtime.slackRequest(structuredClone(refused));
    expect((await runtime.slackRequest(structuredClone(refused))).body).toBe(first.body);
    expect(await refusalsOn(incident.id)).toEqual([
      { action: 'mitigation.approve_refused', refusal: 'cto_available', userId: SENIOR1 },
    ]);
  });

  it('the CTO clicking Approve from another workspace gets an ephemeral refusal, audited other_workspace; nothing is approved', async () => {
    const { request } = await pendingIsolation();
    const before = runtime.slack.responses().length;
    const click = buttonClickForm(user(CTO, { teamId: OTHER_TEAM }), {
      actionId: 'mitigation_approve',
      value: `${request.incidentId}|${request.id}|${request.planHash.slice(0, 12)}`,
      messageTs: '1.000',
      channelId: config.slack.channels.default,
    });
    expect(
      (await runtime.slackRequest(signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form: click }))).statusCode,
    ).toBe(200);
    const replies = runtime.slack.responses().slice(before);
    expect(replies.map((r) => r.body)).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: 'Firebreak does not accept requests from this workspace or app.',
      },
    ]);
    expect(await refusalsOn(request.incidentId)).toEqual([
      { action: 'mitigation.approve_refused', refusal: 'other_workspace', userId: CTO },
    ]);
    expect(await stateOf(request.id)).toBe('awaiting_approval');
  });

  it('resolving an incident and requesting a mitigation from another workspace are refused and audited on its chain', async () => {
    const { incident } = await pendingIsolation();
    expect(await say(CTO, `resolve ${incident.id} all clear`, OTHER_TEAM)).toContain('does not accept requests');
    expect(await say(CTO, `mitigate ${incident.id} restart-service serviceName=nginx.service`, OTHER_TEAM)).toContain(
      'does not accept',
    );
    expect(await refusalsOn(incident.id)).toEqual([
      { action: 'incident.resolve_refused', refusal: 'other_workspace', userId: CTO },
      { action: 'mitigation.request_refused', refusal: 'other_workspace', userId: CTO },
    ]);
    const after = (await runtime.repositories.incidents.getIncident(incident.id))!;
    expect(after.status).toBe('open');
    expect(
      verifyChain(await runtime.repositories.incidents.getAudit(incident.id), { seq: after.auditSeq, hash: after.auditHead })
        .valid,
    ).toBe(true);
  });

  it('a request signed for another Slack app (api_app_id) is refused before anything is read or written', async () => {
    const { request } = await pendingIsolation();
    const before = await tableSnapshot(runtime);
    const form = slashCommandForm(user(CTO, { appId: 'A0EVILAPP01' }), `approve ${request.id}`);
    const response = await runtime.slackRequest(signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form }));
    expect(replyText(response)).toBe('Firebreak does not accept requests from this workspace or app.');
    await nothingChanged(before);
  });
});

describe('evil user stories: authorization', () => {
  it('someone not on the roster cannot approve: refused not_on_roster, audited', async () => {
    const { request } = await pendingIsolation();
    expect(await say(STRANGER, `approve ${request.id}`)).toContain('not on the Firebreak roster');
    expect(await refusalsOn(request.incidentId)).toEqual([
      { action: 'mitigation.approve_refused', refusal: 'not_on_roster', userId: STRANGER },
    ]);
    expect(await stateOf(request.id)).toBe('awaiting_approval');
  });

  it('a responder cannot approve: refused wrong_role, audited', async () => {
    const { request } = await pendingIsolation();
    expect(await say(RESPONDER, `approve ${request.id}`)).toContain('Only the CTO');
    expect(await refusalsOn(request.incidentId)).toEqual([
      { action: 'mitigation.approve_refused', refusal: 'wrong_role', userId: RESPONDER },
    ]);
  });

  it('the CTO cannot approve a mitigation the CTO requested: refused self_approval (separation of duties)', async () => {
    const { incident } = await pendingIsolation();
    expect(await say(CTO, `mitigate ${incident.id} restart-service serviceName=nginx.service`)).not.toContain('Cannot');
    const requested = (await runtime.repositories.mitigations.listRequests(incident.id)).find(
      (r) => r.catalogId === 'restart-service',
    )!;
    expect(await say(CTO, `approve ${requested.id}`)).toContain('separation of duties');
    expect(await stateOf(requested.id)).toBe('awaiting_approval');
    expect((await refusalsOn(incident.id)).at(-1)).toEqual({
      action: 'mitigation.approve_refused',
      refusal: 'self_approval',
      userId: CTO,
    });
  });

  it('a senior engineer cannot approve while the CTO is available: refused cto_available', async () => {
    const { request } = await pendingIsolation();
    expect(await say(SENIOR1, `approve ${request.id}`)).toContain('is available');
    expect(await refusalsOn(request.incidentId)).toEqual([
      { action: 'mitigation.approve_refused', refusal: 'cto_available', userId: SENIOR1 },
    ]);
  });

  it('one senior engineer approving twice counts once: the second is refused already_approved and the quorum is not met', async () => {
    const { request } = await pendingIsolation();
    await say(CTO, 'away 2h');
    expect(await say(SENIOR1, `approve ${request.id}`)).toContain('recorded');
    expect(await say(SENIOR1, `approve ${request.id}`)).toContain('already approved');
    expect(await stateOf(request.id)).toBe('awaiting_approval');
    expect(await say(SENIOR2, `approve ${request.id}`)).toContain('approved by senior engineers');
    expect(await stateOf(request.id)).toBe('approved');
  });

  it('an approval after the window closed is refused expired, and the request becomes expired', async () => {
    const { request } = await pendingIsolation();
    await runtime.advance(61 * MINUTE);
    await say(CTO, `approve ${request.id}`);
    expect(await stateOf(request.id)).toBe('expired');
    expect(approvalsOf(request.id)).toHaveLength(0);
  });

  it('a click on a message showing an older plan is refused plan_changed', async () => {
    const { request } = await pendingIsolation();
    const click = buttonClickForm(user(CTO), {
      actionId: 'mitigation_approve',
      value: `${request.incidentId}|${request.id}|${'0'.repeat(12)}`,
      messageTs: '1.000',
      channelId: config.slack.channels.default,
    });
    await runtime.slackRequest(signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form: click }));
    expect(await refusalsOn(request.incidentId)).toEqual([
      { action: 'mitigation.approve_refused', refusal: 'plan_changed', userId: CTO },
    ]);
    expect(await stateOf(request.id)).toBe('awaiting_approval');
  });

  it('approving a mitigation of a resolved incident is refused incident_resolved', async () => {
    const { incident, request } = await pendingIsolation();
    await say(CTO, `resolve ${incident.id} false positive`);
    expect(await say(CTO, `approve ${request.id}`)).toContain('resolved');
    expect((await refusalsOn(incident.id)).at(-1)).toMatchObject({ refusal: 'incident_resolved' });
    expect(await stateOf(request.id)).toBe('awaiting_approval');
  });

  it('a responder cannot lift a release hold: refused wrong_role, audited on the hold chain', async () => {
    runtime.bus.put('default', fixture('ecs-deployment-failed.json'));
    await runtime.bus.drain();
    expect((await runtime.repositories.holds.getHold('servicetest'))?.held).toBe(true);
    expect(await say(RESPONDER, 'release approve servicetest')).toContain('CTO');
    expect((await runtime.repositories.holds.getHold('servicetest'))?.held).toBe(true);
    const chain = await runtime.repositories.holds.getAudit('servicetest');
    expect(chain.at(-1)).toMatchObject({ action: 'release.approve_refused', data: { refusal: 'wrong_role', userId: RESPONDER } });
  });

  it('a responder cannot cancel a mitigation, and nothing that is not running can be cancelled', async () => {
    const { request } = await pendingIsolation();
    expect(await say(RESPONDER, `cancel ${request.id}`)).toBe(
      'Only the CTO or a senior engineer can cancel a running mitigation.',
    );
    expect(await say(CTO, `cancel ${request.id}`)).toBe(`${request.id} is awaiting approval, not running.`);
    expect(await stateOf(request.id)).toBe('awaiting_approval');
    // The responder's attempt is on the incident's chain; neither attempt reached the bus.
    const refused = (await runtime.repositories.incidents.getAudit(request.incidentId)).filter(
      (entry) => entry.action === 'mitigation.cancel_refused',
    );
    expect(refused.map((entry) => [entry.actor, entry.data])).toEqual([
      [`slack:${RESPONDER}`, { requestId: request.id, refusal: 'not_authorized', userId: RESPONDER, teamId: expect.any(String) }],
    ]);
    expect(runtime.bus.emitted.map((event) => event['detail-type'])).not.toContain('Mitigation Cancel Requested');
  });

  it('twenty simultaneous Approve clicks by the CTO approve once and commit and publish one Mitigation Approved', async () => {
    const { request } = await pendingIsolation();
    const value = `${request.incidentId}|${request.id}|${request.planHash.slice(0, 12)}`;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        runtime.click(CTO, { actionId: 'mitigation_approve', value, channel: config.slack.channels.default, ts: '1.000' }),
      ),
    );
    await runtime.bus.drain();
    expect(await stateOf(request.id)).toBe('approved');
    const audit = (await runtime.repositories.incidents.getAudit(request.incidentId)).filter(
      (e) => e.data.requestId === request.id,
    );
    expect(audit.filter((e) => e.action === 'mitigation.approved')).toHaveLength(1);
    // The losers re-read and are refused already_decided (under this much contention one may run out of
    // retries and be told to try again instead); none approves a second time.
    const refused = audit.filter((e) => e.action === 'mitigation.approve_refused');
    expect(refused.length).toBeGreaterThanOrEqual(15);
    expect(new Set(refused.map((e) => e.data.refusal))).toEqual(new Set(['already_decided']));
    // Announced once: one committed outbox entry, published once.
    expect(await committedApprovals(request.id)).toBe(1);
    expect(approvalsOf(request.id)).toHaveLength(1);
  });
});
