/**
 * What the Slack handler tests share (slack-*.test.ts): a local runtime on DynamoDB Local without its
 * executor (what runs after approval is the executor's, tested elsewhere), the roster's users, and
 * helpers that really sign slash commands and button clicks into the Bolt app and read what the local
 * Slack Web API stand-in, the bus and the table hold. One fresh runtime (and table) per test unless a
 * describe shares one.
 */
import type { AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { afterEach, beforeEach, expect, inject } from 'vitest';
import type { AuditEntry } from '../../functions/core/audit/chain.ts';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import type { MitigationRequest } from '../../functions/core/mitigations/mitigation.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import { exampleConfig, fixture, tableSnapshot } from '../support.ts';

export const CTO = 'U0CTO000001';
export const SENIOR1 = 'U0SENIOR001';
export const SENIOR2 = 'U0SENIOR002';
export const SENIOR3 = 'U0SENIOR003';
export const RESPONDER = 'U0RESPOND01';
export const STRANGER = 'U0STRANGER1';
export const TEAM = 'T0FIREBRK01';
export const OTHER_TEAM = 'T0OTHERTEAM';
export const START = '2026-11-23T09:00:00.000Z';
export const MINUTE = 60_000;

export const config = exampleConfig();
export let runtime: LocalRuntime;
let tables = 0;

export const start = async () => {
  // The approval workflow on its own: what runs after approval is the executor's (tested elsewhere).
  runtime = await startLocalRuntime({
    config,
    start: START,
    endpoint: inject('dynamoEndpoint'),
    tableName: `slack-${process.pid}-${++tables}`,
    execute: false,
  });
};
export const stop = async () => {
  await runtime?.stop();
};

/** A fresh runtime (and table) for each test of the enclosing describe. */
export function freshRuntimePerTest() {
  beforeEach(start);
  afterEach(stop);
}

// --- helpers ------------------------------------------------------------------------------------

/** A GuardDuty high finding on i-99999999: a SEV2 incident, collect-diagnostics (pre-approved) and isolate-instance (awaiting). */
export async function openIncident(event: EventEnvelope = fixture('guardduty-finding-ec2-high-wrapped.json')) {
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
export async function isolateRequest() {
  const opened = await openIncident();
  expect(opened.isolate).toMatchObject({ state: 'awaiting_approval', requestedBy: 'policy:classification' });
  return { incident: opened.incident, request: opened.isolate! };
}

export const request = async (requestId: string): Promise<MitigationRequest> =>
  (await runtime.repositories.mitigations.findRequest(requestId))!;
export const incidentOf = async (id: string): Promise<Incident> => (await runtime.repositories.incidents.getIncident(id))!;
export const audit = (incidentId: string): Promise<AuditEntry[]> => runtime.repositories.incidents.getAudit(incidentId);
export const actions = async (incidentId: string) => (await audit(incidentId)).map((a) => a.action);

/** The incident's own message (top level, in its channel). */
export function incidentMessage(incident: Pick<Incident, 'id' | 'channel'>): StandInMessage {
  const message = runtime.slack.latest((m) => m.channel === incident.channel && !m.thread_ts && m.text.includes(incident.id));
  expect(message, `message of ${incident.id}`).toBeDefined();
  return message!;
}

/** The message of a mitigation request, in its incident's thread. */
export function requestMessage(requestId: string): StandInMessage {
  const message = runtime.slack.latest(
    (m) =>
      !!m.thread_ts &&
      JSON.stringify(m.blocks).includes(`\`${requestId}\``) &&
      !/escalat|did not answer|is away|expired unapproved/i.test(m.text),
  );
  expect(message, `message of ${requestId}`).toBeDefined();
  return message!;
}

export const buttons = (message: StandInMessage): Array<{ action_id: string; value: string }> =>
  message.blocks.flatMap((b) =>
    (b as { type: string }).type === 'actions'
      ? ((b as { elements: Array<{ action_id: string; value: string }> }).elements ?? [])
      : [],
  );

export const blocksText = (message: StandInMessage) => JSON.stringify(message.blocks);

/** A signed click on a mitigation request's button (approve or reject), as Slack sends it. */
export async function clickRequest(
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
export async function clickIncident(
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
export async function command(
  userId: string,
  text: string,
  options?: { teamId?: string },
): Promise<{ text: string; responseType: string; status: number }> {
  const response = await runtime.command(userId, text, options);
  return { ...replyOf(response), status: response.statusCode };
}

export function replyOf(response: AwsResponse): { text: string; responseType: string } {
  if (!response.body) return { text: '', responseType: '' };
  const body = JSON.parse(response.body) as { text?: string; response_type?: string };
  return { text: body.text ?? '', responseType: body.response_type ?? '' };
}

export const approvedEvents = (requestId?: string) =>
  runtime.bus.emitted.filter(
    (e) =>
      e['detail-type'] === 'Mitigation Approved' && (!requestId || (e.detail as { requestId: string }).requestId === requestId),
  );

const snapshot = () => tableSnapshot(runtime);

/** What Slack, the bus and the table hold; equal before and after means the request had no effect. */
export async function observable() {
  return {
    table: await snapshot(),
    emitted: runtime.bus.emitted.length,
    slackCalls: runtime.slack.calls().length,
    schedules: runtime.scheduler.created.length,
  };
}

export const refusals = async (incidentId: string) =>
  (await audit(incidentId))
    .filter((a) => a.action.endsWith('_refused'))
    .map((a) => ({ action: a.action, actor: a.actor, refusal: a.data.refusal, userId: a.data.userId }));

/** Marks the CTO away with the real command and checks the reply. */
export async function ctoAway(duration = '2h') {
  const reply = await command(CTO, `away ${duration}`);
  expect(reply.text).toMatch(/You are away until .*Senior engineers can approve mitigations until then\./);
}

// --- the approval policy --------------------------------------------------------------------------
