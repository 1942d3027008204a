import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import type { BusEvent } from '../../core/events/contract.ts';
import { IS_NEW, keys, parseItem, TABLE } from './table.ts';

/**
 * The transactional outbox. A use case's events are one more item in the transaction that commits
 * its state change, so there is no state change without its announcement and no announcement of a
 * change that did not happen. The stream relay (functions/relay) publishes each outbox item's events
 * when the item appears in the table's stream; the item then expires by TTL.
 */

/** How long an outbox item stays after its commit: well past the stream's 24 h retention, for redrives. */
export const OUTBOX_RETENTION_DAYS = 7;

/** The partition prefix of outbox items. */
export const OUTBOX_PREFIX = 'OUTBOX#';

/**
 * Which stream records the relay receives: new outbox items only. Lambda filter-criteria syntax,
 * used by the event source mapping and by the local stream reader alike.
 */
export const OUTBOX_STREAM_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { [TABLE.partitionKey]: { S: [{ prefix: OUTBOX_PREFIX }] } } },
} as const;

/** An outbox item as stored: the events as one JSON string, so that the relay publishes exactly what was built. */
const OutboxItem = z.object({
  events: z.string(),
  committedAt: z.string(),
  [TABLE.ttlAttribute]: z.number().optional(),
});

const StoredEvents = z
  .array(z.object({ detailType: z.string().min(1).max(128), detail: z.record(z.string(), z.unknown()) }))
  .min(1);

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

/** An outbox item that cannot be published however often it is retried. */
export class UnreadableOutboxError extends Error {
  override readonly name = 'UnreadableOutboxError';
}

/** The events of a stream record's new outbox item (the image as DynamoDB Streams delivers it). */
export function outboxEvents(newImage: Record<string, AttributeValue> | undefined): BusEvent[] {
  if (!newImage) throw new UnreadableOutboxError('the stream record has no new image (is the stream view NEW_IMAGE?)');
  try {
    const item = parseItem(OutboxItem, unmarshall(newImage));
    return StoredEvents.parse(JSON.parse(item.events));
  } catch (error) {
    throw new UnreadableOutboxError(`unreadable outbox item: ${(error as Error).message.slice(0, 500)}`, { cause: error });
  }
}
