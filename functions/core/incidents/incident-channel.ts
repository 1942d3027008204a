/**
 * Incident channels: which incidents get their own Slack channel, its name, who is invited, and the
 * one-line summary left in the category channel. Pure: no I/O, time comes from the incident.
 */
import type { RosterMember } from '../approval/roster.ts';
import type { Category, Severity } from '../config.ts';
import { escapeSlackText, mention, truncate } from '../slack/text.ts';
import type { IncidentChannelsConfig } from './incident-channel-config.ts';
import { ACTIVE_STATUSES, type Incident } from './incident.ts';

/** Slack's longest channel name. */
export const MAX_CHANNEL_NAME = 80;
/** Names tried with a numeric suffix after `name_taken`, before the incident id is used as the suffix. */
export const NUMBERED_NAME_ATTEMPTS = 5;

/**
 * An incident's channel as stored. `creating` is a claim; `open` the channel runs the thread; `failed` creation failed (the thread stays in
 * the category channel); `archived` the incident ended; `returned` it reopened and runs in the category channel again.
 */
export interface IncidentChannelRecord {
  readonly state: 'creating' | 'open' | 'failed' | 'archived' | 'returned';
  readonly claimedAt: string;
  readonly channel?: string;
  readonly name?: string;
  /** Slack's error code when creation failed. */
  readonly error?: string;
  readonly invited?: boolean;
  readonly inviteProblems?: readonly { user: string; error: string }[];
}

const RANK: Record<Severity, number> = { SEV1: 1, SEV2: 2, SEV3: 3, SEV4: 4 };

/** Whether an active incident (at this severity) should run in its own channel. */
export function wantsIncidentChannel(
  incident: Pick<Incident, 'severity' | 'status'>,
  config: Pick<IncidentChannelsConfig, 'enabled' | 'minSeverity'>,
): boolean {
  return config.enabled && ACTIVE_STATUSES.includes(incident.status) && RANK[incident.severity] <= RANK[config.minSeverity];
}

/**
 * The slug of a title under Slack's channel-name rules: lower case, only `a-z`, `0-9`, `-` and `_`.
 * Accents are dropped, every other run of characters (spaces, `<!channel>`'s brackets, emoji) is one `-`.
 */
export function channelSlug(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}

/**
 * `inc-<yyyymmdd>-<slug>` (the UTC day the incident opened), at most 80 characters. Attempt 1 is the
 * plain name; after `name_taken`, attempts 2..5 add `-2`..`-5`, and later ones the incident's id.
 */
export function incidentChannelName(incident: Pick<Incident, 'id' | 'title' | 'openedAt'>, attempt = 1): string {
  const day = incident.openedAt.slice(0, 10).replace(/-/g, '');
  const suffix = attempt <= 1 ? '' : attempt <= NUMBERED_NAME_ATTEMPTS ? `-${attempt}` : `-${incident.id.toLowerCase()}`;
  const base = `inc-${day}-${channelSlug(incident.title) || incident.id.toLowerCase()}`;
  return base.slice(0, MAX_CHANNEL_NAME - suffix.length).replace(/[-_]+$/, '') + suffix;
}

/** The roster members to invite for a category: its own list or `default`, roles expanded, each once, roster only. */
export function channelInvitees(
  category: Category,
  config: Pick<IncidentChannelsConfig, 'invite'>,
  roster: readonly Pick<RosterMember, 'slackUserId' | 'role'>[],
): string[] {
  const listed = config.invite[category] ?? config.invite.default ?? [];
  const ids = roster.filter((m) => listed.includes(m.role) || listed.includes(m.slackUserId)).map((m) => m.slackUserId);
  return [...new Set(ids)];
}

/** The one line kept in the category channel: the incident, its state and where it runs. */
export function incidentChannelSummary(
  incident: Pick<Incident, 'id' | 'severity' | 'category' | 'status' | 'title'>,
  channel: { id: string; archived: boolean },
): { text: string; blocks: object[] } {
  const icon = ACTIVE_STATUSES.includes(incident.status) ? ':rotating_light:' : ':white_check_mark:';
  const where = channel.archived ? `ran in <#${channel.id}> (archived)` : `runs in <#${channel.id}>`;
  const text = `${icon} *${incident.id}* ${incident.severity} ${incident.category} · ${incident.status} · ${where} · ${escapeSlackText(truncate(incident.title, 150))}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }] };
}

/** Why an invitation failed, in words, for the thread. Errors are Slack's own codes (a bounded vocabulary). */
export function inviteProblemsText(problems: readonly { user: string; error: string }[]): string {
  return `:warning: Could not invite ${problems.map((p) => `${mention(p.user)} (${p.error.replace(/[^a-z_]/g, '')})`).join(', ')} to this channel.`;
}
