import {
  channelInvitees,
  incidentChannelName,
  incidentChannelSummary,
  inviteProblemsText,
  NUMBERED_NAME_ATTEMPTS,
  wantsIncidentChannel,
  type IncidentChannelRecord,
} from '../core/incidents/incident-channel.ts';
import type { IncidentChannelsConfig } from '../core/incidents/incident-channel-config.ts';
import { ACTIVE_STATUSES, type Incident } from '../core/incidents/incident.ts';
import type { RosterMember } from '../core/approval/roster.ts';
import type { IncidentChannelsPort, SlackConversationsPort } from './ports/incident-channels.ts';
import type { SlackStatePort } from './ports/notify.ts';
import type { OutgoingMessage, SlackChannelPort } from './ports/slack.ts';

export interface IncidentChannelDependencies {
  readonly config: IncidentChannelsConfig;
  readonly channels: IncidentChannelsPort;
  readonly conversations: SlackConversationsPort;
}

/** What the incident channel steps borrow from notify. */
export interface IncidentChannelContext {
  readonly incidentChannels?: IncidentChannelDependencies;
  readonly slack: SlackChannelPort;
  readonly slackState: SlackStatePort;
  readonly roster: () => Promise<readonly RosterMember[]>;
  readonly now: () => Date;
}

/** notify's bookkeeping keys (`SLACK#CHANNEL`, `SLACK#SUMMARY`): the incident's message in its channel, the summary line. */
const IN_CHANNEL = 'CHANNEL';
const SUMMARY = 'SUMMARY';

const isActive = (incident: Pick<Incident, 'status'>) => ACTIVE_STATUSES.includes(incident.status);

/**
 * Before notify renders an incident: when it should run in its own channel, make sure it does. The
 * channel is created (once: a claim), the roster members invited (idempotent), the incident's message
 * posted there (claimed like every message) and the thread moved; the category channel keeps one
 * line (the incident's earlier message when it was escalated, else a new one). A reopened incident whose
 * channel was archived returns to the category channel. Returns the thread to post in instead of the
 * incident's message when its channel is archived. Every step is recorded before the next, so a
 * crash in between resumes where it stopped on the retry.
 */
export async function runInIncidentChannel(
  incident: Incident,
  ctx: IncidentChannelContext,
  render: (incident: Incident) => Promise<OutgoingMessage>,
): Promise<{ channel: string; ts: string } | undefined> {
  const deps = ctx.incidentChannels;
  if (!deps) return;
  let record = await deps.channels.getChannel(incident.id);
  if (record?.state === 'archived' && isActive(incident)) return returnToCategoryChannel(incident, record, ctx);
  if (record?.state === 'archived') {
    // Nothing can be posted in an archived channel: what comes later (a postmortem) goes under the summary line.
    const summary = await ctx.slackState.getSlackState(incident.id, SUMMARY);
    return summary?.channel && summary.ts ? { channel: summary.channel, ts: summary.ts } : undefined;
  }
  if (!record && !wantsIncidentChannel(incident, deps.config)) return;
  if (!record || record.state === 'creating') record = await createChannel(incident, deps, ctx.now().toISOString());
  if (record.state !== 'open' || !record.channel) return undefined;
  if (!record.invited) {
    const invitees = channelInvitees(incident.category, deps.config, await ctx.roster());
    const { failed } = await deps.conversations.invite(record.channel, invitees);
    await deps.channels.saveChannel(incident.id, 'open', { invited: true, inviteProblems: failed });
  }
  await moveThread(incident, record.channel, ctx, render);
  return undefined;
}

/** Creates the channel under its claim, trying the next name after `name_taken`; Slack's refusal is recorded as `failed`. */
async function createChannel(incident: Incident, deps: IncidentChannelDependencies, now: string): Promise<IncidentChannelRecord> {
  if (!(await deps.channels.claimCreation(incident.id, now))) {
    const current = await deps.channels.getChannel(incident.id);
    if (!current || current.state === 'creating') throw new Error(`the channel of ${incident.id} is being created; retry`);
    return current;
  }
  let error = 'name_taken';
  for (let attempt = 1; attempt <= NUMBERED_NAME_ATTEMPTS + 1 && error === 'name_taken'; attempt++) {
    const name = incidentChannelName(incident, attempt);
    const created = await deps.conversations.create(name);
    if (created.ok) {
      await deps.channels.saveChannel(incident.id, 'creating', { state: 'open', channel: created.channel, name });
      return { state: 'open', claimedAt: now, channel: created.channel, name };
    }
    error = created.error;
  }
  await deps.channels.saveChannel(incident.id, 'creating', { state: 'failed', error });
  return { state: 'failed', claimedAt: now, error };
}

