/** What the ingest decision tests share (incident-*.test.ts): deciding one signal against an incident, and sample signals. */
import { expect } from 'vitest';
import { type AuditEntry } from '../../../functions/core/audit/chain.ts';
import { createClassifier, type Classification } from '../../../functions/core/signals/classify.ts';
import { decideIngest, type Incident, type IngestDecision } from '../../../functions/core/incidents/incident.ts';
import { signalKeyFor } from '../../../functions/core/incidents/signal-keys.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import type { EventEnvelope, Signal } from '../../../functions/core/signals/signal.ts';
import { exampleConfig, fixture, withNewId } from '../../support.ts';

export const classify = createClassifier(exampleConfig());
export const WINDOW = 60;

export type Applied = Extract<IngestDecision, { incident: Incident }>;

/** Asserts the decision changes an incident and narrows it. */
export function applied(decision: IngestDecision): Applied {
  if (!('incident' in decision)) throw new Error(`expected an incident change, got ${decision.outcome}: ${decision.reason}`);
  return decision;
}

let delivery = 0;
/** One decision for a signal, with the classification the example config gives it unless one is passed. */
export function decide(
  current: Incident | undefined,
  signal: Signal,
  now: string,
  classification: Classification = classify(signal),
  reopenWindowMinutes = WINDOW,
) {
  const eventId = `evt-${++delivery}`;
  return decideIngest({
    current,
    signal,
    classification,
    signalKey: signalKeyFor(eventId, signal, 0),
    eventId,
    now,
    reopenWindowMinutes,
  });
}

/** Replays decisions the way the store would apply them, keeping every audit entry written per incident. */
export class Timeline {
  current: Incident | undefined;
  readonly audit = new Map<string, AuditEntry[]>();

  apply(decision: IngestDecision): IngestDecision {
    if (!('incident' in decision)) return decision;
    if (this.current && decision.outcome !== 'opened') expect(decision.expectedVersion).toBe(this.current.version);
    if (decision.closes) this.log(decision.closes.incident.id, decision.closes.audit);
    this.log(decision.incident.id, decision.audit);
    this.current = decision.incident;
    return decision;
  }

  step(signal: Signal, now: string, classification?: Classification): IngestDecision {
    return this.apply(decide(this.current, signal, now, classification));
  }

  chain(id: string): AuditEntry[] {
    return this.audit.get(id) ?? [];
  }

  private log(id: string, entries: readonly AuditEntry[]) {
    this.audit.set(id, [...this.chain(id), ...entries]);
  }
}

export const signalFrom = (event: EventEnvelope): Signal => normalizeEvent(event).signals[0]!;
export const cpuAlarm = () => signalFrom(fixture('cloudwatch-alarm-state-change-alarm.json'));
export const cpuOk = () => signalFrom(fixture('cloudwatch-alarm-state-change-ok-derived.json'));
export const later = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/** The Inspector ACTIVE sample re-targeted at one instance, with a status and time of its own. */
export function inspector(instanceId: string, status: 'ACTIVE' | 'CLOSED', time: string): Signal {
  const event = withNewId(fixture('inspector2-finding-ec2-package-vulnerability-active.json'));
  const detail = event.detail as { status: string; resources: Array<{ id: string }> };
  detail.status = status;
  detail.resources[0]!.id = instanceId;
  return signalFrom({ ...event, time, resources: [instanceId] });
}
