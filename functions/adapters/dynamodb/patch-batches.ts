import * as z from '../../core/zod.ts';
import { appendToChain, GENESIS_HASH, patchBatchChainId, type AuditEntry } from '../../core/audit/chain.ts';
import { RoleSchema, SeverityHintSchema } from '../../core/vocabulary.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { PatchBatch } from '../../core/maintenance/patch-batch.ts';
import { MessageSlots } from './message-slots.ts';
import { auditPut, readAudit } from './audit.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, keys, TABLE, type Table } from './table.ts';

/** One audit entry of a batch change, before it is chained (the shape of the patch-windows port's). */
interface BatchAudit {
  readonly actor: string;
  readonly action: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: string;
}

const OPEN_STATES = new Set<PatchBatch['state']>(['awaiting_approval', 'approved', 'registered', 'running']);
/** Open batches of a window are listed through the by-status index under this partition. */
const openIndexKey = (windowId: string) => `PATCHBATCH#${windowId}`;

/** A patch batch as stored; attributes it does not know are kept as they are. */
export const PatchBatchItem = z.looseObject({
  id: z.string(),
  windowId: z.string(),
  opensAt: z.string(),
  lastStartAt: z.string(),
  closesAt: z.string(),
  state: z.enum(['awaiting_approval', 'approved', 'registered', 'running', 'succeeded', 'failed', 'rejected']),
  findings: z.array(
    z.object({
      vulnerabilityId: z.string(),
      title: z.string(),
      severity: SeverityHintSchema,
      resources: z.array(z.string()),
      incidentId: z.optional(z.string()),
    }),
  ),
  findingsOmitted: z.number().check(z.int()),
  createdAt: z.string(),
  approvals: z.array(z.object({ userId: z.string(), role: RoleSchema, at: z.string() })),
  decidedBy: z.optional(z.array(z.string())),
  windowTaskId: z.optional(z.string()),
  run: z.optional(
    z.object({ windowExecutionId: z.string(), status: z.string(), targets: z.record(z.string(), z.number().check(z.int())) }),
  ),
  version: z.number().check(z.int()),
  auditSeq: z.optional(z.number().check(z.int())),
  auditHead: z.optional(z.string()),
});

const ProcessedItem = z.looseObject({ batchId: z.string() });
/** Status events are redelivered within hours; a marker kept 7 days covers any retry. */
const PROCESSED_RETENTION_DAYS = 7;
const processedMarker = (eventId: string, batchId: string, at: string) => ({
  Put: {
    Item: {
      ...keys.processedEvent(`mw:${eventId}`),
      type: 'processed',
      batchId,
      [TABLE.ttlAttribute]: Math.floor(Date.parse(at) / 1000) + PROCESSED_RETENTION_DAYS * 86_400,
    },
    ...IS_NEW,
  },
});

/**
 * Patch batches (`BATCH#<id>` / `STATE`), each with its own audit chain (`BATCH#<id>` / `AUD#<seq>`)
 * and the Slack message that shows it (`BATCH#<id>` / `SLACK`). A save writes the batch, its audit
 * entries and its events in one transaction, conditional on the version and chain head read.
 */
export class PatchBatchRepository {
  private readonly messages: MessageSlots;

  constructor(private readonly table: Table) {
    this.messages = new MessageSlots(table, keys.batchMessage);
  }

  async getBatch(id: string): Promise<PatchBatch | undefined> {
    return this.getStored(id);
  }

  private async getStored(id: string) {
    return this.table.get(keys.batch(id), PatchBatchItem);
  }

