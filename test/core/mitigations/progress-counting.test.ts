/**
 * Counting a run's progress per instance: applyInvocation (duplicates, late and conflicting statuses)
 * and exact counts over a 10,000-instance run in random order with duplicates.
 */
import { describe, expect, it } from 'vitest';
import {
  addToProgress,
  applyInvocation,
  bucketOf,
  emptyProgress,
  MAX_FAILED_INSTANCES,
  overallOutcome,
  parseSsmStatusEvent,
  progressSummary,
  type Bucket,
  type Progress,
} from '../../../functions/core/mitigations/progress.ts';
import { fixture } from '../../support.ts';

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
