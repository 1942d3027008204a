import * as z from '../../core/zod.ts';
import type { Table } from './table.ts';

/**
 * Slack posting slots per channel, shared by every notify instance: one small item per channel
 * (`SLACKPACE#<channel>` / `SLOT`) whose `nextPostAt` (epoch ms) moves on by the interval with each
 * reservation, conditional on the value read, so concurrent instances take distinct slots and a
 * channel gets at most one message per interval whatever the number of instances.
 */
const SlotItem = z.object({ nextPostAt: z.number() });

/** How many times a reservation re-reads after losing a race before giving up (the delivery is then retried). */
const MAX_ATTEMPTS = 25;

export class DynamoChannelSlots {
  constructor(private readonly table: Table) {}

  /** The time (epoch ms) at which the caller may post to `channel`: now, or the channel's next free slot. */
  async reserve(channel: string, now: number, intervalMs: number): Promise<number> {
    const key = { pk: `SLACKPACE#${channel}`, sk: 'SLOT' };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.table.get(key, SlotItem);
      const slot = Math.max(now, current?.nextPostAt ?? 0);
      const applied = await this.table.conditional({
        update: {
          Key: key,
          UpdateExpression: 'SET nextPostAt = :next, #type = :type, expiresAt = :expires',
          ConditionExpression: current ? 'nextPostAt = :read' : 'attribute_not_exists(nextPostAt)',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':next': slot + intervalMs,
            ':type': 'slack-slot',
            // Gone a day after its last use: a channel's slot needs no history.
            ':expires': Math.floor((slot + intervalMs) / 1000) + 86_400,
            ...(current ? { ':read': current.nextPostAt } : {}),
          },
        },
      });
      if (applied) return slot;
    }
    throw new Error(`could not reserve a Slack slot for ${channel} after ${MAX_ATTEMPTS} attempts; the delivery will be retried`);
  }
}
