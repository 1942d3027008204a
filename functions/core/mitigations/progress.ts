/**
 * Per-request progress of a running mitigation, from SSM's EventBridge status events. Pure: no I/O.
 *
 * EventBridge delivers at least once and in no particular order, so every step here is idempotent
 * and order-independent: each instance has one bucket that only moves up a fixed order
 * (in progress < succeeded < cancelled < timed out < failed). A duplicate changes nothing, an
 * InProgress arriving after Success is ignored, and the final counts depend only on which events
 * arrived, never on their order. (Real SSM never reports two different terminal statuses for one
 * invocation; if a replayed or simulated source does, the worse one wins.)
 *
 * The store keeps one item per instance (its bucket) and counters on the request, and applies
 * {@link applyInvocation}'s `counterDelta` in one transaction conditioned on the instance item's
 * previous bucket, so concurrent deliveries cannot count an instance twice.
 */
import * as z from '../zod.ts';
import { assertEventSize, parseWith } from '../signals/normalize.ts';
import { EventEnvelopeSchema, InvalidEventError, UnsupportedSourceError } from '../signals/signal.ts';

import { SSM_SOURCE, SSM_STATUS_DETAIL_TYPES } from './ssm-patterns.ts';

export { SSM_SOURCE, SSM_STATUS_DETAIL_TYPES };

export type Bucket = 'in_progress' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';
export const BUCKETS: readonly Bucket[] = ['in_progress', 'succeeded', 'failed', 'timed_out', 'cancelled'];
/** The order buckets move in; a bucket never moves down it. */
const RANK: Readonly<Record<Bucket, number>> = { in_progress: 0, succeeded: 1, cancelled: 2, timed_out: 3, failed: 4 };
/** Buckets whose instances are listed as failed in the summary. */
const FAILURE_BUCKETS: ReadonlySet<Bucket> = new Set(['failed', 'timed_out']);

/**
 * SSM statuses (command, invocation and automation; the API's `Status` and the console's
 * `StatusDetails` spellings), matched ignoring case, spaces, dashes and underscores:
 * - in progress: Pending, InProgress, Delayed, Cancelling, and the automation waits (Waiting,
 *   PendingApproval, Approved, Scheduled, RunbookInProgress, PendingChangeCalendarOverride,
 *   ChangeCalendarOverrideApproved);
 * - succeeded: Success, CompletedWithSuccess;
 * - failed: Failed, Undeliverable, Terminated (SSM stopped the rest after MaxErrors), InvalidPlatform,
 *   AccessDenied, Incomplete, RateExceeded, Rejected, ChangeCalendarOverrideRejected,
 *   CompletedWithFailure, Exited;
 * - timed out: TimedOut, Delivery Timed Out, Execution Timed Out;
 * - cancelled: Cancelled (Canceled): someone stopped it (`/firebreak cancel`), not a failure of the mitigation.
 */
const STATUS_BUCKETS: ReadonlyMap<string, Bucket> = new Map<string, Bucket>([
  ...(
    [
      'pending',
      'inprogress',
      'delayed',
      'cancelling',
      'waiting',
      'pendingapproval',
      'approved',
      'scheduled',
      'runbookinprogress',
      'pendingchangecalendaroverride',
      'changecalendaroverrideapproved',
    ] as const
  ).map((s) => [s, 'in_progress'] as const),
  ...(['success', 'succeeded', 'completedwithsuccess'] as const).map((s) => [s, 'succeeded'] as const),
  ...(
    [
      'failed',
      'undeliverable',
      'terminated',
      'invalidplatform',
      'accessdenied',
      'incomplete',
      'rateexceeded',
      'rejected',
      'changecalendaroverriderejected',
      'completedwithfailure',
      'exited',
    ] as const
  ).map((s) => [s, 'failed'] as const),
  ...(['timedout', 'deliverytimedout', 'executiontimedout'] as const).map((s) => [s, 'timed_out'] as const),
  ...(['cancelled', 'canceled'] as const).map((s) => [s, 'cancelled'] as const),
]);

