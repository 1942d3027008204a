import type { BusEvent } from '../../core/events/contract.ts';
import type { ChangeRecord } from '../../core/signals/change-record.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, keys, TABLE, type Table } from './table.ts';

/**
 * Watched changes a deployment pipeline made during its service's deployment: one item under the
 * deployment (`DEPCHG#<deployment id>`), one in the account's "What changed?" (`CHG#<account>`) and
 * the announcement, in one transaction. The deployment record itself is not written, so the
 * deployments function's conditional saves never race with an attachment.
 */
export class DeploymentChangeRepository {
  constructor(private readonly table: Table) {}

  /**
   * Attaches one change; false when this delivery was attached before (its items exist: a redelivery
   * announces nothing new). Both items expire with the change items (`expiresAt`, epoch seconds).
   */
  async attachChange(
    change: ChangeRecord & { deploymentId: string; service: string },
    signalKey: string,
    expiresAt: number,
    events: readonly BusEvent[],
  ): Promise<boolean> {
    const item = { ...change, type: 'deployment-change', [TABLE.ttlAttribute]: expiresAt };
    const result = await this.table.transact([
      { Put: { Item: { ...keys.deploymentChange(change.deploymentId, change.at, signalKey), ...item }, ...IS_NEW } },
      { Put: { Item: { ...keys.change(change.account, change.at, signalKey), ...item, type: 'change' }, ...IS_NEW } },
      ...outboxPuts(events),
    ]);
    if (result.applied) return true;
    if (result.reasons.some((reason) => reason === 'ConditionalCheckFailed')) return false;
    throw new Error(`attaching a change to ${change.deploymentId} cancelled: ${result.reasons.join(', ')}`);
  }

  /** How many changes are attached to a deployment (one query, keys only). */
  async countChanges(deploymentId: string): Promise<number> {
    const items = await this.table.query({
      KeyConditionExpression: '#pk = :pk',
      ProjectionExpression: '#pk',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      ExpressionAttributeValues: { ':pk': `DEPCHG#${deploymentId}` },
      ConsistentRead: true,
    });
    return items.length;
  }
}
