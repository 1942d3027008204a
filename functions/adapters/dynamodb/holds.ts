import * as z from 'zod';
import { GENESIS_HASH, releaseHoldChainId, type AuditEntry } from '../../core/audit/chain.ts';
import { RoleSchema } from '../../core/config.ts';
import type { StoredHold } from '../../core/persistence.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import { auditPut, readAudit } from './audit.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, keys, type Table } from './table.ts';

/** A release hold as stored (`HOLD#<service>` / `STATE`); attributes it does not know are kept as they are. */
export const HoldItem = z.looseObject({
  service: z.string(),
  held: z.boolean(),
  reason: z.string(),
  deploymentId: z.string(),
  environment: z.string(),
  version: z.string(),
  heldAt: z.string(),
  seniorQuorum: z.number(),
  approvals: z.array(z.object({ userId: z.string(), role: RoleSchema, at: z.string() })),
  incidentId: z.string().optional(),
  liftedBy: z.array(z.string()).optional(),
  liftedAt: z.string().optional(),
  revision: z.number().int(),
  auditSeq: z.number().int().optional(),
  auditHead: z.string().optional(),
}) satisfies z.ZodType<StoredHold>;

/** Release holds, one per service, each with its own audit chain (`HOLD#<service>` / `AUD#<seq>`). */
export class ReleaseHoldRepository {
  constructor(private readonly table: Table) {}

  async getHold(service: string): Promise<StoredHold | undefined> {
    return this.table.get(keys.hold(service), HoldItem);
  }

  /** The hold's whole audit chain, in order. */
  async getAudit(service: string): Promise<AuditEntry[]> {
    return readAudit(this.table, releaseHoldChainId(service));
  }

  /**
   * Saves a release hold with its audit entries (already chained, see core `appendToChain`) in one
   * transaction, conditional on the hold being as it was read (`previous`: revision and chain head),
   * or not existing yet, with the events announcing it. False when someone changed it first: re-read and retry.
   */
  async saveHold(
    hold: StoredHold,
    previous: StoredHold | undefined,
    audit: readonly AuditEntry[],
    events: readonly BusEvent[] = [],
  ): Promise<boolean> {
    const head = audit.at(-1);
    const result = await this.table.transact([
      {
        Put: {
          Item: {
            ...keys.hold(hold.service),
            type: 'hold',
            ...hold,
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
}
