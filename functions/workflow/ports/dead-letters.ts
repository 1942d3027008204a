import type { RawDeadLetter } from '../../core/dead-letters/dead-letter.ts';

/** The dead-letter queue, as the dlq commands use it. */
export interface DeadLetterQueuePort {
  /** The queue's URL (its account and region decide which targets are acceptable). */
  readonly queueUrl: string;
  /**
   * Receives up to `max` messages, hiding each for `visibilitySeconds`; stops early once `stop`
   * says so (a sought message was found) or the queue has nothing more to give.
   */
  receive(
    max: number,
    visibilitySeconds: number,
    stop?: (received: readonly RawDeadLetter[]) => boolean,
  ): Promise<RawDeadLetter[]>;
  /** Makes messages visible again at once (they were only looked at, or were not re-sent). */
  release(messages: readonly RawDeadLetter[]): Promise<void>;
  /** Deletes one message, by the receipt handle of this receive. */
  remove(receiptHandle: string): Promise<void>;
}

/** The functions dead letters are sent back to. */
export interface RedriveTargetsPort {
  /** Whether the function carries the stack tag with this stack's name. */
  belongsToStack(functionArn: string, stackName: string): Promise<boolean>;
  /** Invokes the function asynchronously with the payload; resolves only once Lambda accepted it. */
  invokeAsync(functionArn: string, payload: string): Promise<void>;
}