/** The bucket of an SSM status (or of a bucket name), or undefined for a status SSM does not have. */
export function bucketOf(status: string): Bucket | undefined {
  return STATUS_BUCKETS.get(status.toLowerCase().replace(/[\s_-]/g, ''));
}

// --- Events --------------------------------------------------------------------------------------

const Status = z.string().check(
  z.trim(),
  z.minLength(1),
  z.maxLength(64),
  z.refine((s) => bucketOf(s) !== undefined, { message: 'is not an SSM status Firebreak knows' }),
);
const Id = z.string().check(z.trim(), z.regex(/^[A-Za-z0-9-]{1,128}$/, 'must be 1-128 letters, digits and dashes'));
const InstanceId = z.string().check(z.trim(), z.regex(/^m?i-[0-9a-zA-Z]{8,17}$/, 'must be an instance id (i-… or mi-…)'));

/** "EC2 Command Status-change Notification": the command as a whole. */
export const CommandStatusDetailSchema = z.object({
  'command-id': Id,
  'document-name': z.optional(z.string().check(z.maxLength(256))),
  'requested-date-time': z.optional(z.string().check(z.maxLength(64))),
  'expire-after': z.optional(z.string().check(z.maxLength(64))),
  status: Status,
});

/** "EC2 Command Invocation Status-change Notification": the command on one instance. */
export const InvocationStatusDetailSchema = z.object({
  'command-id': Id,
  'instance-id': InstanceId,
  'document-name': z.optional(z.string().check(z.maxLength(256))),
  'requested-date-time': z.optional(z.string().check(z.maxLength(64))),
  status: Status,
});

/** "EC2 Automation Execution Status-change Notification": one automation execution. */
export const AutomationStatusDetailSchema = z.object({
  ExecutionId: Id,
  Definition: z.optional(z.string().check(z.maxLength(256))),
  Status: Status,
});

export type SsmStatusEvent =
  | { readonly kind: 'command'; readonly commandId: string; readonly status: string; readonly bucket: Bucket }
  | {
      readonly kind: 'invocation';
      readonly commandId: string;
      readonly instanceId: string;
      readonly status: string;
      readonly bucket: Bucket;
    }
  | { readonly kind: 'automation'; readonly executionId: string; readonly status: string; readonly bucket: Bucket };

/**
 * Validates one SSM status-change delivery (the EventBridge envelope) and reduces it to what
 * progress needs. Throws InvalidEventError naming the field (`detail.command-id`,
 * `detail.status`, ...), or UnsupportedSourceError for anything that is not one of the three.
 */
export function parseSsmStatusEvent(raw: unknown): SsmStatusEvent {
  assertEventSize(raw);
  const envelope = parseWith(EventEnvelopeSchema, raw, '');
  const detailType = envelope['detail-type'];
  if (envelope.source !== SSM_SOURCE) throw new UnsupportedSourceError(envelope.source, detailType);
  switch (detailType) {
    case SSM_STATUS_DETAIL_TYPES.command: {
      const detail = parseWith(CommandStatusDetailSchema, envelope.detail, 'detail');
      return withBucket({ kind: 'command', commandId: detail['command-id'], status: detail.status }, 'detail.status');
    }
    case SSM_STATUS_DETAIL_TYPES.invocation: {
      const {
        'command-id': commandId,
        'instance-id': instanceId,
        status,
      } = parseWith(InvocationStatusDetailSchema, envelope.detail, 'detail');
      return withBucket({ kind: 'invocation', commandId, instanceId, status }, 'detail.status');
    }
    case SSM_STATUS_DETAIL_TYPES.automation: {
      const detail = parseWith(AutomationStatusDetailSchema, envelope.detail, 'detail');
      return withBucket({ kind: 'automation', executionId: detail.ExecutionId, status: detail.Status }, 'detail.Status');
    }
    default:
      throw new InvalidEventError(
        'detail-type',
        `"${detailType.slice(0, 80)}" is not an SSM status-change event Firebreak tracks`,
      );
  }
}

/** The event with the bucket its status falls in; a status SSM does not document is refused, naming the field. */
function withBucket<Event extends { readonly status: string }>(event: Event, field: string): Event & { readonly bucket: Bucket } {
  return { ...event, bucket: bucketOrThrow(event.status, field) };
}

