import {
  parseDeadLetter,
  queueLocation,
  redriveTarget,
  type DeadLetter,
  type RawDeadLetter,
} from '../core/dead-letters/dead-letter.ts';
import type { DeadLetterQueuePort, RedriveTargetsPort } from './ports/dead-letters.ts';

/** Listing only looks: messages are hidden this long while the queue is paged through, then released. */
export const LIST_VISIBILITY_SECONDS = 30;
/** Long enough to invoke and delete every message received for one redrive. */
export const REDRIVE_VISIBILITY_SECONDS = 300;

/** The dead letters in the queue (at most `max`), left in the queue and visible again. */
export async function listDeadLetters(queue: DeadLetterQueuePort, max: number): Promise<DeadLetter[]> {
  const received = await queue.receive(max, LIST_VISIBILITY_SECONDS);
  await releaseQuietly(queue, received);
  return received.map(parseDeadLetter);
}

export type RedriveOutcome =
  /** Invoked again and deleted from the queue. */
  | 'redriven'
  /** Invoked again, but the delete failed: it is still in the queue (a second redrive re-sends it; consumers dedup). */
  | 'redriven-not-deleted'
  /** Not re-sent, still in the queue: `reason` says why. */
  | 'kept';

export interface RedriveReport {
  readonly letter: DeadLetter;
  readonly outcome: RedriveOutcome;
  readonly reason?: string;
}

export interface RedriveOptions {
  readonly stackName: string;
  readonly max: number;
  /** Only this message (by SQS message id); every other one is left as it was. */
  readonly messageId?: string;
}

/**
 * Sends each dead letter back to the function it failed on, asynchronously, with its original
 * payload (consumers deduplicate by event id and version, so a second delivery changes nothing),
 * and deletes it only once Lambda accepted the invocation. A message is never deleted unless it
 * was re-sent; one that cannot or may not be re-sent (no target, a function outside this stack,
 * an invoke Lambda refused) stays in the queue, visible again, with the reason in its report.
 */
export async function redriveDeadLetters(
  deps: { queue: DeadLetterQueuePort; targets: RedriveTargetsPort },
  options: RedriveOptions,
): Promise<RedriveReport[]> {
  const location = queueLocation(deps.queue.queueUrl);
  if (!location)
    throw new Error('the dead-letter queue URL is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)');
  const wanted = options.messageId;
  const received = await deps.queue.receive(options.max, REDRIVE_VISIBILITY_SECONDS, (got) =>
    wanted ? got.some((m) => m.messageId === wanted) : false,
  );
  const selected = wanted ? received.filter((m) => m.messageId === wanted) : received;
  const untouched: RawDeadLetter[] = received.filter((m) => !selected.includes(m));
  // One tag look-up per function, however many of its dead letters there are.
  const membership = new Map<string, Promise<string | undefined>>();
  const refusal = (functionArn: string) =>
    deps.targets.belongsToStack(functionArn, options.stackName).then(
      (belongs) => (belongs ? undefined : `its target is not a function of the stack ${options.stackName}`),
      (error: unknown) => `cannot tell whether its target belongs to the stack ${options.stackName}: ${describe(error)}`,
    );
  const reports: RedriveReport[] = [];

  for (const raw of selected) {
    const letter = parseDeadLetter(raw);
    const target = redriveTarget(letter, location);
    let reason: string | undefined;
    if (!target.ok) reason = target.reason;
    else {
      if (!membership.has(target.functionArn)) membership.set(target.functionArn, refusal(target.functionArn));
      reason = await membership.get(target.functionArn);
    }
    if (reason || !target.ok) {
      untouched.push(raw);
      reports.push({ letter, outcome: 'kept', reason: reason! });
      continue;
    }
    try {
      await deps.targets.invokeAsync(target.functionArn, letter.payload!);
    } catch (error) {
      untouched.push(raw);
      reports.push({ letter, outcome: 'kept', reason: `the invoke failed: ${describe(error)}` });
      continue;
    }
    try {
      await deps.queue.remove(raw.receiptHandle);
      reports.push({ letter, outcome: 'redriven' });
    } catch (error) {
      reports.push({ letter, outcome: 'redriven-not-deleted', reason: `re-sent, but the delete failed: ${describe(error)}` });
    }
  }
  await releaseQuietly(deps.queue, untouched);
  return reports;
}

/** A message that could not be made visible at once still reappears when its visibility timeout ends. */
async function releaseQuietly(queue: DeadLetterQueuePort, messages: readonly RawDeadLetter[]): Promise<void> {
  await queue.release(messages).catch(() => undefined);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
