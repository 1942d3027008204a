import type { WorkItemClosure } from '../../core/persistence.ts';
import type { TrackerAnswer } from '../../core/tracker/tracker-answer.ts';
import type { WorkItem } from '../../core/tracker/work-items.ts';

/** A task tracker that can close one kind of work item (GitHub issues, Jira issues). */
export interface WorkItemTracker {
  close(item: WorkItem): Promise<TrackerAnswer>;
}

/** What the tracker step did about each work item; every write says whether it applied. */
export interface WorkItemClosuresPort {
  getClosure(deploymentId: string, ref: string): Promise<WorkItemClosure | undefined>;
  recordClosure(deploymentId: string, closure: WorkItemClosure): Promise<boolean>;
  claimReport(deploymentId: string, ref: string): Promise<boolean>;
}
