import { describe, expect, it } from 'vitest';
import {
  addToProgress,
  applyInvocation,
  bucketOf,
  emptyProgress,
  MAX_FAILED_INSTANCES,
  nextBucket,
  overallOutcome,
  parseSsmStatusEvent,
  progressSummary,
  shouldPost,
  type Bucket,
  type Progress,
} from '../../../functions/core/mitigations/progress.ts';
import { InvalidEventError, UnsupportedSourceError } from '../../../functions/core/signals/signal.ts';
import type { Json } from '../helpers.ts';
import { fixture } from '../../support.ts';

const COMMAND_ID = 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b';

function invalidField(raw: unknown): string {
  try {
    parseSsmStatusEvent(raw);
  } catch (error) {
    if (error instanceof InvalidEventError) return error.field;
    throw error;
  }
  throw new Error('expected InvalidEventError');
}

const edited = (name: string, edit: (event: Json) => void): Json => {
  const event: Json = structuredClone(fixture(name));
  edit(event);
  return event;
};

describe('parseSsmStatusEvent (published SSM samples)', () => {
  it('reads the Run Command status change', () => {
    expect(parseSsmStatusEvent(fixture('ssm-command-status-change-success.json'))).toEqual({
      kind: 'command',
      commandId: COMMAND_ID,
      status: 'Success',
      bucket: 'succeeded',
    });
    expect(parseSsmStatusEvent(fixture('ssm-command-status-change-failed-derived.json'))).toEqual({
      kind: 'command',
      commandId: COMMAND_ID,
      status: 'Failed',
      bucket: 'failed',
    });
  });

  it('reads the Run Command invocation status change', () => {
    expect(parseSsmStatusEvent(fixture('ssm-command-invocation-status-change-success.json'))).toEqual({
      kind: 'invocation',
      commandId: COMMAND_ID,
      instanceId: 'i-9bb89e2b',
      status: 'Success',
      bucket: 'succeeded',
    });
    expect(parseSsmStatusEvent(fixture('ssm-command-invocation-status-change-failed-derived.json'))).toEqual({
      kind: 'invocation',
      commandId: COMMAND_ID,
      instanceId: 'i-9bb89e2b',
      status: 'Failed',
      bucket: 'failed',
    });
  });

  it('reads the Automation execution status change', () => {
    expect(parseSsmStatusEvent(fixture('ssm-automation-execution-status-change-success.json'))).toEqual({
      kind: 'automation',
      executionId: '333ba70b-2333-48db-b17e-a5e69c6f4d1c',
      status: 'Success',
      bucket: 'succeeded',
    });
  });

  it('trims ids and reads status spellings from the console and the API alike', () => {
    const event = edited('ssm-command-invocation-status-change-success.json', (e) => {
      e.detail['instance-id'] = ' i-0aaaaaaaaaaaaaaa1 ';
      e.detail.status = 'Delivery Timed Out';
    });
    expect(parseSsmStatusEvent(event)).toMatchObject({
      instanceId: 'i-0aaaaaaaaaaaaaaa1',
      status: 'Delivery Timed Out',
      bucket: 'timed_out',
    });
  });

  it('names the field at fault', () => {
    expect(invalidField(edited('ssm-command-status-change-success.json', (e) => delete e.detail['command-id']))).toBe(
      'detail.command-id',
    );
    expect(invalidField(edited('ssm-command-status-change-success.json', (e) => (e.detail['command-id'] = 'x#y')))).toBe(
      'detail.command-id',
    );
    expect(invalidField(edited('ssm-command-status-change-success.json', (e) => (e.detail.status = 'Exploded')))).toBe(
      'detail.status',
    );
    expect(invalidField(edited('ssm-command-invocation-status-change-success.json', (e) => delete e.detail['instance-id']))).toBe(
      'detail.instance-id',
    );
    expect(
      invalidField(
        edited('ssm-command-invocation-status-change-success.json', (e) => (e.detail['instance-id'] = 'vol-0123456789abcdef0')),
      ),
    ).toBe('detail.instance-id');
    expect(invalidField(edited('ssm-command-invocation-status-change-success.json', (e) => (e.detail.status = 42)))).toBe(
      'detail.status',
    );
    expect(invalidField(edited('ssm-automation-execution-status-change-success.json', (e) => delete e.detail.ExecutionId))).toBe(
      'detail.ExecutionId',
    );
    expect(invalidField(edited('ssm-automation-execution-status-change-success.json', (e) => (e.detail.Status = '')))).toBe(
      'detail.Status',
    );
    expect(
      invalidField(
        edited(
          'ssm-automation-execution-status-change-success.json',
          (e) => (e['detail-type'] = 'EC2 State Manager Association State Change'),
        ),
      ),
    ).toBe('detail-type');
    expect(invalidField(edited('ssm-command-status-change-success.json', (e) => delete e.detail))).toBe('detail');
    expect(() => parseSsmStatusEvent(fixture('ec2-instance-state-change-terminated.json'))).toThrow(UnsupportedSourceError);
    expect(() => parseSsmStatusEvent('not an event')).toThrow(InvalidEventError);
  });
});

