import * as z from '../../core/zod.ts';
import type { WorkItemClosure } from '../../core/persistence.ts';
import { IS_NEW, keys, type Table } from './table.ts';

/** One work item of a deployment, as the tracker step recorded it (`WORK#<deployment>` / `ITEM#<ref>`). */
const WorkItemItem = z.looseObject({
  ref: z.string(),
  outcome: z.enum(['closed', 'already_closed', 'failed']),
  detail: z.string(),
  at: z.string(),
  reported: z.boolean(),
}) satisfies z.ZodMiniType<WorkItemClosure>;

/** What the tracker step did about each work item: closing is done once and reported once, whatever the redeliveries. */
export class WorkItemRepository {
  constructor(private readonly table: Table) {}

  async getClosure(deploymentId: string, ref: string): Promise<WorkItemClosure | undefined> {
    return this.table.get(keys.workItem(deploymentId, ref), WorkItemItem);
  }

  /** Records the outcome unless one is already recorded (a concurrent delivery): false then. */
  async recordClosure(deploymentId: string, closure: WorkItemClosure): Promise<boolean> {
    return this.table.conditional({
      put: { Item: { ...keys.workItem(deploymentId, closure.ref), type: 'work-item', ...closure }, ...IS_NEW },
    });
  }

  /** Claims the report of an outcome: true for exactly one caller. */
  async claimReport(deploymentId: string, ref: string): Promise<boolean> {
    return this.table.conditional({
      update: {
        Key: keys.workItem(deploymentId, ref),
        UpdateExpression: 'SET reported = :yes',
        ConditionExpression: 'reported = :no',
        ExpressionAttributeValues: { ':yes': true, ':no': false },
      },
    });
  }
}
