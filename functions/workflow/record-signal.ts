import { changeRecordOf } from '../core/signals/change-record.ts';
import { createClassifier, type Classification } from '../core/signals/classify.ts';
import type { FirebreakConfig } from '../core/config.ts';
import { decideIngest, type IncidentChange } from '../core/incidents/incident.ts';
import { signalKeysFor } from '../core/incidents/signal-keys.ts';
import { incidentEvent } from '../core/events/incident-events.ts';
import { normalizeEnvelope } from '../core/signals/normalize-signals.ts';
import type { EventEnvelope, Signal } from '../core/signals/signal.ts';
import type { ProcessedEvent } from '../core/persistence.ts';
import type { IngestIncidentsPort } from './ports/record-signal.ts';
import { attachPipelineChange, type PipelineChangeDependencies } from './attach-pipeline-change.ts';
import { countSigninFailure, type SigninBurstDependencies } from './signin-bursts.ts';
import type { DeploymentChangesPort, PipelineDeploymentsPort } from './ports/attach-pipeline-change.ts';
import type { SigninFailuresPort } from './ports/signin-bursts.ts';

export interface IngestDependencies {
  readonly incidents: IngestIncidentsPort;
  readonly classify: (signal: Signal) => Classification;
  readonly now: () => Date;
  readonly reopenWindowMinutes: number;
  readonly eventRetentionDays: number;
  readonly customSources: readonly string[];
  /** Deployment pipelines (`watch.pipelines`): their changes during a deployment are attached to it. */
  readonly pipelineChanges?: PipelineChangeDependencies;
  /** Failed console sign-ins counted across instances (`watch.signinFailures`): only a burst opens an incident. */
  readonly signinBursts?: SigninBurstDependencies;
}

/** Ingest's dependencies: the configuration's parts it reads, and the repositories its ports name. */
export function ingestDependencies(
  config: FirebreakConfig,
  repositories: {
    readonly incidents: IngestIncidentsPort;
    readonly signinFailures: SigninFailuresPort;
    readonly deployments: PipelineDeploymentsPort;
    readonly deploymentChanges: DeploymentChangesPort;
  },
  now: () => Date,
): IngestDependencies {
  return {
    incidents: repositories.incidents,
    classify: createClassifier(config),
    now,
    reopenWindowMinutes: config.dedup.reopenWindowMinutes,
    eventRetentionDays: config.eventRetentionDays,
    customSources: config.sources.custom,
    signinBursts: { config: config.watch.signinFailures, failures: repositories.signinFailures },
    ...(config.watch.pipelines.length
      ? {
          pipelineChanges: {
            pipelines: config.watch.pipelines,
            deployments: repositories.deployments,
            changes: repositories.deploymentChanges,
          },
        }
      : {}),
  };
}

export type SignalOutcome = {
  readonly signal: Signal;
  readonly classification: Classification;
  readonly outcome:
    'opened' | 'updated' | 'resolved' | 'reopened' | 'duplicate' | 'ignored' | 'suppressed' | 'attached' | 'counted';
  readonly incidentId?: string;
  /** The deployment a pipeline's change was attached to (outcome `attached`, or `duplicate` of one). */
  readonly deploymentId?: string;
  readonly changes?: readonly IncidentChange[];
  readonly reason?: string;
  /** Transactions that lost a race and were retried. */
  readonly retries: number;
};

/** Concurrent signals for one fingerprint race on the incident's version; the loser re-reads and retries. */
const MAX_ATTEMPTS = 40;

/**
 * Records one validated EventBridge event: each of its signals is classified, deduplicated against
 * the incident its fingerprint points at, and committed in one transaction with the event announcing it.
 */
export async function ingestEnvelope(envelope: EventEnvelope, deps: IngestDependencies): Promise<SignalOutcome[]> {
  const signals = normalizeEnvelope(envelope, { customSources: deps.customSources });
  const keys = signalKeysFor(envelope.id, envelope, signals.length);
  const outcomes: SignalOutcome[] = [];
  for (const [index, signal] of signals.entries()) {
    outcomes.push(await ingestSignal(envelope, signal, keys[index]!, deps));
  }
  return outcomes;
}

async function ingestSignal(
  envelope: EventEnvelope,
  signal: Signal,
  signalKey: string,
  deps: IngestDependencies,
): Promise<SignalOutcome> {
  if (deps.pipelineChanges) {
    const now = deps.now();
    const expiresAt = Math.floor(now.getTime() / 1000) + deps.eventRetentionDays * 86_400;
    const result = await attachPipelineChange(signal, signalKey, deps.pipelineChanges, { now, expiresAt });
    if (result.kind !== 'classify') {
      return {
        signal,
        classification: deps.classify(signal),
        outcome: result.kind,
        deploymentId: result.deploymentId,
        reason: `${result.kind === 'duplicate' ? 'already ' : ''}attached to deployment ${result.deploymentId} of ${result.service} (${result.pipeline})`,
        retries: 0,
      };
    }
    signal = result.signal;
  }
  if (deps.signinBursts && signal.source.startsWith('aws.') && signal.attributes.watch === 'signin.failed') {
    const burst = await countSigninFailure(signal, signalKey, deps.signinBursts, deps.now());
    if (burst.kind === 'counted') {
      const { threshold, windowMinutes } = deps.signinBursts.config;
      return {
        signal,
        classification: deps.classify(signal),
        outcome: 'counted',
        reason: `failed sign-in counted, below the burst threshold (${burst.counts.ip} from its source IP, ${burst.counts.user} for its user name; ${threshold} within ${windowMinutes} minutes pages)`,
        retries: 0,
      };
    }
    signal = burst.signal;
  }
  return recordSignal(signal, deps.classify(signal), { eventId: envelope.id, signalKey }, deps);
}

