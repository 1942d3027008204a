import { IncidentOpened } from '../core/events/incident-opened.ts';
import { IncidentRefresh } from '../core/events/incident-refresh.ts';
import { IncidentResolved } from '../core/events/incident-resolved.ts';
import { IncidentUpdated } from '../core/events/incident-updated.ts';
import { MitigationCancelFailed } from '../core/events/mitigation-cancel-failed.ts';
import { MitigationDecided } from '../core/events/mitigation-decided.ts';
import { MitigationEscalated } from '../core/events/mitigation-escalated.ts';
import { MitigationFailed } from '../core/events/mitigation-failed.ts';
import { MitigationProgress } from '../core/events/mitigation-progress.ts';
import { MitigationRequested } from '../core/events/mitigation-requested.ts';
import { MitigationSucceeded } from '../core/events/mitigation-succeeded.ts';
import { PostmortemRequested } from '../core/events/postmortem-requested.ts';
import { deliverPostmortem, type PostmortemDelivery } from './deliver-postmortem.ts';
import { announceInDeployments } from './notify-deployments.ts';
import { announceCancelFailure } from './notify-cancel.ts';
import { incidentEvent } from '../core/events/incident-events.ts';
import { ACTIVE_STATUSES, type Incident } from '../core/incidents/incident.ts';
import { updateSpacingMs } from '../core/slack/update-spacing.ts';
import {
  escalationMessage,
  expiryMessage,
  mitigationDecidedMessage,
  mitigationRequestMessage,
} from '../core/slack/mitigation-messages.ts';
import { incidentMessage, incidentThreadReply } from '../core/slack/incident-messages.ts';
import { recentDeployments } from '../core/deployments/what-changed.ts';
import { changeLines, recentChanges } from '../core/signals/change-record.ts';
import { whatChangedLines } from '../core/deployments/messages.ts';
import type { SlackChannelPort } from './ports/slack.ts';
import type { OneTimeScheduler } from './ports/bus.ts';
import type { Workflow } from './workflow.ts';
import type { SilencesPort } from './ports/silences.ts';
import { activeSilence } from './silences.ts';
import { followIncidentChannel, runInIncidentChannel, type IncidentChannelDependencies } from './incident-channel.ts';
import { escapeSlackText } from '../core/slack/text.ts';
import { progressLine, runSummary } from '../core/slack/run-summary.ts';
import type {
  NotifyDeploymentsPort,
  NotifyHoldsPort,
  NotifyIncidentsPort,
  NotifyMitigationsPort,
  SlackStatePort,
} from './ports/notify.ts';

export interface NotifyDependencies {
  readonly incidents: NotifyIncidentsPort;
  readonly mitigations: NotifyMitigationsPort;
  readonly holds: NotifyHoldsPort;
  readonly deployments: NotifyDeploymentsPort;
  readonly slackState: SlackStatePort;
  /** Silences: a silenced incident's changes are recorded but not announced. */
  readonly silences?: Pick<SilencesPort, 'listSilences'>;
  readonly slack: SlackChannelPort;
  readonly workflow: Workflow;
  readonly scheduler: OneTimeScheduler;
  readonly now: () => Date;
  /** Where deployment notices and release holds are announced. */
  readonly deploymentsChannel: string;
  /** Postmortem drafts: where they are read from, archived and shared; absent, a request dead-letters. */
  readonly postmortems?: PostmortemDelivery;
  /** Incident channels, when configured (`incidentChannels.enabled`). */
  readonly incidentChannels?: IncidentChannelDependencies;
  /** The shortest spacing of in-place updates of an incident's message (repeats coalesce); see updateSpacingMs. */
  readonly updateIntervalSeconds: number;
}

/** Changes worth a thread reply; repeats of a signal never are. */
const MEANINGFUL = ['severity_raised', 'resolved', 'reopened', 'acknowledged', 'severity_changed'] as const;
type Meaningful = (typeof MEANINGFUL)[number];

