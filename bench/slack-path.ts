/**
 * The Slack request path for `npm run bench`: the time from a signed request to the HTTP response
 * of the real Slack Lambda handler, warm (in this process, on the local runtime) and cold (a fresh
 * Node process that imports the deployed handler's esbuild bundle and answers one request).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AwsEventV2 } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { ACTION_IDS } from '../functions/core/slack/button-values.ts';
import { LOCAL_SLACK, type LocalRuntime } from '../functions/local/runtime.ts';
import { buttonClickForm, signedSlackRequest, slashCommandForm } from '../functions/local/slack-requests.ts';
import { coldFigures, runBundle, stats, type BundleRun } from './bundle-run.ts';

/** An incident with a mitigation request awaiting the CTO, and the request's Slack message. */
export interface SlackTargets {
  readonly incidentId: string;
  readonly requestId: string;
  readonly message: { readonly channel: string; readonly ts: string };
}

/** Puts `events` through ingest and notify, then picks a GuardDuty incident's request awaiting the CTO. */
export async function slackTargets(runtime: LocalRuntime, events: readonly unknown[]): Promise<SlackTargets> {
  for (const event of events) runtime.bus.put('default', event);
  await runtime.bus.drain();
  if (runtime.bus.deadLetters.length) throw new Error(`benchmark events failed: ${runtime.bus.deadLetters[0]!.error?.message}`);
  for (const incident of await runtime.repositories.incidents.listIncidents(['open'], 100)) {
    const request = (await runtime.repositories.mitigations.listRequests(incident.id)).find(
      (r) => r.state === 'awaiting_approval',
    );
    const message = request && (await runtime.repositories.slackState.getSlackState(incident.id, request.id));
    if (request && message?.channel && message.ts)
      return { incidentId: incident.id, requestId: request.id, message: { channel: message.channel, ts: message.ts } };
  }
  throw new Error('no mitigation request awaits approval: the events should include a GuardDuty high finding');
}

/**
 * The mix, in turn: `list`, `show <incident>`, `approve <request>` by a senior while the CTO is
 * available (refused by policy and audited), and a senior clicking Approve (refused, audited, and
 * answered through `response_url`). None of them emits an event, so nothing else runs meanwhile.
 */
export const SLACK_MIX = ['list', 'show', 'approve (refused)', 'approve button (refused)'] as const;

export function slackRequest(
  runtime: LocalRuntime,
  targets: SlackTargets,
  kind: (typeof SLACK_MIX)[number],
  i: number,
): AwsEventV2 {
  const { config } = runtime;
  const [cto, senior] = (['cto', 'senior'] as const).map((role) => config.roster.find((m) => m.role === role)!.slackUserId);
  const user = (userId: string) => ({
    userId,
    teamId: config.slack.teamId,
    appId: LOCAL_SLACK.appId,
    channelId: config.slack.channels.default,
    responseUrl: runtime.slack.responseUrl(`bench-${i}`),
  });
  const form =
    kind === 'list'
      ? slashCommandForm(user(cto!), 'list')
      : kind === 'show'
        ? slashCommandForm(user(cto!), `show ${targets.incidentId}`)
        : kind === 'approve (refused)'
          ? slashCommandForm(user(senior!), `approve ${targets.requestId}`)
          : buttonClickForm(user(senior!), {
              actionId: ACTION_IDS.mitigationApprove,
              value: `${targets.incidentId}|${targets.requestId}`,
              messageTs: targets.message.ts,
              channelId: targets.message.channel,
            });
  return signedSlackRequest({ signingSecret: LOCAL_SLACK.signingSecret, form });
}

/**
 * Warm: `n` signed requests of the mix, one at a time, after a few unmeasured ones. Each time is the
 * function's answer alone: the bus is drained after it, untimed (deployed, what a request's events
 * trigger runs in other functions). `own` is each answer's time minus the time DynamoDB Local had a
 * call of it in flight (far slower than DynamoDB): Bolt, the signature check, idempotency's hashing,
 * the listeners, the SDK's own work and the `response_url` reply to the in-process Slack stand-in.
 */
export async function warmSlackPath(runtime: LocalRuntime, targets: SlackTargets, n: number) {
  const times: Record<string, { ms: number; own: number; calls: number; rounds: number }[]> = Object.fromEntries(
    SLACK_MIX.map((kind) => [kind, []]),
  );
  const dynamo = timeDynamoCalls(runtime.client);
  try {
    for (let i = -2 * SLACK_MIX.length; i < n; i++) {
      const kind = SLACK_MIX[(i + 2 * SLACK_MIX.length) % SLACK_MIX.length]!;
      const event = slackRequest(runtime, targets, kind, i);
      dynamo.reset();
      const t0 = performance.now();
      const response = await runtime.slackRequest(event, { drain: false });
      const ms = performance.now() - t0;
      const { inFlightMs, calls, rounds } = dynamo.reset();
      await runtime.bus.drain();
      if (response.statusCode !== 200) throw new Error(`slack ${kind} answered ${response.statusCode}: ${response.body}`);
      if (i >= 0) times[kind]!.push({ ms, own: ms - inFlightMs, calls, rounds });
    }
  } finally {
    dynamo.remove();
  }
  const all = Object.values(times).flat();
  return {
    requests: n,
    ...stats(all.map((t) => t.ms)),
    own: stats(all.map((t) => t.own)),
    byKind: Object.fromEntries(
      Object.entries(times).map(([kind, t]) => [
        kind,
        {
          ...stats(t.map((x) => x.ms)),
          own: stats(t.map((x) => x.own)),
          dynamoCalls: stats(t.map((x) => x.calls)).max,
          dynamoRounds: stats(t.map((x) => x.rounds)).max,
        },
      ]),
    ),
  };
}