async function moveThread(
  incident: Incident,
  channel: string,
  ctx: IncidentChannelContext,
  render: (incident: Incident) => Promise<OutgoingMessage>,
): Promise<void> {
  const { slack, slackState } = ctx;
  const now = ctx.now().toISOString();
  const main = await slackState.getSlackState(incident.id);
  if (main?.channel === channel) return;
  let moved = await slackState.getSlackState(incident.id, IN_CHANNEL);
  if (!moved?.ts || !moved.channel) {
    if (!(await slackState.claimSlackMessage(incident.id, now, IN_CHANNEL)))
      throw new Error(`the message of ${incident.id} in its channel is being posted; retry`);
    moved = await slack.post(channel, await render(incident));
    await slackState.saveSlackState(incident.id, { channel: moved.channel, ts: moved.ts }, IN_CHANNEL);
  }
  const summary = await slackState.getSlackState(incident.id, SUMMARY);
  if (!summary?.ts && main?.ts && main.channel) {
    // Escalated into a channel: its message in the category channel becomes the summary line (updated after rendering).
    await slackState.saveSlackState(incident.id, { channel: main.channel, ts: main.ts, renderedVersion: 0 }, SUMMARY);
    if (await slackState.claimOnce(incident.id, 'channel#moved', now))
      await slack.post(main.channel, { text: `This incident now runs in <#${channel}>.` }, { threadTs: main.ts });
  } else if (!summary?.ts) {
    if (!(await slackState.claimSlackMessage(incident.id, now, SUMMARY)))
      throw new Error(`the summary of ${incident.id} is being posted; retry`);
    const posted = await slack.post(incident.channel, incidentChannelSummary(incident, { id: channel, archived: false }));
    await slackState.saveSlackState(incident.id, { ...posted, renderedVersion: incident.version, renderedAt: now }, SUMMARY);
  }
  const saved = await slackState.saveSlackState(incident.id, {
    channel: moved.channel,
    ts: moved.ts,
    renderedVersion: incident.version,
    renderedAt: now,
  });
  if (!saved) throw new Error(`the message of ${incident.id} changed while moving to its channel; retry`);
}

/** Reopened after its channel was archived (a bot cannot unarchive): the summary line becomes its message again. */
async function returnToCategoryChannel(
  incident: Incident,
  record: IncidentChannelRecord,
  ctx: IncidentChannelContext,
): Promise<undefined> {
  const summary = await ctx.slackState.getSlackState(incident.id, SUMMARY);
  if (!summary?.ts || !summary.channel) return;
  await ctx.slackState.saveSlackState(incident.id, { channel: summary.channel, ts: summary.ts });
  await ctx.incidentChannels!.channels.saveChannel(incident.id, 'archived', { state: 'returned' });
  if (await ctx.slackState.claimOnce(incident.id, 'channel#returned', ctx.now().toISOString()))
    await ctx.slack.post(
      summary.channel,
      { text: `Reopened: <#${record.channel ?? ''}> is archived, so this incident continues in this thread.` },
      { threadTs: summary.ts },
    );
}

/**
 * After notify rendered an incident and posted its thread replies (so the resolution is told before the
 * channel closes): says in its thread what went wrong (the channel could not be
 * created, people could not be invited), archives the channel once the incident is resolved or closed,
 * and keeps the summary line in the category channel up to date.
 */
export async function followIncidentChannel(incident: Incident, ctx: IncidentChannelContext): Promise<void> {
  const deps = ctx.incidentChannels;
  if (!deps) return;
  let record = await deps.channels.getChannel(incident.id);
  if (!record) return;
  const now = ctx.now().toISOString();
  const main = await ctx.slackState.getSlackState(incident.id);
  const say = async (claim: string, text: string, where = main) => {
    if (where?.ts && where.channel && (await ctx.slackState.claimOnce(incident.id, claim, now)))
      await ctx.slack.post(where.channel, { text }, { threadTs: where.ts });
  };
  if (record.state === 'failed')
    return say(
      'channel#failed',
      `:warning: Could not create this incident's own channel (${record.error ?? 'unknown'}): it runs in this thread.`,
    );
  if (record.state !== 'open' && record.state !== 'archived') return;
  if (record.inviteProblems?.length) await say('channel#invites', inviteProblemsText(record.inviteProblems));
  const summary = await ctx.slackState.getSlackState(incident.id, SUMMARY);
  let archivedNow = false;
  if (record.state === 'open' && !isActive(incident) && record.channel) {
    await say('channel#archiving', `This incident is ${incident.status}: archiving this channel.`);
    const archived = await deps.conversations.archive(record.channel);
    if (!archived.ok)
      await say('channel#archive-failed', `:warning: Could not archive <#${record.channel}> (${archived.error}).`, summary);
    await deps.channels.saveChannel(incident.id, 'open', {
      state: 'archived',
      ...(archived.ok ? {} : { error: archived.error }),
    });
    record = { ...record, state: 'archived' };
    archivedNow = true;
  }
  if (!summary?.ts || !summary.channel || !record.channel) return;
  if (!archivedNow && (summary.renderedVersion ?? 0) >= incident.version) return;
  const line = incidentChannelSummary(incident, { id: record.channel, archived: record.state === 'archived' });
  await ctx.slack.update(summary.channel, summary.ts, line);
  await ctx.slackState.saveSlackState(incident.id, { renderedVersion: incident.version, renderedAt: now }, SUMMARY);
}

/**
 * Notify's Slack with incident channels on: a message left in an archived channel (a mitigation request
 * that expires after its incident resolved) can no longer change, so its update is skipped instead of
 * failing the delivery for good; what is posted about it goes under the summary line (runInIncidentChannel).
 */
export function skippingArchivedUpdates(slack: SlackChannelPort): SlackChannelPort {
  return {
    post: (channel, message, options) => slack.post(channel, message, options),
    update: async (channel, ts, message) => {
      try {
        return await slack.update(channel, ts, message);
      } catch (error) {
        // Slack's refusal as its Web API client reports it: `{ data: { error: 'is_archived' } }`.
        if ((error as { data?: { error?: unknown } } | undefined)?.data?.error === 'is_archived') return { channel, ts };
        throw error;
      }
    },
  };
}
