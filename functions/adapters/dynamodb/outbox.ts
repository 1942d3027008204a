import { randomUUID } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from '../../core/zod.ts';
import { canonicalJson, type AuditEntry } from '../../core/audit/chain.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import { auditPut } from './audit.ts';
import { IS_NEW, keys, parseItem, TABLE } from './table.ts';

/**
 * The transactional outbox. A use case's events are one more item in the transaction that commits
 * its state change, so there is no state change without its announcement and no announcement of a
 * change that did not happen. The stream relay (functions/relay) publishes each outbox item's events
 * when the item appears in the table's stream; the item then expires by TTL.
 *
 * Where the transaction writes an audit entry anyway (a new incident's opening entry), the events ride
 * in that entry instead (`auditPutWithEvents`): one item fewer in the transaction, 2 write units less.
 * They are deflated against the entry's own data, which repeats most of what they say (the title, the
 * fingerprint, the resources), so the entry stays under 1 KB; the relay inflates them with the same
 * dictionary, read back from the entry.
 */

/** How long an outbox item stays after its commit: well past the stream's 24 h retention, for redrives. */
export const OUTBOX_RETENTION_DAYS = 7;

/**
 * Which stream records the relay receives: new items carrying events — outbox items and audit entries
 * with events. Lambda filter-criteria syntax, used by the event source mapping and by the local stream
 * reader alike.
 */
export const OUTBOX_STREAM_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { events: { S: [{ exists: true }] } } },
} as const;

/** An outbox item as stored: the events as one JSON string, so that the relay publishes exactly what was built. */
const OutboxItem = z.object({
  events: z.string(),
  committedAt: z.string(),
  [TABLE.ttlAttribute]: z.optional(z.number()),
});

const StoredEvents = z
  .array(z.object({ detailType: z.string().check(z.minLength(1), z.maxLength(128)), detail: z.record(z.string(), z.unknown()) }))
  .check(z.minLength(1));

/** The outbox put that goes into a transaction: none when there is nothing to announce. */
export function outboxPuts(events: readonly BusEvent[], now = new Date()) {
  if (events.length === 0) return [];
  const item = {
    ...keys.outbox(randomUUID()),
    type: 'outbox',
    events: JSON.stringify(events.map(({ detailType, detail }) => ({ detailType, detail }))),
    committedAt: now.toISOString(),
    [TABLE.ttlAttribute]: Math.floor(now.getTime() / 1000) + OUTBOX_RETENTION_DAYS * 86_400,
  };
  return [{ Put: { Item: item, ...IS_NEW } }];
}

/** Marks events deflated against their audit entry's data (base64 after it). */
const DEFLATED = 'deflate:';

/** An audit entry's put carrying the events its transaction announces, deflated against the entry's data. */
export function auditPutWithEvents(entry: AuditEntry, events: readonly BusEvent[]) {
  const put = auditPut(entry);
  if (events.length === 0) return put;
  const json = JSON.stringify(events.map(({ detailType, detail }) => ({ detailType, detail })));
  const deflated = deflateRawSync(json, { dictionary: Buffer.from(canonicalJson(entry.data)) });
  return { Put: { ...put.Put, Item: { ...put.Put.Item, events: `${DEFLATED}${deflated.toString('base64')}` } } };
}

/** An audit entry as the relay reads it: the data it hashed (the dictionary) and its deflated events. */
const AuditWithEvents = z.object({
  events: z.string().check(z.startsWith(DEFLATED)),
  data: z.record(z.string(), z.unknown()),
});

/** An outbox item that cannot be published however often it is retried. */
export class UnreadableOutboxError extends Error {
  override readonly name = 'UnreadableOutboxError';
}

/** The events of a stream record's new outbox item or audit entry (the image as DynamoDB Streams delivers it). */
export function outboxEvents(newImage: Record<string, AttributeValue> | undefined): BusEvent[] {
  if (!newImage) throw new UnreadableOutboxError('the stream record has no new image (is the stream view NEW_IMAGE?)');
  try {
    const raw = unmarshall(newImage);
    if (typeof raw.events === 'string' && raw.events.startsWith(DEFLATED)) {
      const entry = parseItem(AuditWithEvents, raw);
      const deflated = Buffer.from(entry.events.slice(DEFLATED.length), 'base64');
      const json = inflateRawSync(deflated, { dictionary: Buffer.from(canonicalJson(entry.data)) }).toString('utf8');
      return StoredEvents.parse(JSON.parse(json));
    }
    const item = parseItem(OutboxItem, raw);
    return StoredEvents.parse(JSON.parse(item.events));
  } catch (error) {
    throw new UnreadableOutboxError(`unreadable outbox item: ${(error as Error).message.slice(0, 500)}`, { cause: error });
  }
}
