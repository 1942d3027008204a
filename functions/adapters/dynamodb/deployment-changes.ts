import * as z from '../../core/zod.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { ChangeRecord } from '../../core/signals/change-record.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, keys, lostRace, TABLE, type Table } from './table.ts';

/**
 * Watched changes a deployment pipeline made during its service's deployment: one item under the
 * deployment (`DEPCHG#<deployment id>`), one in the account's "What changed?" (`CHG#<account>`) and
 * the announcement, in one transaction. The deployment record itself is not written, so the
 * deployments function's conditional saves never race with an attachment.
 */
export class DeploymentChangeRepository {
  constructor(private readonly table: Table) {}

  /**
   * Attaches one change as the deployment's `count`th: `duplicate` when this delivery was attached
   * before (its items exist: a redelivery writes and announces nothing), `conflict` when another
   * change was attached since the count was read (read it again and retry). Both items expire with
   * the change items (`expiresAt`, epoch seconds); the counter with the last of them.
   */
  async attachChange(
    change: ChangeRecord & { deploymentId: string; service: string },
    signalKey: string,
    count: number,
    expiresAt: number,
    events: readonly BusEvent[],
  ): Promise<'attached' | 'duplicate' | 'conflict'> {
    const item = { ...change, type: 'deployment-change', [TABLE.ttlAttribute]: expiresAt };
    const result = await this.table.transact([
      { Put: { Item: { ...keys.deploymentChange(change.deploymentId, change.at, signalKey), ...item }, ...IS_NEW } },
      { Put: { Item: { ...keys.change(change.account, change.at, signalKey), ...item, type: 'change' }, ...IS_NEW } },
      {
        Put: {
          Item: {
            ...keys.deploymentChangeCount(change.deploymentId),
            type: 'deployment-change-count',
            changes: count,
            [TABLE.ttlAttribute]: expiresAt,
          },
          ...(count === 1
            ? IS_NEW
            : { ConditionExpression: 'changes = :previous', ExpressionAttributeValues: { ':previous': count - 1 } }),
        },
      },
      ...outboxPuts(events),
    ]);
    if (result.applied) return 'attached';
    if (result.reasons.slice(0, 2).some((reason) => reason === 'ConditionalCheckFailed')) return 'duplicate';
    if (lostRace(result.reasons)) return 'conflict';
    throw new Error(`attaching a change to ${change.deploymentId} cancelled: ${result.reasons.join(', ')}`);
  }

  /** How many changes are attached to a deployment: one read of its counter (never of the changes themselves). */
  async countChanges(deploymentId: string): Promise<number> {
    return (await this.table.get(keys.deploymentChangeCount(deploymentId), Counter))?.changes ?? 0;
  }
}

const Counter = z.object({ changes: z.number().check(z.int(), z.gte(0)) });