/** An announcement as notify receives it: routed by its detail-type, the detail parsed by its contract. */
export interface NotifyEvent {
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

export type NotifyOutcome = { readonly action: string; readonly incidentId: string; readonly requestId?: string };

/**
 * Renders the workflow into Slack: one message per incident, updated in place (at most once per
 * interval: a storm of repeats coalesces into a scheduled refresh), thread replies only for
 * meaningful changes, and one message per mitigation request in the incident's thread.
 */
export async function notify(event: NotifyEvent, deps: NotifyDependencies): Promise<NotifyOutcome> {
  const type = event['detail-type'];
  switch (type) {
    case IncidentOpened.detailType:
    case IncidentUpdated.detailType:
    case IncidentResolved.detailType:
    case IncidentRefresh.detailType: {
      const refresh = type === IncidentRefresh.detailType;
      const detail: { incidentId: string; version?: number; changes: string[]; actor?: string } = refresh
        ? { ...IncidentRefresh.parse(event.detail), changes: [] }
        : IncidentOpened.parse(event.detail);
      const incident = await deps.incidents.getIncident(detail.incidentId);
      if (!incident) throw new Error(`incident ${detail.incidentId} not found`);
      // Silenced: still recorded and counted (ingest did that), not announced; the next change after it ends is.
      if (deps.silences && (await activeSilence(incident, { silences: deps.silences, now: deps.now })))
        return { action: 'silenced', incidentId: incident.id };
      await runInIncidentChannel(incident, channelContext(deps), (i) => renderMessage(i, deps));
      const rendered = await renderIncident(incident, detail.changes, refresh, deps);
      const action = await watchCoalescedRepeats(incident, rendered, refresh || detail.changes.some(isSignalChange), deps);
      for (const change of detail.changes.filter((c): c is Meaningful => (MEANINGFUL as readonly string[]).includes(c))) {
        // Once per incident version and change, however often the event is delivered.
        if (
          await deps.slackState.claimOnce(
            incident.id,
            `reply#${detail.version ?? incident.version}#${change}`,
            deps.now().toISOString(),
          )
        )
          await threadReply(incident, change, detail.actor, deps);
      }
      await followIncidentChannel(incident, channelContext(deps));
      return { action, incidentId: incident.id };
    }
    case MitigationProgress.detailType:
    case MitigationSucceeded.detailType:
    case MitigationFailed.detailType: {
      const detail = (
        type === MitigationProgress.detailType
          ? MitigationProgress
          : type === MitigationSucceeded.detailType
            ? MitigationSucceeded
            : MitigationFailed
      ).parse(event.detail);
      const incident = await deps.incidents.getIncident(detail.incidentId);
      if (!incident) throw new Error(`incident ${detail.incidentId} not found`);
      const thread = await ensureIncidentMessage(incident, deps);
      const progress = await deps.mitigations.getProgress(incident.id, detail.requestId);
      const action = await renderRequest(incident, detail.requestId, thread, deps, progressLine(progress));
      const request = await deps.mitigations.getRequest(incident.id, detail.requestId);
      // The final summary, once, in the thread: the outcome and the failed instances.
      if (
        request &&
        ['succeeded', 'failed', 'cancelled'].includes(request.state) &&
        (await deps.slackState.claimOnce(incident.id, `summary#${request.id}`, deps.now().toISOString()))
      ) {
        await deps.slack.post(thread.channel, runSummary(request, progress), { threadTs: thread.ts });
      }
      return { action, incidentId: incident.id, requestId: detail.requestId };
    }
    case MitigationRequested.detailType:
    case MitigationDecided.detailType:
    case MitigationEscalated.detailType: {
      const escalated = type === MitigationEscalated.detailType ? MitigationEscalated.parse(event.detail) : undefined;
      const decided = type === MitigationDecided.detailType ? MitigationDecided.parse(event.detail) : undefined;
      const detail = escalated ?? decided ?? MitigationRequested.parse(event.detail);
      const incident = await deps.incidents.getIncident(detail.incidentId);
      if (!incident) throw new Error(`incident ${detail.incidentId} not found`);
      const thread = await ensureIncidentMessage(incident, deps);
      const action = await renderRequest(incident, detail.requestId, thread, deps);
      if (escalated) {
        const request = await deps.mitigations.getRequest(incident.id, detail.requestId);
        const { seniors } = await deps.workflow.roster();
        const once =
          request && (await deps.slackState.claimOnce(incident.id, `escalation#${request.id}`, deps.now().toISOString()));
        if (request && once)
          await deps.slack.post(thread.channel, escalationMessage(request, seniors, escalated.reason), {
            threadTs: thread.ts,
          });
      }
      if (decided?.outcome === 'expired') {
        // Whichever found it (the schedule or a late click), once: the request expired unapproved.
        const request = await deps.mitigations.getRequest(incident.id, detail.requestId);
        const once =
          request?.state === 'expired' &&
          (await deps.slackState.claimOnce(incident.id, `expiry#${request.id}`, deps.now().toISOString()));
        if (request && once) await deps.slack.post(thread.channel, expiryMessage(request), { threadTs: thread.ts });
      }
      return { action, incidentId: incident.id, requestId: detail.requestId };
    }
    case MitigationCancelFailed.detailType:
      return announceCancelFailure(MitigationCancelFailed.parse(event.detail), deps, (i) => ensureIncidentMessage(i, deps));
    case PostmortemRequested.detailType: {
      const request = PostmortemRequested.parse(event.detail);
      if (!deps.postmortems) throw new Error('notify has no postmortem delivery configured');
      const incident = await deps.incidents.getIncident(request.incidentId);
      if (!incident) throw new Error(`incident ${request.incidentId} not found`);
      const thread = await ensureIncidentMessage(incident, deps);
      // Once per request (the incident version that recorded it), however often the event is delivered.
      const claim = `postmortem#${request.version}`;
      if (!(await deps.slackState.claimOnce(incident.id, claim, deps.now().toISOString())))
        return { action: 'postmortem already delivered', incidentId: incident.id };
      try {
        await deliverPostmortem(request, thread, deps.postmortems, deps.now().toISOString());
      } catch (error) {
        // Slack or S3 failed: give the claim back so EventBridge's retry (then the DLQ) delivers it.
        await deps.slackState.releaseOnce(incident.id, claim);
        throw error;
      }
      return { action: 'postmortem delivered', incidentId: incident.id };
    }
    default: {
      // The #deployments announcements: release holds lifted, deploy freezes.
      const announced = await announceInDeployments(event, deps);
      if (announced) return announced;
      throw new Error(`notify does not handle "${type}"`);
    }
  }
}

async function renderIncident(
  incident: Incident,
  changes: readonly string[],
  refresh: boolean,
  deps: NotifyDependencies,
): Promise<string> {
  const now = deps.now();
  const state = await deps.slackState.getSlackState(incident.id);
  if (!state?.ts) {
    if (!(await deps.slackState.claimSlackMessage(incident.id, now.toISOString())))
      return scheduleRefresh(incident, now, deps, 'being posted by another delivery');
    await postIncident(incident, deps);
    return 'posted';
  }
  if (incident.version <= (state.renderedVersion ?? 0)) return 'up to date';
  const last = Date.parse(state.renderedAt ?? '1970-01-01T00:00:00Z');
  const due = last + updateSpacingMs(incident, deps.updateIntervalSeconds);
  const meaningful = changes.some((c) => (MEANINGFUL as readonly string[]).includes(c));
  // A refresh is due when it fires, unless another instance wrote the message less than the base interval ago.
  const notBefore = meaningful ? 0 : refresh ? last + deps.updateIntervalSeconds * 1000 : due;
  if (now.getTime() < notBefore) return scheduleRefresh(incident, new Date(due), deps, 'coalesced');
  // Concurrent notify instances: the one that moves renderedAt on from the value read updates; the others coalesce.
  if (!meaningful && !(await deps.slackState.claimUpdate(incident.id, state.renderedAt, now.toISOString())))
    return scheduleRefresh(incident, new Date(due), deps, 'updated by another delivery');
  await deps.slack.update(state.channel!, state.ts, await renderMessage(incident, deps));
  // The window starts when Slack took the update, after the wait for the channel's slot.
  await deps.slackState.saveSlackState(incident.id, { renderedVersion: incident.version, renderedAt: deps.now().toISOString() });
  return 'updated';
}

async function postIncident(incident: Incident, deps: NotifyDependencies): Promise<{ channel: string; ts: string }> {
  const posted = await deps.slack.post(incident.channel, await renderMessage(incident, deps));
  await deps.slackState.saveSlackState(incident.id, {
    channel: posted.channel,
    ts: posted.ts,
    renderedVersion: incident.version,
    renderedAt: deps.now().toISOString(),
  });
  return posted;
}

/** The incident's message is the thread every mitigation lives in: make sure it exists. */
async function ensureIncidentMessage(incident: Incident, deps: NotifyDependencies): Promise<{ channel: string; ts: string }> {
  const archived = await runInIncidentChannel(incident, channelContext(deps), (i) => renderMessage(i, deps));
  if (archived) return archived;
  const state = await deps.slackState.getSlackState(incident.id);
  if (state?.ts && state.channel) return { channel: state.channel, ts: state.ts };
  if (!(await deps.slackState.claimSlackMessage(incident.id, deps.now().toISOString()))) {
    // Another delivery is posting it right now; failing lets EventBridge retry this one shortly.
    throw new Error(`the message of ${incident.id} is being posted; retry`);
  }
  return postIncident(incident, deps);
}

const isSignalChange = (change: string) => change === 'opened' || change === 'signal';

/**
 * Repeats that change nothing but an incident's count coalesce in ingest without an announcement
 * (at most one per minute is announced): after rendering an active incident because of a signal (or
 * a refresh), one more refresh is scheduled for the next update slot, so the message reaches the
 * final count. A refresh that finds the message up to date schedules nothing, which ends the watch.
 */
async function watchCoalescedRepeats(incident: Incident, rendered: string, bySignal: boolean, deps: NotifyDependencies) {
  if (!bySignal || (rendered !== 'posted' && rendered !== 'updated')) return rendered;
  if (!(ACTIVE_STATUSES as readonly string[]).includes(incident.status)) return rendered;
  const next = new Date(deps.now().getTime() + updateSpacingMs(incident, deps.updateIntervalSeconds));
  return `${rendered}; ${await scheduleRefresh(incident, next, deps, 'watching for coalesced repeats')}`;
}

/** One refresh per coalescing window, whatever the number of updates that fall into it. */
async function scheduleRefresh(incident: Incident, at: Date, deps: NotifyDependencies, why: string): Promise<string> {
  const refreshAt = new Date(Math.max(at.getTime(), deps.now().getTime() + 1000)).toISOString();
  if (await deps.slackState.claimRefresh(incident.id, refreshAt, deps.now().toISOString())) {
    await deps.scheduler.schedule({
      name: `refresh-${incident.id}-${refreshAt.replace(/[^0-9]/g, '').slice(0, 14)}`,
      at: refreshAt,
      target: 'notify',
      event: IncidentRefresh.build({ incidentId: incident.id }),
    });
    return `refresh scheduled (${why})`;
  }
  return `refresh already scheduled (${why})`;
}

async function threadReply(
  incident: Incident,
  change: Meaningful,
  actor: string | undefined,
  deps: NotifyDependencies,
): Promise<void> {
  const state = await deps.slackState.getSlackState(incident.id);
  if (!state?.ts || !state.channel) return;
  await deps.slack.post(state.channel, incidentThreadReply(incidentEvent('updated', incident, [change]).detail, change, actor), {
    threadTs: state.ts,
  });
}

async function renderRequest(
  incident: Incident,
  requestId: string,
  thread: { channel: string; ts: string },
  deps: NotifyDependencies,
  progress?: string,
): Promise<string> {
  const request = await deps.mitigations.getRequest(incident.id, requestId);
  if (!request) throw new Error(`mitigation request ${requestId} not found`);
  const { cto, seniors } = await deps.workflow.roster();
  const now = deps.now().toISOString();
  const rendered =
    request.state === 'awaiting_approval'
      ? mitigationRequestMessage(request, { cto, seniors }, now)
      : mitigationDecidedMessage(request);
  const message = progress
    ? {
        ...rendered,
        blocks: [...rendered.blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: progress, verbatim: true }] }],
      }
    : rendered;
  const state = await deps.slackState.getSlackState(incident.id, requestId);
  if (!state?.ts) {
    if (!(await deps.slackState.claimSlackMessage(incident.id, now, requestId)))
      throw new Error(`the message of ${requestId} is being posted; retry`);
    const posted = await deps.slack.post(thread.channel, message, { threadTs: thread.ts });
    await deps.slackState.saveSlackState(
      incident.id,
      { channel: posted.channel, ts: posted.ts, renderedVersion: request.version, renderedAt: now },
      requestId,
    );
    return 'request posted';
  }
  if (request.version <= (state.renderedVersion ?? 0) && !progress) return 'request up to date';
  await deps.slack.update(state.channel!, state.ts, message);
  await deps.slackState.saveSlackState(incident.id, { renderedVersion: request.version, renderedAt: now }, requestId);
  return 'request updated';
}