function bucketOrThrow(status: string, field: string): Bucket {
  const bucket = bucketOf(status);
  if (!bucket) throw new InvalidEventError(field, `"${status.slice(0, 40)}" is not an SSM status Firebreak knows`);
  return bucket;
}

// --- Transitions ---------------------------------------------------------------------------------

/**
 * Where a status moves a bucket: undefined when it changes nothing (a duplicate, or a status lower
 * in the order, such as InProgress after Success). Also for the command's or execution's own status.
 */
export function nextBucket(previous: Bucket | undefined, status: string): Bucket | undefined {
  const bucket = bucketOf(status);
  if (!bucket) throw new InvalidEventError('status', `"${status.slice(0, 40)}" is not an SSM status Firebreak knows`);
  if (previous !== undefined && RANK[bucket] <= RANK[previous]) return undefined;
  return bucket;
}

export type CounterDelta = Partial<Record<Bucket, number>>;

export interface InvocationChange {
  /** The instance's new bucket (store it, on condition the previous one is still there). */
  readonly bucket: Bucket;
  /** What to add to the request's counters, in the same transaction. */
  readonly counterDelta: CounterDelta;
  /** The instance just became failed or timed out: add it to the failed list (if not full). */
  readonly enteredFailure: boolean;
}

/** One instance's status event applied to its previous bucket; undefined when nothing changes. */
export function applyInvocation(previous: Bucket | undefined, status: string): InvocationChange | undefined {
  const bucket = nextBucket(previous, status);
  if (!bucket) return undefined;
  const counterDelta: CounterDelta = previous === undefined ? { [bucket]: 1 } : { [previous]: -1, [bucket]: 1 };
  return {
    bucket,
    counterDelta,
    enteredFailure: FAILURE_BUCKETS.has(bucket) && !(previous !== undefined && FAILURE_BUCKETS.has(previous)),
  };
}

// --- Progress ------------------------------------------------------------------------------------

/** At most this many failed instance ids are kept (and shown); the counters stay exact. */
export const MAX_FAILED_INSTANCES = 50;

export interface Progress {
  /** How many instances the run targets, when known (instance lists, or as SSM reports it). */
  readonly targets?: number;
  readonly in_progress: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timed_out: number;
  readonly cancelled: number;
  /** Instances that failed or timed out, in the order seen, at most {@link MAX_FAILED_INSTANCES}. */
  readonly failedInstances: readonly string[];
}

export function emptyProgress(targets?: number): Progress {
  return {
    ...(targets === undefined ? {} : { targets }),
    in_progress: 0,
    succeeded: 0,
    failed: 0,
    timed_out: 0,
    cancelled: 0,
    failedInstances: [],
  };
}

/** Progress with one instance's change applied (what the store's transaction does, in memory). */
export function addToProgress(progress: Progress, instanceId: string, change: InvocationChange): Progress {
  const next: { -readonly [K in keyof Progress]: Progress[K] } = { ...progress };
  for (const bucket of BUCKETS) next[bucket] = progress[bucket] + (change.counterDelta[bucket] ?? 0);
  if (
    change.enteredFailure &&
    progress.failedInstances.length < MAX_FAILED_INSTANCES &&
    !progress.failedInstances.includes(instanceId)
  ) {
    next.failedInstances = [...progress.failedInstances, instanceId];
  }
  return next;
}

