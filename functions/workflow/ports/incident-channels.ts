import type { IncidentChannelRecord } from '../../core/incidents/incident-channel.ts';

/** What incident channels need: the record of each incident's channel, and Slack's conversations. */
export interface IncidentChannelsPort {
  getChannel(incidentId: string): Promise<IncidentChannelRecord | undefined>;
  claimCreation(incidentId: string, now: string): Promise<boolean>;
  saveChannel(
    incidentId: string,
    from: IncidentChannelRecord['state'],
    next: Partial<Omit<IncidentChannelRecord, 'claimedAt'>>,
  ): Promise<boolean>;
}

/** Slack's answer when it refused (`{ ok: false, error }`); transport failures throw instead, so the delivery is retried. */
export type SlackRefusal = { readonly ok: false; readonly error: string };

export interface SlackConversationsPort {
  /** conversations.create (public). */
  create(name: string): Promise<{ readonly ok: true; readonly channel: string } | SlackRefusal>;
  /** conversations.invite with `force`: the valid users are invited; each refused one comes back with Slack's error. */
  invite(channel: string, users: readonly string[]): Promise<{ readonly failed: readonly { user: string; error: string }[] }>;
  /** conversations.archive; `already_archived` counts as done. */
  archive(channel: string): Promise<{ readonly ok: true } | SlackRefusal>;
}
