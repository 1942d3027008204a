import * as z from '../../core/zod.ts';
import { keys, parseItem, type Table } from './table.ts';

const RosterItem = z.object({ slackUserId: z.string(), awayUntil: z.optional(z.string()), changedAt: z.optional(z.string()) });

/** Roster members' availability as set from Slack (`ROSTER` / `USER#<id>`); roles come from the configuration. */
export class RosterRepository {
  constructor(private readonly table: Table) {}

  /** Members' away-until times. */
  async getAwayTimes(): Promise<Map<string, string>> {
    const items = await this.table.queryPrefix(keys.rosterPartition, 'USER#');
    const members = items.map((item) => parseItem(RosterItem, item));
    return new Map(members.flatMap((m) => (m.awayUntil === undefined ? [] : [[m.slackUserId, m.awayUntil] as const])));
  }

  /** Marks a member away until a time, or back (until = undefined). */
  async setAway(userId: string, until: string | undefined, now: string): Promise<void> {
    await this.table.put({
      ...keys.roster(userId),
      type: 'roster',
      slackUserId: userId,
      ...(until ? { awayUntil: until } : {}),
      changedAt: now,
    });
  }
}
