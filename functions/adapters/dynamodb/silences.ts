import * as z from '../../core/zod.ts';
import { GENESIS_HASH, type AuditEntry } from '../../core/audit/chain.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import { silenceChainId, type Silence } from '../../core/silences/silence.ts';
import { auditPut, readAudit } from './audit.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, keys, parseItem, TABLE, type Table } from './table.ts';

/** How long an ended silence stays listed and readable before DynamoDB's TTL removes it (its audit chain stays). */
const EXPIRED_KEPT_DAYS = 30;

export const SilenceItem = z.looseObject({
  id: z.string(),
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('incident'), incidentId: z.string() }),
    z.object({ kind: z.literal('fingerprint'), fingerprint: z.string() }),
  ]),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  endsAt: z.string(),
  state: z.enum(['active', 'expired']),
  expiredAt: z.optional(z.string()),
  version: z.number().check(z.int()),
  auditSeq: z.number().check(z.int()),
  auditHead: z.string(),
}) satisfies z.ZodMiniType<Silence>;

/** Silences (`SILENCES` / `SIL#<id>`), each with its own audit chain (`SILENCE#<id>` / `AUD#<seq>`). */
export class SilenceRepository {
  constructor(private readonly table: Table) {}

  async getSilence(id: string): Promise<(Silence & { auditSeq: number; auditHead: string }) | undefined> {
    return this.table.get(keys.silence(id), SilenceItem);
  }

  /** Every silence still kept, active first, then by end. */
  async listSilences(): Promise<Silence[]> {
    const items = await this.table.queryPrefix(keys.silencePartition, 'SIL#');
    return items
      .map((item) => parseItem(SilenceItem, item))
      .sort((a, b) => (a.state === b.state ? (a.endsAt < b.endsAt ? -1 : 1) : a.state === 'active' ? -1 : 1));
  }

  async getAudit(id: string): Promise<AuditEntry[]> {
    return readAudit(this.table, silenceChainId(id));
  }

  /**
   * Saves a silence with its audit entries and the events announcing it, in one transaction,
   * conditional on its version (a new one on not existing). False when someone changed it first.
   */
  async saveSilence(
    silence: Silence,
    previous: { version: number; auditSeq: number; auditHead: string } | undefined,
    audit: readonly AuditEntry[],
    events: readonly BusEvent[],
  ): Promise<boolean> {
    const head = audit.at(-1);
    const expires =
      silence.state === 'expired'
        ? { [TABLE.ttlAttribute]: Math.floor(Date.parse(silence.endsAt) / 1000) + EXPIRED_KEPT_DAYS * 86_400 }
        : {};
    const result = await this.table.transact([
      {
        Put: {
          Item: {
            ...keys.silence(silence.id),
            type: 'silence',
            ...silence,
            ...expires,
            auditSeq: head?.seq ?? previous?.auditSeq ?? 0,
            auditHead: head?.hash ?? previous?.auditHead ?? GENESIS_HASH,
          },
          ...(previous === undefined
            ? IS_NEW
            : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': previous.version } }),
        },
      },
      ...audit.map(auditPut),
      ...outboxPuts(events),
    ]);
    return result.applied;
  }
}
