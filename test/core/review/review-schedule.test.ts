/** When the configuration review's schedule fires next on the local runtime's clock. */
import { describe, expect, it } from 'vitest';
import { nextReviewAt } from '../../../functions/core/review/review-schedule.ts';

const MONDAY_0900 = new Date('2026-11-23T09:00:00Z');
const at = (iso: string) => new Date(iso);

describe('nextReviewAt', () => {
  it('reads the default weekly cron: the next Monday 08:00 after the time given, never the time itself', () => {
    const weekly = { schedule: 'cron(0 8 ? * MON *)', timezone: 'UTC' };
    expect(nextReviewAt(weekly, MONDAY_0900, MONDAY_0900)).toEqual(at('2026-11-30T08:00:00Z'));
    expect(nextReviewAt(weekly, at('2026-11-30T08:00:00Z'), MONDAY_0900)).toEqual(at('2026-12-07T08:00:00Z'));
  });

  it('reads the cron in the review time zone', () => {
    const berlin = { schedule: 'cron(0 8 ? * MON *)', timezone: 'Europe/Berlin' };
    expect(nextReviewAt(berlin, MONDAY_0900, MONDAY_0900)).toEqual(at('2026-11-30T07:00:00Z'));
  });

  it('counts a rate from when the schedule started', () => {
    const daily = { schedule: 'rate(1 day)', timezone: 'UTC' };
    expect(nextReviewAt(daily, MONDAY_0900, MONDAY_0900)).toEqual(at('2026-11-24T09:00:00Z'));
    expect(nextReviewAt(daily, at('2026-11-25T10:00:00Z'), MONDAY_0900)).toEqual(at('2026-11-26T09:00:00Z'));
    expect(nextReviewAt({ schedule: 'rate(12 hours)', timezone: 'UTC' }, MONDAY_0900, MONDAY_0900)).toEqual(
      at('2026-11-23T21:00:00Z'),
    );
  });

  it('gives no time for a cron it cannot read (day-of-week numbers), rather than a day off', () => {
    expect(nextReviewAt({ schedule: 'cron(0 8 ? * 2 *)', timezone: 'UTC' }, MONDAY_0900, MONDAY_0900)).toBeUndefined();
  });
});
