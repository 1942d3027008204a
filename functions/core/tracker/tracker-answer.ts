/** What a task tracker answers when asked to close a work item. Pure. */

export interface TrackerAnswer {
  readonly outcome: 'closed' | 'already_closed';
  /** Plain text, e.g. the transition applied. */
  readonly detail: string;
}

/** A tracker's refusal or failure, with a plain-text reason fit for the notice's thread. */
export class TrackerError extends Error {
  override readonly name = 'TrackerError';
}