export type Outcome = 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * The run's outcome. The command's (or automation execution's) own status decides when it is
 * terminal: SSM already weighed the failures against the approved MaxErrors (Success may list
 * failed instances that stayed within it; Failed/TimedOut/Incomplete mean failed; Cancelled is
 * its own outcome). Without it, the run is over only when the target count is known and every
 * target is terminal: succeeded if all succeeded, cancelled if the only others were cancelled,
 * else failed. With the target count unknown (tags, resource groups) it stays running: with rate
 * control, every invocation seen so far can be terminal while the next batch has not started.
 */
export function overallOutcome(progress: Progress, commandStatus?: string): Outcome {
  const own = commandStatus === undefined ? undefined : bucketOf(commandStatus);
  if (own === 'succeeded') return 'succeeded';
  if (own === 'failed' || own === 'timed_out') return 'failed';
  if (own === 'cancelled') return 'cancelled';
  const finished = progress.succeeded + progress.failed + progress.timed_out + progress.cancelled;
  if (progress.targets === undefined || progress.targets <= 0 || progress.in_progress > 0 || finished < progress.targets)
    return 'running';
  if (progress.failed + progress.timed_out > 0) return 'failed';
  return progress.cancelled > 0 ? 'cancelled' : 'succeeded';
}

const count = (n: number) => n.toLocaleString('en-US');
const HEADLINE: Readonly<Record<Outcome, string>> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * One-paragraph plain-text summary (escape it for Slack where it is posted), e.g.
 * `Failed: 9,950 of 10,000 instances finished: 9,900 succeeded, 40 failed, 10 timed out; 50 in progress.
 * Failed or timed out: i-…, i-… and 48 more.`
 */
export function progressSummary(progress: Progress, outcome: Outcome = overallOutcome(progress)): string {
  const finished = progress.succeeded + progress.failed + progress.timed_out + progress.cancelled;
  const total = progress.targets ?? finished + progress.in_progress;
  const parts = [`${count(progress.succeeded)} succeeded`];
  if (progress.failed) parts.push(`${count(progress.failed)} failed`);
  if (progress.timed_out) parts.push(`${count(progress.timed_out)} timed out`);
  if (progress.cancelled) parts.push(`${count(progress.cancelled)} cancelled`);
  let text = `${HEADLINE[outcome]}: ${count(finished)} of ${count(total)} ${total === 1 ? 'instance' : 'instances'} finished: ${parts.join(', ')}`;
  if (progress.in_progress) text += `; ${count(progress.in_progress)} in progress`;
  text += '.';
  const failures = progress.failed + progress.timed_out;
  if (failures > 0 && progress.failedInstances.length > 0) {
    const more = failures - progress.failedInstances.length;
    text += ` Failed or timed out: ${progress.failedInstances.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}.`;
  }
  return text;
}

/** Failed instances named in a failed request's reason; the thread summary lists up to {@link MAX_FAILED_INSTANCES}. */
const REASON_INSTANCES_SHOWN = 10;

/**
 * Why a run failed, for the request's `reason` (plain text: escape it where it is shown), e.g.
 * `2 of 3 instances failed or timed out: i-0a…, i-0b…`. When no instance reported a failure (SSM
 * failed the run itself, or stopped it before any target ran), it says so rather than "0 failed".
 */
export function failureReason(progress: Progress, runStatus?: string): string {
  const failures = progress.failed + progress.timed_out;
  const reported = progress.succeeded + progress.failed + progress.timed_out + progress.cancelled + progress.in_progress;
  if (failures === 0) {
    const run = `Systems Manager reported the run as ${runStatus?.trim() ? runStatus.trim().slice(0, 40) : 'failed'}`;
    if (reported === 0) return `${run}; no instance reported a result`;
    return `${run}; no instance reported a failure (${count(reported)} reported a result)`;
  }
  const total = Math.max(progress.targets ?? 0, reported);
  const named = progress.failedInstances.slice(0, REASON_INSTANCES_SHOWN);
  const more = failures - named.length;
  const list = named.length ? `: ${named.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}` : '';
  // With rate control SSM stops starting targets once MaxErrors is exceeded: those never report.
  const silent = total > reported ? ` (${count(total - reported)} never reported)` : '';
  return `${count(failures)} of ${count(total)} ${total === 1 ? 'instance' : 'instances'} failed or timed out${silent}${list}`;
}

/**
 * Coalescing of thread updates: at most one post per `intervalSeconds` per request, and always the
 * final one. (The store claims the slot with a conditional write on `lastPostedAt`, so concurrent
 * deliveries that all see `true` still post once.)
 */
export function shouldPost(lastPostedAt: string | undefined, now: string, intervalSeconds: number, final: boolean): boolean {
  if (final) return true;
  if (lastPostedAt === undefined) return true;
  const last = Date.parse(lastPostedAt);
  if (Number.isNaN(last)) return true;
  return Date.parse(now) - last >= intervalSeconds * 1000;
}
