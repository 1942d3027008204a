/**
 * What the deployments tests share (deployments-*.test.ts): the deployments function end to end on
 * DynamoDB Local, through the local bus with the deployed rule patterns. AWS's own sample events
 * (test/fixtures/events, quirks included) and custom `Deployment` events (source `firebreak.deploy`,
 * firebreak bus) become deployment records and notices in the deployments channel; a failure opens a
 * release incident and puts the service on a release hold that only the CTO (or, while the CTO is
 * away, two senior engineers) can lift with a really signed `/firebreak release approve`. One fresh
 * runtime (and table) per test.
 */
import { DEFAULT_DEPLOY_FREEZE } from '../../functions/core/deployments/freeze-config.ts';
import type { AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { afterEach, beforeEach, expect, inject } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import type { DeploymentRecord } from '../../functions/core/deployments/deployment-record.ts';
import type { Incident, IncidentStatus } from '../../functions/core/incidents/incident.ts';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import type { BusName, Delivery } from '../../functions/local/event-bus.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import { exampleConfig, fixture, tableSnapshot } from '../support.ts';

export const CTO = 'U0CTO000001';
export const SENIOR1 = 'U0SENIOR001';
export const SENIOR2 = 'U0SENIOR002';
export const RESPONDER = 'U0RESPOND01';
export const STRANGER = 'U0STRANGER1';
export const DEPLOYS = 'C0DEPLOYS01';
export const INCIDENTS = 'C0INCIDENTS';
export const ACCOUNT = '123456789012';
export const START = '2026-11-23T09:00:00.000Z';
export const MINUTE = 60_000;
export const DEPLOYMENT_RULES = new Set([
  'CodePipelineExecution',
  'CodeDeployDeployment',
  'EcsServiceDeployment',
  'CloudFormationStackResult',
  'CustomDeployment',
]);

// Release holds alone: the deploy freeze a SEV2 release incident starts is tested in test/local/freeze-and-tracker.test.ts.
export const config = {
  ...exampleConfig(),
  deployFreeze: { ...DEFAULT_DEPLOY_FREEZE, enabled: false },
};
export let runtime: LocalRuntime;
let tables = 0;

/** Registers the per-test set-up and teardown; call once at the top of a test file. */
export function useDeploymentsRuntime(): void {
  /** A fresh runtime (and table) for each test: holds, incidents and Slack messages never leak between tests. */
  beforeEach(async () => {
    runtime = await startLocalRuntime({
      config,
      start: START,
      endpoint: inject('dynamoEndpoint'),
      tableName: `deployments-${process.pid}-${++tables}`,
    });
  });
  afterEach(async () => {
    await runtime?.stop();
  });
}

// --- helpers ------------------------------------------------------------------------------------

/** Puts an event on a bus as AWS (or PutEvents) would and delivers everything that follows. */
export async function deliver(bus: BusName, event: unknown): Promise<Delivery[]> {
  runtime.bus.put(bus, event);
  return runtime.bus.drain();
}

/** An AWS sample event on the default bus. */
export const deliverFixture = (name: string) => deliver('default', fixture(name));

/** What the deployments function answered for these deliveries. */
export const deploymentDeliveries = (deliveries: readonly Delivery[]) => deliveries.filter((d) => DEPLOYMENT_RULES.has(d.rule));

let eventSeq = 0;
export const isoSeconds = (at: Date | number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A custom `Deployment` event as `firebreak deploy-notice` publishes it; `time` defaults to the virtual clock. */
export function customEvent(
  detail: Record<string, unknown>,
  envelope: { id?: string; time?: string; account?: string } = {},
): EventEnvelope {
  return {
    version: '0',
    id: envelope.id ?? `00000000-0000-4000-8000-${String(++eventSeq).padStart(12, '0')}`,
    'detail-type': 'Deployment',
    source: 'firebreak.deploy',
    account: envelope.account ?? ACCOUNT,
    time: envelope.time ?? isoSeconds(runtime.clock.now()),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export const deploy = (detail: Record<string, unknown>, envelope?: Parameters<typeof customEvent>[1]) =>
  deliver('firebreak', customEvent(detail, envelope));

/** A deployment notice (not a hold or lift message): its fallback text starts with the status emoji. */
export const NOTICE_TEXT = /^:(hourglass_flowing_sand|white_check_mark|x|black_square_for_stop): /;
export const notices = (service?: string) =>
  runtime.slack.messages(DEPLOYS).filter((m) => NOTICE_TEXT.test(m.text) && (!service || m.text.includes(` ${service} `)));
export const holdMessages = () => runtime.slack.messages(DEPLOYS).filter((m) => m.text.includes('is on a release hold'));
export const liftedMessages = () => runtime.slack.messages(DEPLOYS).filter((m) => m.text.startsWith('The release hold on'));
export const postsTo = (channel: string) => runtime.slack.calls('chat.postMessage').filter((c) => c.args.channel === channel);
export const blocksText = (message: StandInMessage) => JSON.stringify(message.blocks);
export const shown = (message: StandInMessage) => `${message.text}\n${blocksText(message)}`;

export const only = async (service: string): Promise<DeploymentRecord> => {
  const records = await runtime.repositories.deployments.listDeployments(service);
  expect(records, `deployments of ${service}`).toHaveLength(1);
  return records[0]!;
};

export const ALL_STATUSES: readonly IncidentStatus[] = ['open', 'acknowledged', 'mitigating', 'resolved', 'closed'];
/** Every release incident, whatever its status. */
export const releaseIncidents = async (): Promise<Incident[]> =>
  (await runtime.repositories.incidents.listIncidents(ALL_STATUSES)).filter((i) => i.category === 'release');

/** The hold's audit chain: its actions, checked against the head stored with the hold. */
export async function holdAudit(service: string): Promise<string[]> {
  const entries = await runtime.repositories.holds.getAudit(service);
  const hold = await runtime.repositories.holds.getHold(service);
  expect(verifyChain(entries, { seq: hold!.auditSeq!, hash: hold!.auditHead! }).valid).toBe(true);
  return entries.map((e) => e.action);
}

/** `/firebreak <text>` as a user, signed like Slack signs it; the ephemeral reply is the JSON body. */
export async function command(userId: string, text: string): Promise<string> {
  const response: AwsResponse = await runtime.command(userId, text);
  expect(response.statusCode).toBe(200);
  return response.body ? ((JSON.parse(response.body) as { text?: string }).text ?? '') : '';
}

export const snapshot = () => tableSnapshot(runtime);

/** What the table, the bus and Slack hold: equal before and after means the delivery had no effect. */
export async function observable() {
  return {
    table: await snapshot(),
    emitted: runtime.bus.emitted.length,
    slackCalls: runtime.slack.calls().map((c) => `${c.method} ${String(c.args.text)}`),
    schedules: runtime.scheduler.created.length,
  };
}

/** Nothing changed since `before` (compact failure messages: the Slack calls made, whether the table changed). */
export async function expectNoEffect(before: Awaited<ReturnType<typeof observable>>) {
  const after = await observable();
  expect(after.slackCalls.slice(before.slackCalls.length), 'Slack calls made').toEqual([]);
  expect(after.emitted, 'events emitted').toBe(before.emitted);
  expect(after.schedules, 'schedules created').toBe(before.schedules);
  expect(after.table === before.table, 'table unchanged').toBe(true);
}

/** Every Slack call's arguments, raw: what Slack would have parsed. */
export const everythingSentToSlack = () => JSON.stringify(runtime.slack.calls().map((c) => c.args));

// --- each source ----------------------------------------------------------------------------------
