/**
 * When a maintenance window opens: SSM's `cron(...)` schedule read in the window's time zone. Pure
 * (croner only computes, its jobs paused); time is an input.
 */
import { Cron } from 'croner';

const DAY_NAMES = /^(\*|\?|(SUN|MON|TUE|WED|THU|FRI|SAT)([-,](SUN|MON|TUE|WED|THU|FRI|SAT))*)$/i;
const PLAIN_FIELD = /^(\*|\?|[0-9]{1,2}([-,][0-9]{1,2})*(\/[0-9]{1,2})?|\*\/[0-9]{1,2})$/;

/**
 * SSM's six cron fields (minutes hours day-of-month month day-of-week year) to the five croner
 * reads. Day-of-week numbers are refused: SSM counts 1-7 from Sunday where cron counts 0-6, and a
 * silent shift of one day is the worst possible bug for a maintenance window.
 */
export function toCronFields(schedule: string): string {
  const inner = /^cron\((.+)\)$/.exec(schedule.trim())?.[1];
  if (!inner) throw new Error('must be an SSM cron expression such as cron(0 2 ? * SUN *)');
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error('must have six fields: minutes hours day-of-month month day-of-week year');
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  if (year !== '*') throw new Error('the year field must be *');
  for (const [name, field] of [
    ['minutes', minutes],
    ['hours', hours],
    ['day-of-month', dayOfMonth],
    ['month', month],
  ] as const) {
    if (!PLAIN_FIELD.test(field)) throw new Error(`the ${name} field "${field}" must be plain numbers, ranges, lists or steps`);
  }
  if (!DAY_NAMES.test(dayOfWeek)) throw new Error(`the day-of-week field "${dayOfWeek}" must use day names (SUN-SAT), * or ?`);
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) throw new Error('exactly one of day-of-month and day-of-week must be ?');
  const star = (field: string) => (field === '?' ? '*' : field);
  return [minutes, hours, star(dayOfMonth), month, star(dayOfWeek)].join(' ');
}

/** The next `count` openings strictly after `after`. */
export function nextOpenings(schedule: string, timezone: string, after: Date, count: number): Date[] {
  return new Cron(toCronFields(schedule), { timezone, paused: true }).nextRuns(count, after);
}

export interface WindowOccurrence {
  readonly opensAt: string;
  readonly closesAt: string;
  /** The last moment a task may start (the window's cutoff). */
  readonly lastStartAt: string;
}

export function occurrence(opensAt: Date, window: { durationHours: number; cutoffHours: number }): WindowOccurrence {
  const hour = 3_600_000;
  return {
    opensAt: opensAt.toISOString(),
    closesAt: new Date(opensAt.getTime() + window.durationHours * hour).toISOString(),
    lastStartAt: new Date(opensAt.getTime() + (window.durationHours - window.cutoffHours) * hour).toISOString(),
  };
}

/** The next occurrence that opens after `now`: the one a finding seen now is proposed for. */
export function nextOccurrence(
  window: { schedule: string; timezone: string; durationHours: number; cutoffHours: number },
  now: string,
): WindowOccurrence {
  const [opensAt] = nextOpenings(window.schedule, window.timezone, new Date(now), 1);
  return occurrence(opensAt!, window);
}