  async openBatches(windowId: string): Promise<PatchBatch[]> {
    const items = await this.table.query({
      IndexName: TABLE.byStatusIndex.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE.byStatusIndex.partitionKey },
      ExpressionAttributeValues: { ':pk': openIndexKey(windowId) },
    });
    // The index is eventually consistent: re-read each one so a decision never works on a stale copy.
    const batches = await Promise.all(items.map((item) => this.getStored(String(item.id))));
    return batches.filter((b): b is NonNullable<typeof b> => b !== undefined && OPEN_STATES.has(b.state));
  }

  async getAudit(batchId: string): Promise<AuditEntry[]> {
    return readAudit(this.table, patchBatchChainId(batchId));
  }

  async saveBatch(
    batch: PatchBatch,
    expectedVersion: number,
    audit: readonly BatchAudit[],
    events: readonly BusEvent[] = [],
    options: { readonly processedEvent?: string } = {},
  ): Promise<boolean> {
    const previous = expectedVersion === 0 ? undefined : await this.getStored(batch.id);
    if (expectedVersion !== 0 && previous?.version !== expectedVersion) return false;
    const chained = chainInOrder(batch.id, previous, audit);
    const head = chained.at(-1);
    const { auditSeq: _seq, auditHead: _head, ...own } = batch as PatchBatch & { auditSeq?: number; auditHead?: string };
    const result = await this.table.transact([
      {
        Put: {
          Item: {
            ...keys.batch(batch.id),
            type: 'patch-batch',
            ...own,
            ...(OPEN_STATES.has(batch.state)
              ? {
                  [TABLE.byStatusIndex.partitionKey]: openIndexKey(batch.windowId),
                  [TABLE.byStatusIndex.sortKey]: `${batch.opensAt}#${batch.id}`,
                }
              : {}),
            auditSeq: head?.seq ?? previous?.auditSeq ?? 0,
            auditHead: head?.hash ?? previous?.auditHead ?? GENESIS_HASH,
          },
          ...(previous === undefined
            ? IS_NEW
            : {
                ConditionExpression: 'version = :expected AND auditSeq = :seq',
                ExpressionAttributeValues: { ':expected': expectedVersion, ':seq': previous.auditSeq ?? 0 },
              }),
        },
      },
      ...chained.map(auditPut),
      ...outboxPuts(events),
      ...(options.processedEvent ? [processedMarker(options.processedEvent, batch.id, audit[0]?.at ?? batch.createdAt)] : []),
    ]);
    return result.applied;
  }

  /** Whether a window status event was applied already. */
  async processedEvent(eventId: string): Promise<boolean> {
    return (await this.table.get(keys.processedEvent(`mw:${eventId}`), ProcessedItem)) !== undefined;
  }

  /** A refused attempt: one more audit entry, conditional on the chain head read (retried when it moved). */
  async auditRefusal(batchId: string, audit: BatchAudit): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.getStored(batchId);
      // A click on a batch that does not exist has no chain to join; the Slack function logs it.
      if (!current) return;
      const [entry] = chainInOrder(batchId, current, [audit]);
      const result = await this.table.transact([
        {
          Update: {
            Key: keys.batch(batchId),
            UpdateExpression: 'SET auditSeq = :seq, auditHead = :head',
            ConditionExpression: 'auditSeq = :previous',
            ExpressionAttributeValues: { ':seq': entry!.seq, ':head': entry!.hash, ':previous': current.auditSeq ?? 0 },
          },
        },
        auditPut(entry!),
      ]);
      if (result.applied) return;
    }
    throw new Error(`patch batch ${batchId}: its audit chain kept moving`);
  }

  /** Where its Slack message is, if it was posted. */
  getMessage(batchId: string): Promise<{ channel?: string; ts?: string } | undefined> {
    return this.messages.get(batchId);
  }

  /** Claims the right to post its message: one poster, even when its first events arrive together. */
  claimMessage(batchId: string, now: string): Promise<boolean> {
    return this.messages.claim(batchId, now);
  }

  saveMessage(batchId: string, message: { channel: string; ts: string }): Promise<void> {
    return this.messages.save(batchId, message);
  }

  /** True the first time a thread reply is claimed (a redelivered event posts nothing twice). */
  async claimOnce(batchId: string, claim: string, now: string, ttlDays = 30): Promise<boolean> {
    return this.table.conditional({
      put: {
        Item: {
          [TABLE.partitionKey]: `BATCH#${batchId}`,
          [TABLE.sortKey]: `ONCE#${claim}`,
          type: 'once',
          at: now,
          [TABLE.ttlAttribute]: Math.floor(Date.parse(now) / 1000) + ttlDays * 86_400,
        },
        ...IS_NEW,
      },
    });
  }
}

/** The audit entries linked after the head the batch records, each with its own actor and time. */
function chainInOrder(
  batchId: string,
  holder: { auditSeq?: number; auditHead?: string } | undefined,
  audit: readonly BatchAudit[],
) {
  const chained: AuditEntry[] = [];
  let head = holder;
  for (const a of audit) {
    const [entry] = appendToChain(patchBatchChainId(batchId), head, [{ action: a.action, data: a.data }], a.actor, a.at);
    chained.push(entry!);
    head = { auditSeq: entry!.seq, auditHead: entry!.hash };
  }
  return chained;
}