describe('status buckets', () => {
  it.each([
    ['Pending', 'in_progress'],
    ['InProgress', 'in_progress'],
    ['In Progress', 'in_progress'],
    ['Delayed', 'in_progress'],
    ['Cancelling', 'in_progress'],
    ['Waiting', 'in_progress'],
    ['Success', 'succeeded'],
    ['CompletedWithSuccess', 'succeeded'],
    ['Failed', 'failed'],
    ['Undeliverable', 'failed'],
    ['Terminated', 'failed'],
    ['InvalidPlatform', 'failed'],
    ['Access Denied', 'failed'],
    ['Incomplete', 'failed'],
    ['CompletedWithFailure', 'failed'],
    ['TimedOut', 'timed_out'],
    ['Delivery Timed Out', 'timed_out'],
    ['Execution Timed Out', 'timed_out'],
    ['DeliveryTimedOut', 'timed_out'],
    ['Cancelled', 'cancelled'],
    ['Canceled', 'cancelled'],
  ])('%s → %s', (status, bucket) => {
    expect(bucketOf(status)).toBe(bucket);
  });

  it('knows no other status', () => {
    expect(bucketOf('Exploded')).toBeUndefined();
    expect(() => nextBucket(undefined, 'Exploded')).toThrow(InvalidEventError);
  });
});

describe('applyInvocation', () => {
  it('counts a new instance, then moves it from in progress to its terminal bucket', () => {
    expect(applyInvocation(undefined, 'Pending')).toEqual({
      bucket: 'in_progress',
      counterDelta: { in_progress: 1 },
      enteredFailure: false,
    });
    expect(applyInvocation('in_progress', 'InProgress')).toBeUndefined();
    expect(applyInvocation('in_progress', 'Success')).toEqual({
      bucket: 'succeeded',
      counterDelta: { in_progress: -1, succeeded: 1 },
      enteredFailure: false,
    });
    expect(applyInvocation('in_progress', 'Failed')).toEqual({
      bucket: 'failed',
      counterDelta: { in_progress: -1, failed: 1 },
      enteredFailure: true,
    });
    expect(applyInvocation(undefined, 'Execution Timed Out')).toEqual({
      bucket: 'timed_out',
      counterDelta: { timed_out: 1 },
      enteredFailure: true,
    });
  });

  it('ignores duplicates and statuses arriving after a terminal one (Success then InProgress)', () => {
    expect(applyInvocation('succeeded', 'Success')).toBeUndefined();
    expect(applyInvocation('succeeded', 'InProgress')).toBeUndefined();
    expect(applyInvocation('succeeded', 'Pending')).toBeUndefined();
    expect(applyInvocation('failed', 'Success')).toBeUndefined();
    expect(applyInvocation('cancelled', 'Cancelling')).toBeUndefined();
  });

  it('lets the worse of two conflicting terminal statuses win, whatever their order', () => {
    expect(applyInvocation('succeeded', 'Failed')).toEqual({
      bucket: 'failed',
      counterDelta: { succeeded: -1, failed: 1 },
      enteredFailure: true,
    });
    expect(applyInvocation('timed_out', 'Failed')).toEqual({
      bucket: 'failed',
      counterDelta: { timed_out: -1, failed: 1 },
      enteredFailure: false,
    });
    expect(applyInvocation('failed', 'TimedOut')).toBeUndefined();
  });

  it('applies the published invocation samples: Success, its duplicate, then the Failed one', () => {
    let progress = emptyProgress();
    let bucket: Bucket | undefined;
    for (const name of [
      'ssm-command-invocation-status-change-success.json',
      'ssm-command-invocation-status-change-success.json',
      'ssm-command-invocation-status-change-failed-derived.json',
    ]) {
      const event = parseSsmStatusEvent(fixture(name));
      if (event.kind !== 'invocation') throw new Error('expected an invocation');
      const change = applyInvocation(bucket, event.status);
      if (!change) continue;
      bucket = change.bucket;
      progress = addToProgress(progress, event.instanceId, change);
    }
    expect(progress).toEqual({
      in_progress: 0,
      succeeded: 0,
      failed: 1,
      timed_out: 0,
      cancelled: 0,
      failedInstances: ['i-9bb89e2b'],
    });
  });
});

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Applies events the way the store does: one item per instance, conditional on its previous bucket. */
function run(events: ReadonlyArray<{ instanceId: string; status: string }>, targets?: number) {
  const buckets = new Map<string, Bucket>();
  let progress = emptyProgress(targets);
  let writes = 0;
  for (const { instanceId, status } of events) {
    const change = applyInvocation(buckets.get(instanceId), status);
    if (!change) continue;
    writes++;
    buckets.set(instanceId, change.bucket);
    progress = addToProgress(progress, instanceId, change);
  }
  return { progress, buckets, writes };
}

