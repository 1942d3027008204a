import { appendToChain, releaseHoldChainId } from '../core/audit/chain.ts';
import { signalKeyFor } from '../core/incidents/signal-keys.ts';
import type { FirebreakConfig } from '../core/config.ts';
import { becameFailed, mergeDeployment } from '../core/deployments/merge-deployment.ts';
import { environmentResolver } from '../core/deployments/deployment-environments.ts';
import {
  failedDeploymentClassification,
  incidentForFailedDeployment,
  recoveryForDeployment,
} from '../core/deployments/release-incident.ts';
import { holdAfterFailure, type HoldState } from '../core/deployments/release-hold.ts';
import { normalizeDeployment } from '../core/deployments/normalize-deployment.ts';
import { type DeploymentRecord } from '../core/deployments/deployment-record.ts';
import { fingerprint, type Classification } from '../core/signals/classify.ts';
import { deploymentNotice, releaseHoldMessage } from '../core/deployments/messages.ts';
import type { EventEnvelope } from '../core/signals/signal.ts';
import type { BusEvent } from '../core/events/contract.ts';
import { WorkItemsDelivered } from '../core/events/work-items-delivered.ts';
import { workItemsOf } from '../core/tracker/work-items.ts';
import type { SlackChannelPort } from './ports/slack.ts';
import type { DeploymentsPort } from './ports/record-deployment.ts';
import type { IngestIncidentsPort } from './ports/record-signal.ts';
import type { ReleaseHoldsPort } from './ports/repositories.ts';
import { recordSignal, type IngestDependencies } from './record-signal.ts';
import type { Workflow } from './workflow.ts';

export interface DeploymentDependencies {
  readonly incidents: IngestIncidentsPort;
  readonly holds: ReleaseHoldsPort;
  readonly deployments: DeploymentsPort;
  readonly slack: SlackChannelPort;
  readonly workflow: Pick<Workflow, 'roster'>;
  readonly config: FirebreakConfig;
  readonly now: () => Date;
}

export interface DeploymentOutcome {
  readonly deploymentId: string;
  readonly service: string;
  readonly status: DeploymentRecord['status'];
  readonly change: 'created' | 'updated' | 'unchanged';
  readonly incidentId?: string;
  readonly held?: boolean;
}

const MAX_ATTEMPTS = 10;

/**
 * Records one deployment event: merged into the execution's record (duplicates change nothing),
 * announced in the deployments channel (one notice per execution, updated in place), and for a
 * failure: a release incident through the ingest path and a release hold on the service.
 */
export async function recordDeployment(envelope: EventEnvelope, deps: DeploymentDependencies): Promise<DeploymentOutcome> {
  const { config, deployments, holds } = deps;
  const incoming = normalizeDeployment(envelope, { environmentOf: environmentResolver(config.deployments) });
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.now().toISOString();
    const existing = await deployments.getDeployment(incoming.service, incoming.id);
    // The notice's Slack coordinates are bookkeeping: not part of the merge, but kept on every save.
    const { slackChannel, slackTs, ...stored } = existing ?? ({} as { slackChannel?: string; slackTs?: string });
    const merged = mergeDeployment(existing ? (stored as DeploymentRecord) : undefined, incoming, now);
    if (merged.change === 'unchanged') {
      // A redelivery after a failed post still gets its notice out.
      if (existing && !existing.slackTs) {
        const current = await holds.getHold(existing.service);
        const ours = current?.deploymentId === existing.id ? current : undefined;
        await announce(existing, deps, ours, ours?.incidentId);
        if (ours?.held) {
          const { cto, seniors } = await deps.workflow.roster();
          await deps.slack.post(
            config.slack.channels.deployments,
            releaseHoldMessage(ours, { cto, seniors }, deps.now().toISOString()),
          );
        }
      }
      return { deploymentId: incoming.id, service: incoming.service, status: merged.record.status, change: 'unchanged' };
    }
    if (
      !(await deployments.saveDeployment(
        { ...merged.record, ...(slackChannel && slackTs ? { slackChannel, slackTs } : {}) } as DeploymentRecord,
        existing?.updatedAt,
        workItemEvents(merged, config),
      ))
    )
      continue;
    const record = merged.record;
    let incidentId: string | undefined;
    let hold: HoldState | undefined;
    if (becameFailed(merged)) {
      incidentId = await openReleaseIncident(envelope, record, deps);
      hold = await placeHold(record, incidentId, deps);
    } else {
      await resolveReleaseIncident(envelope, record, deps);
    }
    await announce(
      { ...record, ...(existing?.slackTs ? { slackTs: existing.slackTs, slackChannel: existing.slackChannel! } : {}) },
      deps,
      hold,
      incidentId,
    );
    if (hold?.held && hold.deploymentId === record.id) {
      const { cto, seniors } = await deps.workflow.roster();
      await deps.slack.post(
        config.slack.channels.deployments,
        releaseHoldMessage(hold, { cto, seniors }, deps.now().toISOString()),
      );
    }
    return {
      deploymentId: record.id,
      service: record.service,
      status: record.status,
      change: merged.change,
      ...(incidentId ? { incidentId } : {}),
      ...(hold ? { held: hold.held } : {}),
    };
  }
  throw new Error(`deployment ${incoming.id} kept changing under concurrent deliveries; it will be retried`);
}

