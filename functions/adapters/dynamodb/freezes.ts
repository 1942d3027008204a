import * as z from '../../core/zod.ts';
import { deployFreezeChainId, type AuditEntry } from '../../core/audit/chain.ts';
import { RoleSchema, SeveritySchema } from '../../core/vocabulary.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { StoredFreeze } from '../../core/persistence.ts';
import { readAudit } from './audit.ts';
import { saveChained } from './chained-save.ts';
import { keys, parseItem, TABLE, type Table } from './table.ts';

const Approval = z.object({ userId: z.string(), role: RoleSchema, at: z.string() });

/** A deploy freeze as stored (`FREEZE#<scope>` / `STATE`). */
export const FreezeItem = z.looseObject({
  scope: z.string(),
  frozen: z.boolean(),
  incidents: z.array(z.object({ incidentId: z.string(), severity: SeveritySchema, title: z.string(), account: z.string() })),
  moreIncidents: z.array(z.string()),
  since: z.string(),
  liftedAt: z.optional(z.string()),
  seniorQuorum: z.number().check(z.int()),
  exemptions: z.array(
    z.object({
      service: z.string(),
      approvals: z.array(Approval),
      approvedBy: z.optional(z.array(z.string())),
      approvedAt: z.optional(z.string()),
    }),
  ),
  revision: z.number().check(z.int()),
  auditSeq: z.optional(z.number().check(z.int())),
  auditHead: z.optional(z.string()),
}) satisfies z.ZodMiniType<StoredFreeze>;

/** Active freezes are listed on the byStatus index under this partition (one query for `release check`). */
const ACTIVE_FREEZES = 'FREEZES#frozen';

/** Deploy freezes, one per scope, each with its own audit chain (`FREEZE#<scope>` / `AUD#<seq>`). */
export class DeployFreezeRepository {
  constructor(private readonly table: Table) {}

  async getFreeze(scope: string): Promise<StoredFreeze | undefined> {
    return this.table.get(keys.freeze(scope), FreezeItem);
  }

  /** The freezes on now (eventually consistent: the index follows the table within a second or so). */
  async activeFreezes(): Promise<StoredFreeze[]> {
    const items = await this.table.query({
      IndexName: TABLE.byStatusIndex.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE.byStatusIndex.partitionKey },
      ExpressionAttributeValues: { ':pk': ACTIVE_FREEZES },
    });
    return items.map((item) => parseItem(FreezeItem, item)).filter((freeze) => freeze.frozen);
  }

  async getAudit(scope: string): Promise<AuditEntry[]> {
    return readAudit(this.table, deployFreezeChainId(scope));
  }

  /**
   * Saves a freeze with its audit entries and the events announcing the change in one transaction,
   * conditional on the freeze being as it was read (`previous`), or not existing yet. False when
   * someone changed it first: re-read and retry.
   */
  async saveFreeze(
    freeze: StoredFreeze,
    previous: StoredFreeze | undefined,
    audit: readonly AuditEntry[],
    events: readonly BusEvent[] = [],
  ): Promise<boolean> {
    const onIndex = freeze.frozen
      ? { [TABLE.byStatusIndex.partitionKey]: ACTIVE_FREEZES, [TABLE.byStatusIndex.sortKey]: freeze.scope }
      : {};
    // Only a freeze that is on is on the index.
    return saveChained(
      this.table,
      { ...keys.freeze(freeze.scope), type: 'freeze', ...freeze, ...onIndex },
      previous,
      audit,
      events,
    );
  }
}
