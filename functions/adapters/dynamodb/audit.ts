import * as z from '../../core/zod.ts';
import type { AuditEntry } from '../../core/audit/chain.ts';
import { IS_NEW, keys, parseItem, type Table } from './table.ts';

/** An audit entry as stored: exactly the entry the chain hashed. */
export const AuditEntryItem = z.object({
  incidentId: z.string(),
  seq: z.number().check(z.int(), z.positive()),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
}) satisfies z.ZodMiniType<AuditEntry>;

/** The put of one audit entry; never overwrites one (a chain only grows). Chains are built in core, not here. */
export const auditPut = (entry: AuditEntry) => ({
  Put: { Item: { ...keys.audit(entry.incidentId, entry.seq), type: 'audit', ...entry }, ...IS_NEW },
});

/** A whole chain, in order: an incident's (`<id>`) or a release hold's (`HOLD#<service>`). */
export async function readAudit(table: Table, chainId: string): Promise<AuditEntry[]> {
  const items = await table.queryPrefix(keys.auditChain(chainId), 'AUD#');
  return items.map((item) => parseItem(AuditEntryItem, item));
}
