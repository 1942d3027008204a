import { describe, expect, it } from 'vitest';
import {
  AUTOMATION_CHILDREN_PAGE_SIZE,
  automationChildrenInput,
  childResults,
  type AutomationExecutionSummary,
} from '../../../functions/core/mitigations/automation-children.ts';
import {
  addToProgress,
  applyInvocation,
  emptyProgress,
  failureReason,
  overallOutcome,
  progressSummary,
  type Bucket,
  type Progress,
} from '../../../functions/core/mitigations/progress.ts';

const PARENT = '6f1c4d2a-0b8e-4f3a-9c57-2d6e8b1a0c11';
const instance = (n: number) => `i-0${String(n).padStart(16, '0')}`;
const childId = (n: number) => `0c0c0c0c-0000-4000-8000-${String(n).padStart(12, '0')}`;
const child = (n: number, status: string, overrides: Partial<AutomationExecutionSummary> = {}): AutomationExecutionSummary => ({
  AutomationExecutionId: childId(n),
  AutomationExecutionStatus: status,
  ParentAutomationExecutionId: PARENT,
  Target: instance(n),
  ...overrides,
});

/** What the tracker does with pages of children, in memory: each instance's bucket moves only up. */
function fold(pages: ReadonlyArray<readonly AutomationExecutionSummary[]>, targets?: number) {
  const buckets = new Map<string, Bucket>();
  let progress: Progress = emptyProgress(targets);
  let skipped = 0;
  for (const page of pages) {
    const read = childResults(PARENT, page);
    skipped += read.skipped;
    for (const { instanceId, status } of read.results) {
      const change = applyInvocation(buckets.get(instanceId), status);
      if (!change) continue;
      buckets.set(instanceId, change.bucket);
      progress = addToProgress(progress, instanceId, change);
    }
  }
  return { progress, buckets, skipped };
}

describe('automationChildrenInput', () => {
  it('asks for the children of one parent, 50 at a time, with the token for the next page', () => {
    expect(automationChildrenInput(PARENT)).toStrictEqual({
      Filters: [{ Key: 'ParentExecutionId', Values: [PARENT] }],
      MaxResults: 50,
    });
    expect(automationChildrenInput(PARENT, 'token-2')).toStrictEqual({
      Filters: [{ Key: 'ParentExecutionId', Values: [PARENT] }],
      MaxResults: AUTOMATION_CHILDREN_PAGE_SIZE,
      NextToken: 'token-2',
    });
  });
});

describe('childResults', () => {
  it("reads each child's target instance and status", () => {
    expect(childResults(PARENT, [child(1, 'Success'), child(2, 'Failed'), child(3, 'TimedOut')])).toEqual({
      results: [
        { executionId: childId(1), instanceId: instance(1), status: 'Success' },
        { executionId: childId(2), instanceId: instance(2), status: 'Failed' },
        { executionId: childId(3), instanceId: instance(3), status: 'TimedOut' },
      ],
      skipped: 0,
    });
  });

  it('skips what is not a child of this parent, or has a status or id SSM does not document', () => {
    const page = [
      child(1, 'Success'),
      child(2, 'Failed', { ParentAutomationExecutionId: '99999999-0000-4000-8000-000000000000' }),
      child(3, 'Failed', { ParentAutomationExecutionId: undefined }), // the parent itself, or a lone execution
      child(4, 'Exploded'),
      child(5, 'Success', { AutomationExecutionId: 'x; rm -rf /' }),
      child(6, 'Success', { AutomationExecutionStatus: undefined }),
      child(7, 'Success', { AutomationExecutionId: 'a'.repeat(129) }),
    ];
    const read = childResults(PARENT, page);
    expect(read.results.map((r) => r.instanceId)).toEqual([instance(1)]);
    expect(read.skipped).toBe(6);
  });

  it('names a child by its execution id when its target is missing or is not an instance id', () => {
    const read = childResults(PARENT, [
      child(1, 'Failed', { Target: undefined }),
      child(2, 'Failed', { Target: '<!channel> <https://evil.example|click>' }),
      child(3, 'Failed', { Target: 'vol-0123456789abcdef0' }),
      child(4, 'Failed', { Target: ` ${instance(4)} ` }),
      child(5, 'Failed', { Target: 'mi-0123456789abcdef0' }),
    ]);
    expect(read.results.map((r) => r.instanceId)).toEqual([
      childId(1),
      childId(2),
      childId(3),
      instance(4),
      'mi-0123456789abcdef0',
    ]);
  });
});

