import { GENESIS_HASH, type AuditEntry } from '../../core/audit/chain.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import { auditPut } from './audit.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, type Table } from './table.ts';

/** What a record that heads its own audit chain keeps of it, and the revision guarding concurrent writes. */
interface ChainedRecord {
  readonly revision: number;
  readonly auditSeq?: number;
  readonly auditHead?: string;
}

/**
 * Saves a record (a release hold, a deploy freeze) with its new audit entries and the events
 * announcing the change in one transaction, conditional on the record being as it was read
 * (`previous`) or not existing yet. False when someone changed it first: re-read and retry.
 */
export async function saveChained(
  table: Table,
  item: Record<string, unknown>,
  previous: ChainedRecord | undefined,
  audit: readonly AuditEntry[],
  events: readonly BusEvent[],
): Promise<boolean> {
  const head = audit.at(-1);
  const result = await table.transact([
    {
      Put: {
        Item: {
          ...item,
          auditSeq: head?.seq ?? previous?.auditSeq ?? 0,
          auditHead: head?.hash ?? previous?.auditHead ?? GENESIS_HASH,
        },
        ...(previous === undefined
          ? IS_NEW
          : {
              ConditionExpression: 'revision = :expected AND auditSeq = :seq',
              ExpressionAttributeValues: { ':expected': previous.revision, ':seq': previous.auditSeq ?? 0 },
            }),
      },
    },
    ...audit.map(auditPut),
    ...outboxPuts(events),
  ]);
  return result.applied;
}