/**
 * Since the last reset: how long a client had at least one DynamoDB call in flight, how many calls it
 * made, and in how many rounds (calls overlapping in time share a round: one waits for DynamoDB once).
 */
function timeDynamoCalls(client: LocalRuntime['client']) {
  const name = 'benchDynamoTimer';
  let inFlight = 0;
  let since = 0;
  let inFlightMs = 0;
  let calls = 0;
  let rounds = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      calls++;
      if (inFlight++ === 0) {
        since = performance.now();
        rounds++;
      }
      try {
        return await next(args);
      } finally {
        if (--inFlight === 0) inFlightMs += performance.now() - since;
      }
    },
    { step: 'initialize', name },
  );
  return {
    reset() {
      const figures = { inFlightMs, calls, rounds };
      inFlightMs = 0;
      calls = 0;
      rounds = 0;
      return figures;
    },
    remove: () => void client.middlewareStack.remove(name),
  };
}

/**
 * Cold: `processes` fresh Node processes, each importing the bundled deployed handler and answering
 * one signed request, then a second one: the first invocation's set-up (configuration, SDK clients,
 * the secret, Bolt's App) is the first answer's time minus the second's, apart from the import.
 */
export async function coldSlackPath(input: {
  bundle: string;
  endpoint: string;
  tableName: string;
  processes: number;
  request: () => AwsEventV2;
  nodeOptions?: string;
}) {
  const runs: SlackBundleRun[] = [];
  for (let i = 0; i < input.processes; i++) {
    const run = await runSlackBundle({ ...input, requests: [input.request(), input.request()] });
    if (run.responses.some((r) => r.statusCode !== 200)) throw new Error(`cold Slack request failed: ${JSON.stringify(run)}`);
    runs.push(run);
  }
  return coldFigures(runs);
}

/** What one fresh process running the Slack bundle answered, and how long each step took (ms). */
interface SlackBundleRun extends BundleRun {
  readonly responses: ReadonlyArray<BundleRun['responses'][number] & { statusCode: number; body: string }>;
}

/**
 * Runs the Slack function's bundle in a fresh Node process with a Lambda-like environment (DynamoDB
 * is DynamoDB Local, Secrets Manager a stand-in here answering GetSecretValue with the local Slack
 * app's secret) and hands it `requests` one after the other, as one warm Lambda instance would.
 */
export async function runSlackBundle(input: {
  bundle: string;
  endpoint: string;
  tableName: string;
  requests: readonly AwsEventV2[];
  nodeOptions?: string;
}): Promise<SlackBundleRun> {
  const secrets = await secretsManagerStandIn(JSON.stringify(LOCAL_SLACK));
  try {
    // Asynchronously: the Secrets Manager stand-in answers from this process while the child runs.
    const run = await runBundle({
      bundle: input.bundle,
      functionName: 'firebreak-slack',
      ...(input.nodeOptions ? { nodeOptions: input.nodeOptions } : {}),
      events: input.requests,
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: input.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        TABLE_NAME: input.tableName,
        EVENT_BUS_NAME: 'firebreak',
        SLACK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:firebreak/slack-bench',
        SCHEDULE_GROUP: 'firebreak',
        OUTPUT_LOG_GROUP: '/firebreak/mitigations',
        AUTOMATION_ROLE_ARN: 'arn:aws:iam::123456789012:role/firebreak-automation',
        SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/firebreak-scheduler',
        ESCALATE_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:firebreak-escalate',
        NOTIFY_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:firebreak-notify',
      },
    });
    return {
      ...run,
      responses: run.responses.map((response) => {
        const { statusCode, body } = response.result as { statusCode: number; body: string };
        return { ...response, statusCode, body };
      }),
    };
  } finally {
    await secrets.close();
  }
}

/** Just enough of Secrets Manager (JSON 1.1 protocol) for Powertools' `getSecret`. */
async function secretsManagerStandIn(secretString: string) {
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      const ok = req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue';
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          ok
            ? {
                ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:firebreak/slack-bench',
                Name: 'firebreak/slack',
                SecretString: secretString,
                VersionId: 'bench',
                VersionStages: ['AWSCURRENT'],
              }
            : { __type: 'UnknownOperationException' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