/** "What changed?": deployments in the incident's account in the hour before it opened. */
async function whatChanged(incident: Incident, deps: NotifyDependencies): Promise<string[]> {
  const opened = Date.parse(incident.openedAt);
  const records = await deps.deployments.deploymentsBetween(
    incident.account,
    new Date(opened - 60 * 60_000).toISOString(),
    incident.openedAt,
  );
  const changes = await deps.incidents.changesBetween(
    incident.account,
    new Date(
      Date.parse(incident.firstSeen < incident.openedAt ? incident.firstSeen : incident.openedAt) - 60 * 60_000,
    ).toISOString(),
    incident.openedAt,
  );
  // Deployments first, then configuration and access changes (plain text from AWS: escaped for Slack).
  return [
    ...whatChangedLines(recentDeployments(records, incident)),
    ...changeLines(recentChanges(changes, incident)).map((line) => `:wrench: ${escapeSlackText(line)}`),
  ];
}

const renderMessage = async (incident: Incident, deps: NotifyDependencies) =>
  incidentMessage(renderable(incident), { whatChanged: await whatChanged(incident, deps) });
const channelContext = (deps: NotifyDependencies) => ({ ...deps, roster: async () => (await deps.workflow.roster()).members });

function renderable(incident: Incident) {
  const { detail } = incidentEvent('updated', incident, []);
  return {
    ...detail,
    ...(incident.description ? { description: incident.description } : {}),
    ...(incident.url ? { url: incident.url } : {}),
    ...(incident.acknowledgedBy ? { acknowledgedBy: incident.acknowledgedBy } : {}),
    ...(incident.resolvedBy ? { resolvedBy: incident.resolvedBy } : {}),
  };
}
