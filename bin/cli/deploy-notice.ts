/**
 * `firebreak deploy-notice`: validates the notice with the schema the deployments function applies
 * on receipt, then publishes it as a custom `Deployment` event on the Firebreak bus with the caller's
 * AWS credentials. Nothing reaches AWS unless every field is valid; `--dry-run` never does.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_SOURCE } from '../../functions/core/deployments/deployment-sources.ts';
import { DeploymentSchema } from '../../functions/core/deployments/deploy-notice-schema.ts';
import { FIREBREAK_BUS_NAME } from '../../functions/core/events/bus.ts';
import { describeAwsError } from './errors.ts';
import type { CommonOptions } from './program.ts';
import { terminalJson, terminalSafe } from './terminal-text.ts';

export interface DeployNoticeOptions extends CommonOptions {
  readonly service?: string | undefined;
  readonly version?: string | undefined;
  readonly environment?: string | undefined;
  readonly status?: string | undefined;
  readonly commit?: string | undefined;
  readonly actor?: string | undefined;
  readonly url?: string | undefined;
  readonly runId?: string | undefined;
  /** `--issue`, repeatable: work items the deployment delivers, closed in the tracker when it succeeds. */
  readonly issue?: string[] | undefined;
  readonly bus?: string | undefined;
  readonly dryRun?: boolean | undefined;
}

/** Flags of `deploy-notice`, by the DeploymentSchema field (and option) they fill. */
const NOTICE_FLAGS = {
  service: '--service',
  version: '--version',
  environment: '--environment',
  status: '--status',
  commit: '--commit',
  actor: '--actor',
  url: '--url',
  runId: '--run-id',
  issues: '--issue',
} as const;

/** An EventBridge bus name, or a bus ARN (another account's or region's bus). */
const BUS_PATTERN = /^(?:arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[A-Za-z0-9._\-/]{1,256}$/;

/** Exit 0 with the event id printed, 1 when EventBridge refuses it, 2 for an invalid field (nothing published). */
export async function deployNotice(options: DeployNoticeOptions): Promise<number> {
  const refuse = (flag: string, reason: string): number => {
    process.stderr.write(`firebreak: ${flag}: ${reason}\n`);
    if (options.json) process.stdout.write(`${JSON.stringify({ error: { message: `${flag}: ${reason}`, exitCode: 2 } })}\n`);
    return 2;
  };
  const values: Partial<Record<keyof typeof NOTICE_FLAGS, string | string[]>> = { ...options, issues: options.issue };
  const detail = Object.fromEntries(
    Object.keys(NOTICE_FLAGS)
      .map((field) => [field, values[field as keyof typeof NOTICE_FLAGS]] as const)
      .filter(([, value]) => value !== undefined),
  );
  const parsed = DeploymentSchema.safeParse(detail);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    const flag = NOTICE_FLAGS[field as keyof typeof NOTICE_FLAGS] ?? 'deploy-notice';
    // The reason never repeats the value: it may hold control characters or Slack markup.
    const reason = issue.code === 'invalid_type' && detail[field] === undefined ? 'is required' : issue.message;
    return refuse(flag, reason);
  }
  const bus = options.bus ?? (process.env.FIREBREAK_BUS || FIREBREAK_BUS_NAME);
  if (!BUS_PATTERN.test(bus)) return refuse('--bus', 'must be an event bus name or event bus ARN');

  const entry: PutEventsRequestEntry = {
    EventBusName: bus,
    Source: DEPLOYMENT_SOURCE,
    DetailType: DEPLOYMENT_DETAIL_TYPES.custom,
    Detail: JSON.stringify(parsed.data),
  };
  if (options.dryRun) {
    process.stdout.write(`${terminalJson(entry)}\n`);
    return 0;
  }
  const client = new EventBridgeClient({});
  const fail = (message: string): number => {
    process.stderr.write(`firebreak: ${message}\n`);
    if (options.json) process.stdout.write(`${JSON.stringify({ error: { message, exitCode: 1 } })}\n`);
    return 1;
  };
  try {
    const out = await client.send(new PutEventsCommand({ Entries: [entry] }));
    const [result] = out.Entries ?? [];
    if (out.FailedEntryCount || !result?.EventId)
      return fail(
        `PutEvents rejected the notice: ${terminalSafe(result?.ErrorCode ?? 'no event id returned', 500)}${result?.ErrorMessage ? `: ${terminalSafe(result.ErrorMessage, 500)}` : ''}`,
      );
    process.stdout.write(options.json ? `${JSON.stringify({ eventId: result.EventId })}\n` : `${result.EventId}\n`);
    return 0;
  } catch (error) {
    return fail(`cannot publish the notice to ${bus}: ${describeAwsError(error)}`);
  } finally {
    client.destroy();
  }
}