describe('progress over a 10,000-instance run', () => {
  const N = 10_000;
  const rand = random(20260301);
  const fates: Array<{ instanceId: string; fate: string; bucket: Bucket }> = Array.from({ length: N }, (_, i) => {
    const r = rand();
    const fate =
      r < 0.02
        ? 'Failed'
        : r < 0.025
          ? 'Delivery Timed Out'
          : r < 0.03
            ? 'Execution Timed Out'
            : r < 0.033
              ? 'Undeliverable'
              : r < 0.035
                ? 'Cancelled'
                : 'Success';
    return { instanceId: `i-${i.toString(16).padStart(17, '0')}`, fate, bucket: bucketOf(fate)! };
  });
  const expected = { in_progress: 0, succeeded: 0, failed: 0, timed_out: 0, cancelled: 0 };
  for (const f of fates) expected[f.bucket]++;
  // Every instance: Pending, InProgress (sometimes Delayed first), its fate; a third of the events delivered twice or three times.
  const events = fates.flatMap(({ instanceId, fate }) => {
    const statuses = ['Pending', ...(rand() < 0.1 ? ['Delayed'] : []), 'InProgress', fate];
    return statuses.flatMap((status) =>
      Array.from({ length: rand() < 0.33 ? (rand() < 0.5 ? 2 : 3) : 1 }, () => ({ instanceId, status })),
    );
  });

  it('gives exact final counts under random order and duplicates', () => {
    expect(expected.failed).toBeGreaterThan(MAX_FAILED_INSTANCES);
    const { progress, buckets, writes } = run(shuffle(events, random(7)), N);
    expect(progress).toMatchObject({ targets: N, ...expected });
    expect(buckets.size).toBe(N);
    for (const f of fates) expect(buckets.get(f.instanceId)).toBe(f.bucket);
    // At most three writes per instance (new, then up to two moves), however many deliveries.
    expect(writes).toBeLessThanOrEqual(3 * N);
    expect(events.length).toBeGreaterThan(writes);
  });

  it('caps the failed instance ids at 50, all distinct and all failed or timed out', () => {
    const { progress } = run(shuffle(events, random(11)), N);
    expect(progress.failedInstances).toHaveLength(MAX_FAILED_INSTANCES);
    expect(new Set(progress.failedInstances).size).toBe(MAX_FAILED_INSTANCES);
    const failures = new Set(fates.filter((f) => f.bucket === 'failed' || f.bucket === 'timed_out').map((f) => f.instanceId));
    for (const id of progress.failedInstances) expect(failures.has(id)).toBe(true);
  });

  it('reaches the same counts whatever the order', () => {
    const counts = (p: Progress) => ({
      in_progress: p.in_progress,
      succeeded: p.succeeded,
      failed: p.failed,
      timed_out: p.timed_out,
      cancelled: p.cancelled,
    });
    const a = run(shuffle(events, random(1)), N).progress;
    const b = run(shuffle(events, random(2)), N).progress;
    const inOrder = run(events, N).progress;
    const reversed = run([...events].reverse(), N).progress;
    expect(counts(a)).toEqual(expected);
    expect(counts(b)).toEqual(expected);
    expect(counts(inOrder)).toEqual(expected);
    expect(counts(reversed)).toEqual(expected);
  });

  it('finishes: failed without the command status (some instances failed), per the command status when known', () => {
    const { progress } = run(shuffle(events, random(3)), N);
    expect(overallOutcome(progress)).toBe('failed');
    expect(overallOutcome(progress, 'Success')).toBe('succeeded');
    expect(overallOutcome(progress, 'Failed')).toBe('failed');
    const summary = progressSummary(progress, 'failed');
    expect(
      summary.startsWith(
        `Failed: 10,000 of 10,000 instances finished: ${expected.succeeded.toLocaleString('en-US')} succeeded, ${expected.failed} failed, ${expected.timed_out} timed out, ${expected.cancelled} cancelled. Failed or timed out: `,
      ),
    ).toBe(true);
    expect(summary.endsWith(` and ${expected.failed + expected.timed_out - MAX_FAILED_INSTANCES} more.`)).toBe(true);
  });

  it('is still running while some instances have not finished', () => {
    const partial = events.filter((e) => !(e.instanceId === fates[0]!.instanceId && e.status === fates[0]!.fate));
    const { progress } = run(shuffle(partial, random(5)), N);
    expect(progress.in_progress).toBe(1);
    expect(overallOutcome(progress)).toBe('running');
  });
});

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