describe('per-instance progress of an automation run', () => {
  // 20 instances: 3 fail, 2 time out, 1 was cancelled, the rest succeed.
  const fates = Array.from({ length: 20 }, (_, i) =>
    i < 3 ? 'Failed' : i < 5 ? 'TimedOut' : i === 5 ? 'Cancelled' : i === 6 ? 'CompletedWithSuccess' : 'Success',
  );
  const final = fates.map((status, i) => child(i + 1, status));

  it('counts N instances exactly from their children, across pages', () => {
    const { progress, skipped } = fold([final.slice(0, 8), final.slice(8)], 20);
    expect(skipped).toBe(0);
    expect(progress).toEqual({
      targets: 20,
      in_progress: 0,
      succeeded: 14,
      failed: 3,
      timed_out: 2,
      cancelled: 1,
      failedInstances: [1, 2, 3, 4, 5].map(instance),
    });
    expect(overallOutcome(progress, 'Failed')).toBe('failed');
    expect(progressSummary(progress, 'failed')).toBe(
      `Failed: 20 of 20 instances finished: 14 succeeded, 3 failed, 2 timed out, 1 cancelled. Failed or timed out: ${[1, 2, 3, 4, 5].map(instance).join(', ')}.`,
    );
  });

  it('counts duplicates and out-of-order reads once: a page read twice, a child listed twice, InProgress after its end', () => {
    const running = fates.map((_, i) => child(i + 1, 'InProgress'));
    const pages = [
      running.slice(0, 10), // an early read, everything running
      final.slice(0, 10),
      final.slice(0, 10), // the same page again (a retried delivery)
      [...final.slice(10), final[0]!, final[3]!], // two children listed again
      running, // a stale read after the end: nothing moves back
    ];
    const { progress, buckets } = fold(pages, 20);
    expect(progress).toMatchObject({ in_progress: 0, succeeded: 14, failed: 3, timed_out: 2, cancelled: 1 });
    expect(buckets.size).toBe(20);
    expect(new Set(progress.failedInstances).size).toBe(5);
    // Any order of the same reads gives the same counts.
    const reversed = fold([...pages].reverse(), 20).progress;
    expect({ ...reversed, failedInstances: [...reversed.failedInstances].sort() }).toEqual({
      ...progress,
      failedInstances: [...progress.failedInstances].sort(),
    });
  });
});

describe('failureReason', () => {
  const progress = (p: Partial<Progress>): Progress => ({ ...emptyProgress(), ...p });

  it('names the failed and timed-out instances', () => {
    expect(
      failureReason(progress({ succeeded: 3, failed: 1, timed_out: 1, failedInstances: [instance(2), instance(4)] }), 'Failed'),
    ).toBe(`2 of 5 instances failed or timed out: ${instance(2)}, ${instance(4)}`);
  });

  it('names at most ten, and says how many more', () => {
    const ids = Array.from({ length: 50 }, (_, i) => instance(i + 1));
    expect(failureReason(progress({ succeeded: 1_200, failed: 52, failedInstances: ids }))).toBe(
      `52 of 1,252 instances failed or timed out: ${ids.slice(0, 10).join(', ')} and 42 more`,
    );
  });

  it('says how many targets never reported (SSM stopped starting them after MaxErrors)', () => {
    expect(failureReason(progress({ targets: 5, succeeded: 1, failed: 2, failedInstances: [instance(1), instance(2)] }))).toBe(
      `2 of 5 instances failed or timed out (2 never reported): ${instance(1)}, ${instance(2)}`,
    );
  });

  it('never says "0 failed": a run SSM failed on its own is reported as such', () => {
    expect(failureReason(progress({ succeeded: 3 }), 'Failed')).toBe(
      'Systems Manager reported the run as Failed; no instance reported a failure (3 reported a result)',
    );
    expect(failureReason(progress({}), 'TimedOut')).toBe(
      'Systems Manager reported the run as TimedOut; no instance reported a result',
    );
    expect(failureReason(progress({ succeeded: 1 }))).toBe(
      'Systems Manager reported the run as failed; no instance reported a failure (1 reported a result)',
    );
  });
});
