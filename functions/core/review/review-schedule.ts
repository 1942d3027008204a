/**
 * When the configuration review's EventBridge Scheduler schedule fires next, for the local runtime's
 * clock: `cron(...)` read as maintenance windows read it (day names, in the review's time zone) and
 * `rate(N unit)` counted from when the schedule started. Pure; time is an input.
 */
import { nextOpenings } from '../maintenance/window-schedule.ts';

const RATE = /^rate\(([1-9][0-9]{0,3}) (minute|hour|day)s?\)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * The first firing strictly after `after`; `startedAt` is when a rate schedule began counting.
 * Undefined for a cron this reader refuses (day-of-week numbers, a year): the explicit review step
 * still runs it.
 */
export function nextReviewAt(
  review: { readonly schedule: string; readonly timezone: string },
  after: Date,
  startedAt: Date,
): Date | undefined {
  const rate = RATE.exec(review.schedule);
  if (rate) {
    const every = Number(rate[1]) * UNIT_MS[rate[2] as keyof typeof UNIT_MS];
    const periods = Math.floor((after.getTime() - startedAt.getTime()) / every) + 1;
    return new Date(startedAt.getTime() + Math.max(1, periods) * every);
  }
  try {
    return nextOpenings(review.schedule, review.timezone, after, 1)[0];
  } catch {
    return undefined;
  }
}
