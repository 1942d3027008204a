import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsEventV2, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import type { FirebreakConfig } from '../core/config.ts';
import { FIREBREAK_SOURCE } from '../core/events/bus.ts';
import { ingestRules } from '../core/events/ingest-rules.ts';
import {
  EXECUTE_PATTERN,
  FREEZE_PATTERN,
  MAINTENANCE_PATTERN,
  NOTIFY_PATTERN,
  PROPOSE_PATTERN,
} from '../core/events/subscriptions.ts';
import type { TrackerStandIn } from './tracker-stand-in.ts';
import { createRepositories, type Repositories } from '../adapters/dynamodb/repositories.ts';
import { SlackPoster } from '../adapters/slack-poster.ts';
import { SlackConversations } from '../adapters/slack-conversations.ts';
import { skippingArchivedUpdates } from '../workflow/incident-channel.ts';
import { InMemoryPostmortemArchive } from '../adapters/postmortem-archive.ts';
import { ingestDependencies as buildIngestDependencies, type IngestDependencies } from '../workflow/record-signal.ts';
import { Workflow } from '../workflow/workflow.ts';
import { deploymentRules } from '../core/deployments/deployment-sources.ts';
import { SSM_STATUS_PATTERN } from '../core/mitigations/ssm-patterns.ts';
import { Execution } from '../workflow/execution.ts';
import { SimulatedFleet } from './fleet.ts';
import { createFirebreakTable, localClient, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { lambdaContext, LocalEventBus, type Delivery, type Target } from './event-bus.ts';
import { LocalScheduler } from './scheduler.ts';
import { LocalStreamReader } from './stream-relay.ts';
import { startLocalNotary, type LocalNotary } from './notary.ts';
import type { DeadLetter } from '../adapters/dead-letter-sink.ts';
import { quietSlackLogger, SlackStandIn } from './slack-stand-in.ts';
import { WINDOW_STATUS_PATTERN } from '../core/maintenance/window-status.ts';
import type { PatchWindowDependencies } from '../workflow/patch-windows.ts';
import { SimulatedMaintenanceWindows, simulatedWindowsFor } from './maintenance-windows.ts';
import { buttonClickForm, signedSlackRequest, slashCommandForm, type SlackUserContext } from './slack-requests.ts';
import { wireLocalReview, type LocalReview } from './review-runtime.ts';
import { wireLocalTracker } from './tracker-runtime.ts';
import { VirtualClock } from './virtual-clock.ts';

export { VirtualClock } from './virtual-clock.ts';

/** The credentials of the local Slack app; requests into it are really signed with this secret. */
export const LOCAL_SLACK = {
  signingSecret: 'local-signing-secret-for-drills',
  botToken: 'xoxb-local-drill-token',
  appId: 'A0FIREBREAK',
} as const;

export interface LocalRuntime {
  readonly config: FirebreakConfig;
  readonly clock: VirtualClock;
  readonly bus: LocalEventBus;
  /** The table's repositories, for drills and tests to read what the functions stored. */
  readonly repositories: Repositories;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly slack: SlackStandIn;
  /** What the stack would keep in S3: the postmortem copies. */
  readonly archive: InMemoryPostmortemArchive;
  readonly scheduler: LocalScheduler;
  readonly workflow: Workflow;
  /** The SIMULATED fleet standing in for Systems Manager: its calls, and how it answers. */
  readonly fleet: SimulatedFleet;
  /** GitHub and Jira as the tracker step sees them locally (its calls, the issues' states). */
  readonly trackers: TrackerStandIn;
  /** The SIMULATED maintenance windows: task registrations, and the runs at each opening on the virtual clock. */
  readonly maintenanceWindows: SimulatedMaintenanceWindows;
  /** The CTO's configuration review of the SIMULATED fleet, run as its schedule runs it. */
  readonly review: LocalReview;
  /** A roster user's `/firebreak …`, signed like Slack signs it; returns the HTTP response. */
  command(userId: string, text: string, options?: { teamId?: string }): Promise<AwsResponse>;
  /** A roster user clicks a button (by action id) on a message; returns the HTTP response. */
  click(
    userId: string,
    target: { actionId: string; value: string; channel: string; ts: string },
    options?: { teamId?: string },
  ): Promise<AwsResponse>;
  /**
   * Any HTTP request into the Slack function (tests build bad signatures, stale timestamps, replays),
   * then the bus drained; with `drain: false` the function's answer alone (the bench times that, as
   * what the request's events trigger runs in other functions once deployed).
   */
  slackRequest(event: AwsEventV2, options?: { drain?: boolean }): Promise<AwsResponse>;
  /** The table's stream as the relay's event source mapping reads it. */
  readonly stream: LocalStreamReader;
  /** Outbox items the relay could never publish (the relay's dead-letter queue). */
  readonly relayDeadLetters: readonly DeadLetter[];
  /** The audit notary on the table's stream: a local key, a folder of signed digests. */
  readonly notary: LocalNotary;
  /** Moves the virtual clock, firing due schedules in time order. */
  advance(ms: number): Promise<Delivery[]>;
  stop(): Promise<void>;
}

export interface LocalRuntimeOptions {
  readonly config: FirebreakConfig;
  readonly start?: Date | string;
  /** Use this DynamoDB Local instead of starting one (tests share one per run). */
  readonly endpoint?: string;
  /** Keep the database on disk here, so `firebreak incidents --local` can read it afterwards. */
  readonly dbPath?: string;
  readonly tableName?: string;
  /** Wire the consumers of incident announcements, notify and propose (default). Off measures ingest alone. */
  readonly notify?: boolean;
  /** Wire the executor and tracker (default). Off keeps approved requests approved, for workflow tests. */
  readonly execute?: boolean;
  /** The bench's pool of concurrent notify instances (NotifyPool.deliver) instead of the one local notify; drills keep the default. */
  readonly notifyTarget?: Target;
  /** Where the notary keeps its key and digests (`firebreak audit verify --local` reads it); default a temporary folder. */
  readonly notaryDir?: string;
}

/**
 * Firebreak on one machine: DynamoDB Local with the deployed table layout, the local bus with the
 * deployed rule patterns, and the real handlers as targets. The handlers log and emit metrics as
 * deployed unless POWERTOOLS_LOG_LEVEL and POWERTOOLS_METRICS_DISABLED say otherwise before this
 * module loads (the Powertools logger and metrics read them when created): the CLI, the tests and
 * the bench set them.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { createIngestHandler } = await import('../ingest/handler.ts');
  const { createNotifyHandler } = await import('../notify/handler.ts');
  const { createEscalateHandler } = await import('../escalate/handler.ts');
  const { createProposeHandler } = await import('../propose/handler.ts');
  const { createSlackLambda } = await import('../slack/handler.ts');
  const { createSlackHandler } = await import('../slack/app.ts');
  const { createDeploymentsHandler } = await import('../deployments/handler.ts');
  const { createExecuteHandler } = await import('../execute/handler.ts');
  const { createTrackHandler } = await import('../track/handler.ts');
  const { createRelayHandler } = await import('../relay/handler.ts');
  const { createFreezeHandler } = await import('../freeze/handler.ts');
  const { createTrackerHandler } = await import('../tracker/handler.ts');
  const { createMaintenanceHandler } = await import('../maintenance/handler.ts');
  const { createReviewHandler } = await import('../review/handler.ts');

  const database: DynamoDbLocal | undefined = options.endpoint
    ? undefined
    : await startDynamoDbLocal(options.dbPath ? { dbPath: options.dbPath } : {});
  const endpoint = options.endpoint ?? database!.endpoint;
  const client = localClient(endpoint);
  const tableName = options.tableName ?? 'firebreak-local';
  await createFirebreakTable(client, tableName, { replace: true });

  const { config } = options;
  const clock = new VirtualClock(options.start);
  const bus = new LocalEventBus(clock.now);
  const repositories = createRepositories(client, tableName);
  // The transactional outbox's real path: the table's stream, read as the event source mapping
  // reads it, through the deployed relay handler, onto the bus.
  const relayDeadLetters: DeadLetter[] = [];
  const relay = createRelayHandler(() => ({
    publisher: bus.publisher,
    deadLetters: { send: async (letter) => void relayDeadLetters.push(letter) },
  }));
  const stream = new LocalStreamReader(client, endpoint, tableName, (event, context) => relay(event, context));
  bus.addFeed(() => stream.pump());
  const notary = await startLocalNotary({
    client,
    endpoint,
    tableName,
    now: clock.now,
    windowSeconds: config.audit.digestWindowSeconds,
    ...(options.notaryDir ? { dir: options.notaryDir } : {}),
  });
  bus.addFeed(() => notary.tick());
  const ingestDependencies: IngestDependencies = buildIngestDependencies(config, repositories, clock.now);
  const scheduler = new LocalScheduler();
  const workflow = new Workflow({ ...repositories, scheduler, config, now: clock.now });
  // Maintenance windows: SIMULATED, run at their openings on the virtual clock (see advance).
  const simulated = simulatedWindowsFor(config.maintenance.windows);
  const maintenanceWindows = new SimulatedMaintenanceWindows(simulated.windows, clock.now, (event) => bus.put('default', event));
  const patchWindows: PatchWindowDependencies = {
    batches: repositories.batches,
    tasks: maintenanceWindows,
    config,
    deployed: simulated.deployed,
    now: clock.now,
    roster: () => workflow.roster(),
  };
  const hasWindows = config.maintenance.windows.length > 0;
  const ingest = createIngestHandler(
    () => ingestDependencies,
    () => (hasWindows ? patchWindows : undefined),
  );
  for (const rule of ingestRules(config))
    bus.addRule(rule.bus, rule.id, rule.pattern, (event, context) => ingest(event as never, context));

  // Slack: a local Web API stand-in, the real clients pointed at it.
  const slack = await SlackStandIn.start({ teamId: config.slack.teamId, now: () => clock.now().getTime() });
  // No pacing locally: the virtual clock does not move while a drill posts.
  const poster = new SlackPoster({
    token: LOCAL_SLACK.botToken,
    slackApiUrl: slack.url,
    minPostIntervalMs: 0,
    logger: quietSlackLogger,
  });
  const archive = new InMemoryPostmortemArchive();
  const notify = createNotifyHandler(async () => ({
    ...repositories,
    slack: config.incidentChannels.enabled ? skippingArchivedUpdates(poster) : poster,
    postmortems: { sources: repositories, files: poster, archive, config },
    workflow,
    scheduler,
    now: clock.now,
    updateIntervalSeconds: 5,
    deploymentsChannel: config.slack.channels.deployments,
    ...(config.incidentChannels.enabled
      ? {
          incidentChannels: {
            config: config.incidentChannels,
            channels: repositories.channelRecords,
            conversations: new SlackConversations(poster.client),
          },
        }
      : {}),
  }));
  const propose = createProposeHandler(() => workflow);
  const maintenance = createMaintenanceHandler(async () => ({
    ...patchWindows,
    batches: repositories.batches,
    slack: poster,
    channel: config.slack.channels.default,
  }));
  if (hasWindows) {
    bus.addRule('firebreak', 'Maintenance', MAINTENANCE_PATTERN, (event, context) => maintenance(event as never, context));
    bus.addRule('default', 'MaintenanceWindowStatus', WINDOW_STATUS_PATTERN, (event, context) =>
      maintenance(event as never, context),
    );
  }
  if (options.notify !== false) {
    // Notify first: locally, deliveries run in rule order, so the incident's message precedes its requests.
    const notifyTarget: Target = options.notifyTarget ?? ((event, context) => notify(event as never, context));
    bus.addRule('firebreak', 'Notify', NOTIFY_PATTERN, notifyTarget);
    bus.addRule('firebreak', 'Propose', PROPOSE_PATTERN, (event, context) => propose(event as never, context));
  }
  const escalate = createEscalateHandler(() => workflow);
  const deployments = createDeploymentsHandler(async () => ({
    ...repositories,
    slack: poster,
    workflow,
    config,
    now: clock.now,
  }));
  for (const rule of deploymentRules())
    bus.addRule(rule.bus, rule.id, rule.pattern, (event, context) => deployments(event as never, context));
  const freeze = createFreezeHandler(() => ({ ...repositories, config, now: clock.now }));
  bus.addRule('firebreak', 'Freeze', FREEZE_PATTERN, (event, context) => freeze(event as never, context));

  // GitHub and Jira: a local stand-in serving the endpoints the tracker step uses, the real adapters pointed at it.
  const trackers = await wireLocalTracker({ bus, config, repositories, poster, now: clock.now, createTrackerHandler });

  // Systems Manager: a SIMULATED fleet records the exact calls and answers with SSM-shaped status events.
  const fleet = new SimulatedFleet(clock.now, (event) => bus.put('default', event));
  const execution = new Execution({
    ...repositories,
    config,
    now: clock.now,
    ssm: fleet,
    outputLogGroup: '/firebreak/mitigations',
    automationRoleArn: 'arn:aws:iam::123456789012:role/firebreak-automation',
  });
  const execute = createExecuteHandler(() => execution);
  const track = createTrackHandler(() => execution);
  if (options.execute !== false) {
    bus.addRule('firebreak', 'Execute', EXECUTE_PATTERN, (event, context) => execute(event as never, context));
    bus.addRule('default', 'Track', SSM_STATUS_PATTERN, (event, context) => track(event as never, context));
  }
  const reviewing = wireLocalReview({ bus, config, ...repositories, poster, clock, workflow, createReviewHandler });
  const bolt = createSlackHandler({
    ...LOCAL_SLACK,
    slackApiUrl: slack.url,
    config,
    ...repositories,
    workflow,
    cancels: { ...repositories, member: (id) => workflow.member(id), now: clock.now },
    ...(hasWindows ? { patchWindows } : {}),
    ...reviewing.slackDependencies,
  });
  const slackLambda = createSlackLambda({ bolt: async () => bolt, dynamo: client, tableName });

  const user = (userId: string, teamId = config.slack.teamId): SlackUserContext => ({
    userId,
    teamId,
    appId: LOCAL_SLACK.appId,
    channelId: config.slack.channels.default,
    responseUrl: slack.responseUrl(`${userId}-${Date.now()}`),
  });
  const slackRequest = async (event: AwsEventV2, options?: { drain?: boolean }): Promise<AwsResponse> => {
    const response = (await slackLambda(event as never, lambdaContext('slack'))) as AwsResponse;
    if (options?.drain !== false) await bus.drain();
    return response;
  };
  const send = (form: Record<string, string>) =>
    slackRequest(signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form }));

  return {
    config,
    clock,
    bus,
    repositories,
    client,
    tableName,
    slack,
    archive,
    scheduler,
    workflow,
    fleet,
    trackers,
    maintenanceWindows,
    review: reviewing.review,
    slackRequest,
    command: (userId, text, options) => send(slashCommandForm(user(userId, options?.teamId), text)),
    click: (userId, target, options) =>
      send(
        buttonClickForm(user(userId, options?.teamId), {
          actionId: target.actionId,
          value: target.value,
          messageTs: target.ts,
          channelId: target.channel,
        }),
      ),
    advance: async (ms) => {
      const end = new Date(clock.now().getTime() + ms).toISOString();
      const delivered: Delivery[] = [];
      // Schedules, window openings and the configuration review fire in time order: each opening runs
      // its registered tasks then, each review firing reviews the fleet then.
      for (;;) {
        const opening = [maintenanceWindows.nextOpening(new Date(end)), reviewing.review.nextDue(new Date(end))]
          .filter((at): at is Date => at !== undefined)
          .sort((a, b) => a.getTime() - b.getTime())[0];
        const until = opening?.toISOString() ?? end;
        for (let job = scheduler.nextDue(until); job; job = scheduler.nextDue(until)) {
          clock.advance(Math.max(0, Date.parse(job.at) - clock.now().getTime()));
          const event = {
            version: '0',
            id: job.name,
            source: FIREBREAK_SOURCE,
            account: '123456789012',
            region: 'us-east-1',
            time: job.at,
            resources: [],
            ...job.event,
          };
          const target = job.target === 'escalate' ? escalate : notify;
          try {
            delivered.push({
              bus: 'firebreak',
              rule: `schedule:${job.name}`,
              event,
              result: await target(event as never, lambdaContext(job.target)),
            });
          } catch (error) {
            const failed = {
              bus: 'firebreak' as const,
              rule: `schedule:${job.name}`,
              event,
              error: error instanceof Error ? error : new Error(String(error)),
            };
            bus.deadLetters.push(failed);
            delivered.push(failed);
          }
          delivered.push(...(await bus.drain()));
        }
        if (!opening) break;
        clock.advance(Math.max(0, opening.getTime() - clock.now().getTime()));
        maintenanceWindows.runDue();
        delivered.push(...(await bus.drain()));
        delivered.push(...(await reviewing.review.runDue()));
      }
      clock.advance(Math.max(0, Date.parse(end) - clock.now().getTime()));
      // Whatever waited for the clock (a publish fault ending, the notary's batching window) moves on now.
      delivered.push(...(await bus.drain()));
      await notary.tick();
      return delivered;
    },
    stream,
    relayDeadLetters,
    notary,
    stop: async () => {
      stream.close();
      notary.close();
      await slack.close();
      await trackers.close();
      client.destroy();
      await database?.stop();
    },
  };
}