/** One notice per execution in the deployments channel: posted once, then updated in place. */
async function announce(
  record: DeploymentRecord & { slackChannel?: string; slackTs?: string },
  deps: DeploymentDependencies,
  hold?: HoldState,
  incidentId?: string,
): Promise<void> {
  const message = deploymentNotice(record, { ...(hold ? { hold } : {}), ...(incidentId ? { incidentId } : {}) });
  if (record.slackTs && record.slackChannel) {
    await deps.slack.update(record.slackChannel, record.slackTs, message);
    return;
  }
  const posted = await deps.slack.post(deps.config.slack.channels.deployments, message);
  await deps.deployments.setDeploymentMessage(record.service, record.id, posted.channel, posted.ts);
}

async function openReleaseIncident(
  envelope: EventEnvelope,
  record: DeploymentRecord,
  deps: DeploymentDependencies,
): Promise<string | undefined> {
  const incident = incidentForFailedDeployment(record, deps.config.deployments);
  if (!incident) return undefined;
  // The rollback, where the catalog has one for this kind of release, is proposed like any mitigation.
  const rollbacks = deps.config.mitigations.filter((m) => m.id === `rollback-${record.service}`).map((m) => m.id);
  const classification = failedDeploymentClassification(incident, deps.config, rollbacks);
  const outcome = await recordSignal(
    incident.signal,
    classification,
    { eventId: envelope.id, signalKey: signalKeyFor(envelope.id, envelope, 0) },
    ingestDependencies(deps),
  );
  return outcome.incidentId;
}

/** A later successful deployment of the service resolves its open release incident. */
async function resolveReleaseIncident(
  envelope: EventEnvelope,
  record: DeploymentRecord,
  deps: DeploymentDependencies,
): Promise<void> {
  const recovery = recoveryForDeployment(record, deps.config.deployments);
  if (!recovery) return;
  // Only the fingerprint matters for a recovery: it finds the open release incident, if any.
  const classification: Classification = {
    rule: 'deployment succeeded',
    suppressed: false,
    severity: 'SEV4',
    category: 'release',
    channel: deps.config.slack.channels.release ?? deps.config.slack.channels.default,
    mitigations: [],
    fingerprint: fingerprint(recovery, deps.config.dedup.fingerprint),
  };
  // The recovery clears what the open release incident is firing on (the failed deployments' resources).
  const open = await deps.incidents.findByFingerprint(classification.fingerprint);
  if (!open || open.status === 'resolved' || open.status === 'closed') return;
  await recordSignal(
    { ...recovery, resources: open.firingResources },
    classification,
    { eventId: envelope.id, signalKey: signalKeyFor(envelope.id, envelope, 0) },
    ingestDependencies(deps),
  );
}

async function placeHold(
  record: DeploymentRecord,
  incidentId: string | undefined,
  deps: DeploymentDependencies,
): Promise<HoldState | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.now().toISOString();
    const existing = await deps.holds.getHold(record.service);
    const hold = holdAfterFailure(record, now, {
      ...(existing ? { existing } : {}),
      seniorQuorum: deps.config.policy.seniorQuorum.high,
      ...(deps.config.deployments.holdEnvironments ? { holdEnvironments: deps.config.deployments.holdEnvironments } : {}),
      ...(incidentId ? { incidentId } : {}),
    });
    if (!hold || hold === existing) return hold;
    const data = {
      deploymentId: record.id,
      environment: record.environment,
      version: record.version,
      ...(incidentId ? { incidentId } : {}),
    };
    const audit = appendToChain(
      releaseHoldChainId(hold.service),
      existing,
      [{ action: 'release.held', data }],
      'system:deployments',
      now,
    );
    if (await deps.holds.saveHold(hold, existing, audit)) return hold;
  }
  throw new Error(`the release hold on ${record.service} kept changing; the delivery will be retried`);
}

/**
 * A deployment that just succeeded in a tracked environment announces the work items it delivered
 * (with its record, through the outbox), so the tracker step closes them without holding up the notice.
 */
function workItemEvents(merged: ReturnType<typeof mergeDeployment>, config: FirebreakConfig): BusEvent[] {
  const { record } = merged;
  const { tracker } = config;
  if (merged.change === 'unchanged' || record.status !== 'succeeded' || merged.previousStatus === 'succeeded') return [];
  if ((!tracker.github && !tracker.jira) || !tracker.environments.includes(record.environment)) return [];
  const items = workItemsOf(
    {
      service: record.service,
      messages: [record.commitMessage, record.commit].filter((m): m is string => !!m),
      explicit: record.workItems ?? [],
    },
    tracker,
  );
  if (items.length === 0) return [];
  return [WorkItemsDelivered.build({ service: record.service, deploymentId: record.id, workItems: items.map((i) => i.ref) })];
}

function ingestDependencies(deps: DeploymentDependencies): Omit<IngestDependencies, 'classify' | 'customSources'> {
  return {
    incidents: deps.incidents,
    now: deps.now,
    reopenWindowMinutes: deps.config.dedup.reopenWindowMinutes,
    eventRetentionDays: deps.config.eventRetentionDays,
  };
}
