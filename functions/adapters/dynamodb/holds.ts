import * as z from '../../core/zod.ts';
import { releaseHoldChainId, type AuditEntry } from '../../core/audit/chain.ts';
import { RoleSchema } from '../../core/vocabulary.ts';
import type { StoredHold } from '../../core/persistence.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import { readAudit } from './audit.ts';
import { saveChained } from './chained-save.ts';
import { keys, type Table } from './table.ts';

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
  incidentId: z.optional(z.string()),
  liftedBy: z.optional(z.array(z.string())),
  liftedAt: z.optional(z.string()),
  revision: z.number().check(z.int()),
  auditSeq: z.optional(z.number().check(z.int())),
  auditHead: z.optional(z.string()),
}) satisfies z.ZodMiniType<StoredHold>;

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
    return saveChained(this.table, { ...keys.hold(hold.service), type: 'hold', ...hold }, previous, audit, events);
  }
}
