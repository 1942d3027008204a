import * as z from '../../core/zod.ts';
import { TABLE, type Key, type Table } from './table.ts';

const MessageItem = z.object({ channel: z.optional(z.string()), ts: z.optional(z.string()), claimedAt: z.optional(z.string()) });
/** How long a claim whose holder died before posting blocks another poster. */
const STALE_CLAIM_MS = 60_000;

/**
 * One Slack message of a record (a patch batch's, a configuration review's): the claim to post it,
 * so one poster posts even when its first events arrive together, then where it is.
 */
export class MessageSlots {
  constructor(
    private readonly table: Table,
    private readonly keyOf: (id: string) => Key,
  ) {}

  /** Where the message is, if it was posted. */
  async get(id: string): Promise<{ channel?: string; ts?: string } | undefined> {
    return this.table.get(this.keyOf(id), MessageItem);
  }

  /** The right to post: once, or again after a claim older than a minute with no message. */
  async claim(id: string, now: string): Promise<boolean> {
    const stale = new Date(Date.parse(now) - STALE_CLAIM_MS).toISOString();
    return this.table.conditional({
      update: {
        Key: this.keyOf(id),
        UpdateExpression: 'SET #type = :type, claimedAt = :now',
        ConditionExpression: 'attribute_not_exists(#pk) OR (attribute_not_exists(#ts) AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#ts': 'ts', '#type': 'type' },
        ExpressionAttributeValues: { ':type': 'slack', ':now': now, ':stale': stale },
      },
    });
  }

  async save(id: string, message: { channel: string; ts: string }): Promise<void> {
    await this.table.update({
      Key: this.keyOf(id),
      UpdateExpression: 'SET channel = :channel, ts = :ts',
      ExpressionAttributeValues: { ':channel': message.channel, ':ts': message.ts },
    });
  }
}
