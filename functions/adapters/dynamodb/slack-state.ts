import * as z from '../../core/zod.ts';
import type { SlackState } from '../../core/persistence.ts';
import { IS_NEW, keys, TABLE, type Table } from './table.ts';

/** What notify stored of a Slack message; a claim without a message yet has none of it. */
const SlackStateItem = z.object({
  channel: z.optional(z.string()),
  ts: z.optional(z.string()),
  renderedVersion: z.optional(z.number()),
  renderedAt: z.optional(z.string()),
  refreshAt: z.optional(z.string()),
  claimedAt: z.optional(z.string()),
});

/** How long a claim whose holder died before posting (Slack down, timeout) blocks others. */
const STALE_CLAIM_MS = 60_000;

/** Notify's Slack bookkeeping: where each message lives, what it last showed, and its once-only claims. */
export class SlackStateRepository {
  constructor(private readonly table: Table) {}

  /** The incident's message, or a mitigation request's message in its thread. */
  async getSlackState(incidentId: string, requestId?: string): Promise<Partial<SlackState> | undefined> {
    return this.table.get(keys.slackState(incidentId, requestId), SlackStateItem);
  }

  /**
   * Claims the right to create an incident's Slack message: only one notify invocation posts it.
   * Returns false when another invocation holds or completed the claim.
   */
  async claimSlackMessage(incidentId: string, now: string, requestId?: string): Promise<boolean> {
    const stale = new Date(Date.parse(now) - STALE_CLAIM_MS).toISOString();
    return this.table.conditional({
      update: {
        Key: keys.slackState(incidentId, requestId),
        UpdateExpression: 'SET #type = :type, claimedAt = :now',
        ConditionExpression: 'attribute_not_exists(#pk) OR (attribute_not_exists(#ts) AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#ts': 'ts', '#type': 'type' },
        ExpressionAttributeValues: { ':type': 'slack', ':now': now, ':stale': stale },
      },
    });
  }

  /** Records what was rendered; never moves backwards to an older version (false then). */
  async saveSlackState(incidentId: string, state: Partial<SlackState>, requestId?: string): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(state).map(([name, value], index) => {
      names[`#a${index}`] = name;
      values[`:v${index}`] = value;
      return `#a${index} = :v${index}`;
    });
    const guard =
      state.renderedVersion === undefined ? undefined : 'attribute_not_exists(renderedVersion) OR renderedVersion <= :rendered';
    if (guard) values[':rendered'] = state.renderedVersion;
    return this.table.conditional({
      update: {
        Key: keys.slackState(incidentId, requestId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ...(guard ? { ConditionExpression: guard } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
  }

  /** Gives a claim back (the work it guarded failed), so a retry can claim it again. */
  async releaseOnce(incidentId: string, claim: string): Promise<void> {
    await this.table.delete(keys.once(incidentId, claim));
  }

  /**
   * True the first time a key is claimed for an incident, false ever after (within `ttlDays`):
   * notify's thread replies go out once even when EventBridge delivers an event twice.
   */
  async claimOnce(incidentId: string, claim: string, now: string, ttlDays = 7): Promise<boolean> {
    return this.claimKey(keys.once(incidentId, claim), now, ttlDays);
  }

  /** The same for an announcement that belongs to no incident (a #deployments notice). */
  async claimAnnouncement(claim: string, now: string, ttlDays = 7): Promise<boolean> {
    return this.claimKey(keys.announcement(claim), now, ttlDays);
  }

  async releaseAnnouncement(claim: string): Promise<void> {
    await this.table.delete(keys.announcement(claim));
  }

  private claimKey(key: ReturnType<typeof keys.once>, now: string, ttlDays: number): Promise<boolean> {
    return this.table.conditional({
      put: {
        Item: { ...key, type: 'once', at: now, [TABLE.ttlAttribute]: Math.floor(Date.parse(now) / 1000) + ttlDays * 86_400 },
        ...IS_NEW,
      },
    });
  }

  /**
   * Claims the update of an incident's message: moves `renderedAt` to `now` if it still holds the
   * value read, so of the concurrent notify instances that found the message due, one updates it.
   */
  async claimUpdate(incidentId: string, renderedAt: string | undefined, now: string): Promise<boolean> {
    return this.table.conditional({
      update: {
        Key: keys.slackState(incidentId),
        UpdateExpression: 'SET renderedAt = :now',
        ConditionExpression: renderedAt === undefined ? 'attribute_not_exists(renderedAt)' : 'renderedAt = :read',
        ExpressionAttributeValues: { ':now': now, ...(renderedAt === undefined ? {} : { ':read': renderedAt }) },
      },
    });
  }

  /** Claims the one refresh of an incident's message for a coalescing window; false if already claimed. */
  async claimRefresh(incidentId: string, refreshAt: string, now: string): Promise<boolean> {
    return this.table.conditional({
      update: {
        Key: keys.slackState(incidentId),
        UpdateExpression: 'SET refreshAt = :at',
        ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(refreshAt) OR refreshAt <= :now)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        ExpressionAttributeValues: { ':at': refreshAt, ':now': now },
      },
    });
  }
}
