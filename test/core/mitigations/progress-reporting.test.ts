/**
 * What a run's progress says: its overall outcome, the summary posted in the thread, and how often it
 * is posted (shouldPost).
 */
import { describe, expect, it } from 'vitest';
import {
  emptyProgress,
  overallOutcome,
  parseSsmStatusEvent,
  progressSummary,
  shouldPost,
  type Progress,
} from '../../../functions/core/mitigations/progress.ts';
import { fixture } from '../../support.ts';

describe('overallOutcome', () => {
  const progress = (p: Partial<Progress>): Progress => ({ ...emptyProgress(), ...p });

  it("follows the command's own terminal status", () => {
    expect(overallOutcome(progress({ in_progress: 3 }), 'Success')).toBe('succeeded');
    expect(overallOutcome(progress({ succeeded: 9, failed: 1 }), 'Success')).toBe('succeeded');
    expect(overallOutcome(progress({ succeeded: 10 }), 'Failed')).toBe('failed');
    expect(overallOutcome(progress({}), 'TimedOut')).toBe('failed');
    expect(overallOutcome(progress({ succeeded: 2, cancelled: 8 }), 'Cancelled')).toBe('cancelled');
    expect(overallOutcome(progress({ in_progress: 3 }), 'InProgress')).toBe('running');
  });

  it('without it, finishes only when every known target is terminal', () => {
    expect(overallOutcome(progress({ succeeded: 10 }))).toBe('running');
    expect(overallOutcome(progress({ targets: 10, succeeded: 9 }))).toBe('running');
    expect(overallOutcome(progress({ targets: 10, succeeded: 9, in_progress: 1 }))).toBe('running');
    expect(overallOutcome(progress({ targets: 10, succeeded: 10 }))).toBe('succeeded');
    expect(overallOutcome(progress({ targets: 10, succeeded: 9, timed_out: 1 }))).toBe('failed');
    expect(overallOutcome(progress({ targets: 10, succeeded: 9, cancelled: 1 }))).toBe('cancelled');
    expect(overallOutcome(progress({ targets: 0 }))).toBe('running');
  });

  it('reads the automation sample as succeeded', () => {
    const event = parseSsmStatusEvent(fixture('ssm-automation-execution-status-change-success.json'));
    expect(overallOutcome(emptyProgress(), event.status)).toBe('succeeded');
  });
});

describe('progressSummary', () => {
  it('says how far the run is', () => {
    expect(
      progressSummary({ targets: 2, in_progress: 1, succeeded: 1, failed: 0, timed_out: 0, cancelled: 0, failedInstances: [] }),
    ).toBe('Running: 1 of 2 instances finished: 1 succeeded; 1 in progress.');
    expect(
      progressSummary({ in_progress: 0, succeeded: 1, failed: 0, timed_out: 0, cancelled: 0, failedInstances: [] }, 'succeeded'),
    ).toBe('Succeeded: 1 of 1 instance finished: 1 succeeded.');
  });

  it('lists the failed instances, and how many more there are', () => {
    expect(
      progressSummary({
        targets: 3,
        in_progress: 0,
        succeeded: 1,
        failed: 1,
        timed_out: 1,
        cancelled: 0,
        failedInstances: ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2'],
      }),
    ).toBe(
      'Failed: 3 of 3 instances finished: 1 succeeded, 1 failed, 1 timed out. Failed or timed out: i-0aaaaaaaaaaaaaaa1, i-0bbbbbbbbbbbbbbb2.',
    );
    expect(
      progressSummary(
        { in_progress: 0, succeeded: 1200, failed: 52, timed_out: 0, cancelled: 0, failedInstances: ['i-1', 'i-2'] },
        'failed',
      ),
    ).toBe('Failed: 1,252 of 1,252 instances finished: 1,200 succeeded, 52 failed. Failed or timed out: i-1, i-2 and 50 more.');
  });
});

describe('shouldPost', () => {
  const T = '2026-03-01T10:00:00.000Z';
  const plus = (seconds: number) => new Date(Date.parse(T) + seconds * 1000).toISOString();

  it('posts the first update, then at most one per interval', () => {
    expect(shouldPost(undefined, T, 10, false)).toBe(true);
    expect(shouldPost(T, plus(0), 10, false)).toBe(false);
    expect(shouldPost(T, plus(9.999), 10, false)).toBe(false);
    expect(shouldPost(T, plus(10), 10, false)).toBe(true);
    // A clock behind the last post waits.
    expect(shouldPost(T, plus(-30), 10, false)).toBe(false);
  });

  it('always posts the final summary', () => {
    expect(shouldPost(T, plus(1), 10, true)).toBe(true);
  });

  it('coalesces a storm into a bounded number of posts', () => {
    // 10,000 status events over 600 s: one post per 5 s interval at most, plus the final one.
    let last: string | undefined;
    let posts = 0;
    for (let i = 0; i < 10_000; i++) {
      const now = plus((i * 600) / 10_000);
      if (shouldPost(last, now, 5, i === 9_999)) {
        posts++;
        last = now;
      }
    }
    expect(posts).toBeLessThanOrEqual(600 / 5 + 1);
    expect(posts).toBeGreaterThan(100);
  });
});
