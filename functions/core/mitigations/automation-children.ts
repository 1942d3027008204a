/**
 * Per-instance results of a rate-controlled Automation run. Pure: no AWS SDK, no I/O.
 *
 * `StartAutomationExecution` with `Targets` and rate control starts a PARENT execution, which runs
 * one CHILD execution per target (its own execution id, `ParentAutomationExecutionId` set, and the
 * target value in `Target`); the parent ends when every child has ended. Every execution, parent
 * or child, emits "EC2 Automation Execution Status-change Notification", but that event carries
 * only the execution id, the runbook, the status and times: no parent id and no target. So a
 * child's event cannot be matched to a Firebreak request without asking SSM about it.
 *
 * Firebreak therefore reads the children once, when the parent's own status becomes terminal:
 * `DescribeAutomationExecutions` filtered by `ParentExecutionId`, page by page. Each child's status
 * is applied to its instance like a Run Command invocation (progress.ts), so a page read twice, a
 * child listed twice, or an InProgress read after its Success counts once.
 */
import * as z from '../zod.ts';
import { bucketOf } from './progress.ts';

/** SSM's largest page for DescribeAutomationExecutions (`MaxResults` 1 to 50). */
export const AUTOMATION_CHILDREN_PAGE_SIZE = 50;

/** The fields of the SDK's `DescribeAutomationExecutionsRequest` Firebreak sets. */
export interface DescribeAutomationExecutionsInput {
  Filters: Array<{ Key: 'ParentExecutionId'; Values: string[] }>;
  MaxResults: number;
  NextToken?: string;
}

/** The fields of the SDK's `AutomationExecutionMetadata` Firebreak reads (all optional, as in the SDK). */
export interface AutomationExecutionSummary {
  readonly AutomationExecutionId?: string;
  readonly AutomationExecutionStatus?: string;
  readonly ParentAutomationExecutionId?: string;
  /** The child's target: the instance id SSM filled `TargetParameterName` (InstanceId) with. */
  readonly Target?: string;
}

/** One page of a parent's child executions, as the SSM port returns it. */
export interface AutomationChildrenPage {
  readonly executions: readonly AutomationExecutionSummary[];
  readonly nextToken?: string;
}

/** The request for one page of the children of `parentExecutionId` (the first page without a token). */
export function automationChildrenInput(parentExecutionId: string, nextToken?: string): DescribeAutomationExecutionsInput {
  return {
    Filters: [{ Key: 'ParentExecutionId', Values: [parentExecutionId] }],
    MaxResults: AUTOMATION_CHILDREN_PAGE_SIZE,
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** One child's result: the instance it ran on, and its status. */
export interface ChildResult {
  readonly executionId: string;
  /** The instance id (the child's `Target`); the child's own execution id when SSM gave no instance id. */
  readonly instanceId: string;
  readonly status: string;
}

const ExecutionId = z.string().check(z.regex(/^[A-Za-z0-9-]{1,128}$/));
const InstanceId = z.string().check(z.regex(/^m?i-[0-9a-zA-Z]{8,17}$/));
const ChildSchema = z.object({
  AutomationExecutionId: ExecutionId,
  AutomationExecutionStatus: z.string().check(
    z.maxLength(64),
    z.refine((s) => bucketOf(s) !== undefined),
  ),
  ParentAutomationExecutionId: ExecutionId,
  Target: z.optional(z.string().check(z.maxLength(256))),
});

/**
 * The children of `parentExecutionId` in one page, validated: a listed execution that is not a
 * child of this parent, or whose id or status SSM does not document, is skipped and counted (never
 * guessed at), so one odd entry cannot stop the run from finishing.
 */
export function childResults(
  parentExecutionId: string,
  page: readonly AutomationExecutionSummary[],
): { readonly results: ChildResult[]; readonly skipped: number } {
  const results: ChildResult[] = [];
  let skipped = 0;
  for (const raw of page) {
    const parsed = ChildSchema.safeParse(raw);
    if (!parsed.success || parsed.data.ParentAutomationExecutionId !== parentExecutionId) {
      skipped++;
      continue;
    }
    const child = parsed.data;
    const target = child.Target?.trim();
    results.push({
      executionId: child.AutomationExecutionId,
      instanceId: target && InstanceId.safeParse(target).success ? target : child.AutomationExecutionId,
      status: child.AutomationExecutionStatus,
    });
  }
  return { results, skipped };
}
