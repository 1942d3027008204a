import type { OneTimeScheduler } from '../workflow/ports/bus.ts';

/** A job as EventBridge Scheduler would hold it: the EventBridge-shaped event it will invoke its target with. */
export interface ScheduledJob {
  readonly name: string;
  readonly at: string;
  readonly target: 'escalate' | 'notify';
  readonly event: { readonly 'detail-type': string; readonly detail: object };
}

/**
 * EventBridge Scheduler's one-time schedules on the virtual clock: a schedule name is unique (a
 * second create is a no-op, as the deployed adapter treats ConflictException), and due jobs are
 * handed out in time order as the clock advances.
 */
export class LocalScheduler implements OneTimeScheduler {
  private readonly jobs = new Map<string, ScheduledJob>();
  readonly created: ScheduledJob[] = [];

  async schedule(input: Parameters<OneTimeScheduler['schedule']>[0]): Promise<void> {
    if (this.jobs.has(input.name)) return;
    const job: ScheduledJob = { ...input, event: { 'detail-type': input.event.detailType, detail: input.event.detail } };
    this.jobs.set(job.name, job);
    this.created.push(job);
  }

  /** The earliest job due at or before `until`, removed from the schedule. */
  nextDue(until: string): ScheduledJob | undefined {
    const due = [...this.jobs.values()]
      .filter((job) => job.at <= until)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))[0];
    if (due) this.jobs.delete(due.name);
    return due;
  }

  pending(): ScheduledJob[] {
    return [...this.jobs.values()];
  }
}
