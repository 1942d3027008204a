import * as z from '../../core/zod.ts';
import type { IncidentChannelRecord } from '../../core/incidents/incident-channel.ts';
import { keys, TABLE, type Table } from './table.ts';

const RecordItem = z.object({
  state: z.enum(['creating', 'open', 'failed', 'archived', 'returned']),
  claimedAt: z.string(),
  channel: z.optional(z.string()),
  name: z.optional(z.string()),
  error: z.optional(z.string()),
  invited: z.optional(z.boolean()),
  inviteProblems: z.optional(z.array(z.object({ user: z.string(), error: z.string() }))),
});

/** How long a creation whose holder died (timeout, crash) blocks a retry. */
const STALE_CLAIM_MS = 60_000;

/** The incident's channel (`INC#<id>` / `CHANNEL`): the claim to create it, then where it is and what became of it. */
export class IncidentChannelRepository {
  constructor(private readonly table: Table) {}

  async getChannel(incidentId: string): Promise<IncidentChannelRecord | undefined> {
    return this.table.get(keys.incidentChannel(incidentId), RecordItem);
  }

  /** The right to create the channel: once, or again after a creator that stopped a minute ago. */
  async claimCreation(incidentId: string, now: string): Promise<boolean> {
    const stale = new Date(Date.parse(now) - STALE_CLAIM_MS).toISOString();
    return this.table.conditional({
      update: {
        Key: keys.incidentChannel(incidentId),
        UpdateExpression: 'SET #type = :type, #state = :creating, claimedAt = :now',
        ConditionExpression: 'attribute_not_exists(#pk) OR (#state = :creating AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#type': 'type', '#state': 'state' },
        ExpressionAttributeValues: { ':type': 'incident-channel', ':creating': 'creating', ':now': now, ':stale': stale },
      },
    });
  }

  /** Moves the record on; `from` guards against a concurrent step (false when the state was not `from`). */
  async saveChannel(
    incidentId: string,
    from: IncidentChannelRecord['state'],
    next: Partial<Omit<IncidentChannelRecord, 'claimedAt'>>,
  ): Promise<boolean> {
    const entries = Object.entries(next).filter(([, value]) => value !== undefined);
    return this.table.conditional({
      update: {
        Key: keys.incidentChannel(incidentId),
        UpdateExpression: `SET ${entries.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
        ConditionExpression: '#state = :from',
        ExpressionAttributeNames: { '#state': 'state', ...Object.fromEntries(entries.map(([name], i) => [`#a${i}`, name])) },
        ExpressionAttributeValues: { ':from': from, ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])) },
      },
    });
  }
}
