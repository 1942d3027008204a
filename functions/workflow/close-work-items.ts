import type { WorkItemClosure } from '../core/persistence.ts';
import { closureMessage } from '../core/tracker/messages.ts';
import { parseWorkItem, type WorkItem } from '../core/tracker/work-items.ts';
import type { DeploymentsPort } from './ports/record-deployment.ts';
import type { SlackChannelPort } from './ports/slack.ts';
import { TrackerError } from '../core/tracker/tracker-answer.ts';
import type { WorkItemClosuresPort, WorkItemTracker } from './ports/tracker.ts';

export interface CloseWorkItemsDependencies {
  readonly deployments: Pick<DeploymentsPort, 'getDeployment'>;
  readonly closures: WorkItemClosuresPort;
  /** The trackers configured; a work item of one that is not is reported as not closed. */
  readonly trackers: { readonly github?: WorkItemTracker; readonly jira?: WorkItemTracker };
  readonly slack: Pick<SlackChannelPort, 'post'>;
  readonly now: () => Date;
}

export interface CloseOutcome {
  readonly deploymentId: string;
  readonly closed: number;
  readonly alreadyClosed: number;
  readonly failed: number;
  readonly reported: number;
}

/** Room for a reason in the thread, and in the item. */
const MAX_DETAIL = 300;

/**
 * Closes the work items a successful deployment delivered and reports each in the thread of the
 * deployment's notice. Each item is asked of its tracker once: the outcome is recorded before it is
 * reported, so a redelivery neither closes again nor reports twice (a crash between the post and
 * its mark may repeat one line). A tracker that fails is reported as such and never touches the
 * deployment record. Throws (to be retried) only while the notice is not posted yet.
 */
export async function closeWorkItems(
  input: { readonly service: string; readonly deploymentId: string; readonly workItems: readonly string[] },
  deps: CloseWorkItemsDependencies,
): Promise<CloseOutcome> {
  const record = await deps.deployments.getDeployment(input.service, input.deploymentId);
  if (!record) throw new Error(`deployment ${input.deploymentId} is not recorded; the delivery will be retried`);
  if (!record.slackChannel || !record.slackTs)
    throw new Error(`the notice of ${input.deploymentId} is not posted yet; the delivery will be retried`);
  const counts = { closed: 0, alreadyClosed: 0, failed: 0, reported: 0 };
  for (const ref of input.workItems) {
    let closure = await deps.closures.getClosure(input.deploymentId, ref);
    if (!closure) {
      const fresh = await ask(parseWorkItem(ref), deps);
      closure = (await deps.closures.recordClosure(input.deploymentId, fresh))
        ? fresh
        : (await deps.closures.getClosure(input.deploymentId, ref))!;
    }
    if (closure.outcome === 'closed') counts.closed++;
    else if (closure.outcome === 'already_closed') counts.alreadyClosed++;
    else counts.failed++;
    if (closure.reported) continue;
    await deps.slack.post(record.slackChannel, { text: closureMessage(closure) }, { threadTs: record.slackTs });
    if (await deps.closures.claimReport(input.deploymentId, ref)) counts.reported++;
  }
  return { deploymentId: input.deploymentId, ...counts };
}

async function ask(item: WorkItem, deps: CloseWorkItemsDependencies): Promise<WorkItemClosure> {
  const at = deps.now().toISOString();
  const tracker = deps.trackers[item.tracker];
  if (!tracker)
    return {
      ref: item.ref,
      outcome: 'failed',
      detail: `no ${item.tracker === 'github' ? 'GitHub' : 'Jira'} tracker is configured`,
      at,
      reported: false,
    };
  try {
    const answer = await tracker.close(item);
    return { ref: item.ref, outcome: answer.outcome, detail: answer.detail.slice(0, MAX_DETAIL), at, reported: false };
  } catch (error) {
    const reason =
      error instanceof TrackerError ? error.message : `the tracker could not be reached (${(error as Error).name ?? 'Error'})`;
    return { ref: item.ref, outcome: 'failed', detail: reason.slice(0, MAX_DETAIL), at, reported: false };
  }
}