/**
 * Deduplicates a classified signal against the incident its fingerprint points at and commits it
 * in one transaction with its announcement (published by the stream relay). Used by ingest, and by the deployments function for the
 * incident a failed deployment opens.
 */
export async function recordSignal(
  signal: Signal,
  classification: Classification,
  ids: { eventId: string; signalKey: string },
  deps: Omit<IngestDependencies, 'classify' | 'customSources'>,
): Promise<SignalOutcome> {
  const { eventId, signalKey } = ids;
  // A redelivery (EventBridge retries seconds to hours later) is found by eventually consistent reads
  // of its marker and of the fingerprint's first incident (which remembers its opening signal for
  // good) and writes nothing: 0 write units, 1 read unit, instead of a cancelled transaction. One
  // arriving before the reads can see it is still refused by the commit's conditions, so
  // exactly-once does not rest on these reads.
  const fingerprint = classification.suppressed ? undefined : classification.fingerprint;
  const earlier = await deps.incidents.findEarlierDelivery(signalKey, fingerprint);
  if (earlier.processed) return duplicateOf(signal, classification, earlier.processed, 0);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.now();
    // A firing signal may trust the eventual read's "no incident yet" once: opening is a conditional
    // put, refused if it was stale. A recovery may not (it would be ignored), nor may a retry.
    const trustAbsent = attempt === 0 && earlier.firstIncidentAbsent && signal.state === 'firing';
    const current =
      fingerprint === undefined
        ? undefined
        : await deps.incidents.findByFingerprint(fingerprint, trustAbsent ? { firstIncidentAbsent: true } : undefined);
    const decision = decideIngest({
      current,
      signal,
      classification,
      signalKey,
      eventId,
      now: now.toISOString(),
      reopenWindowMinutes: deps.reopenWindowMinutes,
    });
    const markerExpiresAt = Math.floor(now.getTime() / 1000) + deps.eventRetentionDays * 86_400;
    if (decision.outcome === 'duplicate') {
      // Recorded on the incident (a redelivery racing the first, or one whose first delivery crashed before its
      // marker); an opening signal's digest stays on its incident for good, so it needs no marker.
      if (!decision.keptForGood) await deps.incidents.markProcessed(signalKey, decision.incidentId, markerExpiresAt);
      return duplicateOf(signal, classification, { incidentId: decision.incidentId, outcome: 'updated' }, attempt);
    }
    if (decision.outcome === 'suppressed' || decision.outcome === 'ignored') {
      return {
        signal,
        classification,
        outcome: decision.outcome,
        reason: decision.reason,
        retries: attempt,
        ...(decision.outcome === 'ignored' && decision.incidentId ? { incidentId: decision.incidentId } : {}),
      };
    }
    // A coalesced repeat announces nothing: the next audited change (at most a minute later) carries its count.
    const events = decision.coalesced ? [] : [incidentEvent(decision.outcome, decision.incident, decision.changes)];
    const result = await deps.incidents.commit(
      decision,
      signalKey,
      markerExpiresAt,
      events,
      changeRecordOf(signal, { incidentId: decision.incident.id }),
    );
    if (result.committed) {
      return {
        signal,
        classification,
        outcome: decision.outcome,
        incidentId: decision.incident.id,
        changes: decision.changes,
        retries: attempt,
      };
    }
    if (result.reason === 'duplicate') return redelivered(signal, classification, signalKey, deps, attempt);
    await backoff(attempt);
  }
  throw new Error(
    `gave up after ${MAX_ATTEMPTS} conflicting attempts on fingerprint ${classification.fingerprint}; the delivery will be retried`,
  );
}

/**
 * A redelivered event changes nothing and announces nothing: its first delivery committed the
 * announcement with the change, and the stream relay publishes it whatever happened after the commit.
 */
async function redelivered(
  signal: Signal,
  classification: Classification,
  signalKey: string,
  deps: Pick<IngestDependencies, 'incidents'>,
  retries: number,
): Promise<SignalOutcome> {
  return duplicateOf(signal, classification, await deps.incidents.getProcessedEvent(signalKey), retries);
}

function duplicateOf(
  signal: Signal,
  classification: Classification,
  processed: ProcessedEvent | undefined,
  retries: number,
): SignalOutcome {
  return {
    signal,
    classification,
    outcome: 'duplicate',
    reason: 'event already processed',
    retries,
    ...(processed ? { incidentId: processed.incidentId } : {}),
  };
}

/** Full jitter, capped: spreads racing writers apart without long waits. */
function backoff(attempt: number): Promise<void> {
  const cap = Math.min(250, 5 * 2 ** Math.min(attempt, 6));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
}
