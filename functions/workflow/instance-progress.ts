import { automationChildrenInput, childResults } from '../core/mitigations/automation-children.ts';
import { applyInvocation, type Bucket } from '../core/mitigations/progress.ts';
import type { RunOwner } from '../core/persistence.ts';
import type { ExecutionProgressPort } from './ports/repositories.ts';
import type { SsmPort } from './ports/ssm.ts';

const MAX_ATTEMPTS = 10;
/**
 * A bound on the pages read for one run (50 children each): a NextToken that never ends must not
 * keep the tracker busy until its timeout. 1,000 pages is 50,000 instances.
 */
export const MAX_CHILD_PAGES = 1000;

/**
 * One instance's status applied to its stored bucket, conditional on the bucket read, so duplicate,
 * late and concurrent reports count once. True when it changed something.
 */
export async function recordInstanceStatus(
  mitigations: ExecutionProgressPort,
  run: RunOwner,
  instanceId: string,
  status: string,
): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const previous = await mitigations.getInvocationBucket(run.incidentId, run.requestId, instanceId);
    const change = applyInvocation(previous as Bucket | undefined, status);
    if (!change) return false;
    const recorded = await mitigations.recordInvocation({
      incidentId: run.incidentId,
      requestId: run.requestId,
      instanceId,
      previous,
      bucket: change.bucket,
      delta: change.counterDelta as Record<string, number>,
      failed: change.enteredFailure,
    });
    if (recorded) return true;
  }
  throw new Error(`the progress of ${instanceId} in ${run.requestId} kept changing; the delivery will be retried`);
}

export interface ChildCollection {
  /** Child executions read and applied (each counted once, however often it is read). */
  readonly children: number;
  /** Listed executions that were not valid children of this parent (see core/mitigations/automation-children.ts). */
  readonly skipped: number;
  /** True when {@link MAX_CHILD_PAGES} pages were read and SSM still had more. */
  readonly truncated: boolean;
}

/**
 * Reads every child execution of a rate-controlled automation (one per target instance) from SSM
 * and records each one's status on its instance. Idempotent: run again after a crash or for a
 * redelivered event, it changes nothing that was already recorded.
 */
export async function collectAutomationChildren(
  deps: { readonly mitigations: ExecutionProgressPort; readonly ssm: SsmPort },
  run: RunOwner,
  parentExecutionId: string,
): Promise<ChildCollection> {
  let children = 0;
  let skipped = 0;
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await deps.ssm.describeAutomationExecutions(automationChildrenInput(parentExecutionId, nextToken));
    const read = childResults(parentExecutionId, page.executions);
    // One at a time: every child adds to the same counters item, and concurrent transactions on one item conflict.
    for (const child of read.results) await recordInstanceStatus(deps.mitigations, run, child.instanceId, child.status);
    children += read.results.length;
    skipped += read.skipped;
    nextToken = page.nextToken;
    pages++;
  } while (nextToken && pages < MAX_CHILD_PAGES);
  return { children, skipped, truncated: nextToken !== undefined };
}
