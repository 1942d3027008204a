import type { BusEvent } from '../../functions/core/events/contract.ts';
import type { AuditEntry } from '../../functions/core/audit/chain.ts';
import type { Incident, IncidentStatus } from '../../functions/core/incidents/incident.ts';
import { ACTIVE_STATUSES, incidentIdFor, remembersSignal } from '../../functions/core/incidents/incident.ts';
import type { MitigationRequest } from '../../functions/core/mitigations/mitigation.ts';
import type {
  CommitResult,
  CommittedDecision,
  ProcessedEvent,
  StoredHold,
  WorkflowChange,
} from '../../functions/core/persistence.ts';
import type { IngestIncidentsPort } from '../../functions/workflow/ports/record-signal.ts';
import type { SlackIncidentsPort } from '../../functions/slack/ports.ts';
import type {
  IncidentsPort,
  MitigationRequestsPort,
  ReleaseHoldsPort,
  RosterPort,
} from '../../functions/workflow/ports/repositories.ts';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The persistence ports in memory, with the same all-or-nothing conditions as the DynamoDB
 * repositories: use-case tests run on it, without a table.
 */
export class InMemoryStore {
  private readonly incidentItems = new Map<string, Incident>();
  private readonly locks = new Map<string, string>();
  private readonly processed = new Map<string, ProcessedEvent>();
  /** Audit chains by chain id (an incident id, `HOLD#<service>`). */
  private readonly chains = new Map<string, AuditEntry[]>();
  private readonly requests = new Map<string, MitigationRequest>();
  private readonly holdItems = new Map<string, StoredHold>();
  private readonly away = new Map<string, string>();
  /** The events committed with each change, in commit order (what the stream relay would publish). */
  readonly outbox: BusEvent[] = [];

  /** An incident's or a hold's chain, in order. */
  audit(chainId: string): AuditEntry[] {
    return copy(this.chains.get(chainId) ?? []);
  }

  readonly incidents: IngestIncidentsPort & IncidentsPort & SlackIncidentsPort = {
    getIncident: async (id) => copy(this.incidentItems.get(id)),
    findByFingerprint: async (fingerprint) => {
      const id = this.locks.get(fingerprint);
      return id === undefined ? undefined : copy(this.incidentItems.get(id));
    },
    getProcessedEvent: async (signalKey) => copy(this.processed.get(signalKey)),
    findEarlierDelivery: async (signalKey, fingerprint) => {
      const first = fingerprint === undefined ? undefined : this.incidentItems.get(incidentIdFor(fingerprint));
      const opening = first && remembersSignal(first, signalKey) === 'opening';
      const processed: ProcessedEvent | undefined =
        this.processed.get(signalKey) ?? (first && opening ? { incidentId: first.id, outcome: 'opened' } : undefined);
      return { ...(processed ? { processed: copy(processed) } : {}), firstIncidentAbsent: !first };
    },
    listIncidents: async (statuses: readonly IncidentStatus[] = ACTIVE_STATUSES, limit = 50) =>
      [...this.incidentItems.values()]
        .filter((incident) => statuses.includes(incident.status))
        .sort((a, b) => b.openedAt.localeCompare(a.openedAt))
        .slice(0, limit)
        .map(copy),
    markProcessed: async (signalKey, incidentId) => {
      this.processed.set(signalKey, { incidentId, outcome: 'updated' });
    },
    commit: async (decision, signalKey, _markerExpiresAt, events) => this.commit(decision, signalKey, events),
    commitChange: async (change) => this.commitChange(change),
  };

  readonly mitigations: MitigationRequestsPort = {
    getRequest: async (incidentId, requestId) => {
      const request = this.requests.get(requestId);
      return request?.incidentId === incidentId ? copy(request) : undefined;
    },
    findRequest: async (requestId) => copy(this.requests.get(requestId)),
    incidentOf: async (requestId) => this.requests.get(requestId)?.incidentId,
    listRequests: async (incidentId) =>
      [...this.requests.values()]
        .filter((r) => r.incidentId === incidentId)
        .sort((a, b) => a.id.localeCompare(b.id))
        .map(copy),
  };

  readonly holds: ReleaseHoldsPort = {
    getHold: async (service) => copy(this.holdItems.get(service)),
    saveHold: async (hold, previous, audit, events = []) => {
      const current = this.holdItems.get(hold.service);
      const matches = previous
        ? current?.revision === previous.revision && (current.auditSeq ?? 0) === (previous.auditSeq ?? 0)
        : current === undefined;
      if (!matches || !this.canAppend(audit)) return false;
      const head = audit.at(-1);
      this.holdItems.set(hold.service, {
        ...copy(hold),
        auditSeq: head?.seq ?? previous?.auditSeq ?? 0,
        ...(head ? { auditHead: head.hash } : previous?.auditHead ? { auditHead: previous.auditHead } : {}),
      });
      this.append(audit);
      this.outbox.push(...copy(events));
      return true;
    },
  };

  readonly roster: RosterPort = {
    getAwayTimes: async () => new Map(this.away),
    setAway: async (userId, until) => {
      if (until) this.away.set(userId, until);
      else this.away.delete(userId);
    },
  };

  private commit(decision: CommittedDecision, signalKey: string, events: readonly BusEvent[]): CommitResult {
    if (this.processed.has(signalKey)) return { committed: false, reason: 'duplicate' };
    const lockHolds =
      decision.outcome !== 'opened' ||
      (decision.replaces
        ? this.locks.get(decision.incident.fingerprint) === decision.replaces
        : !this.locks.has(decision.incident.fingerprint));
    const closes = decision.closes;
    const applies =
      lockHolds &&
      this.canWrite(decision.incident, decision.expectedVersion) &&
      this.canAppend(decision.audit) &&
      (!closes || (this.canWrite(closes.incident, closes.expectedVersion) && this.canAppend(closes.audit)));
    if (!applies) return { committed: false, reason: 'conflict' };
    this.processed.set(signalKey, { incidentId: decision.incident.id, outcome: decision.outcome });
    this.incidentItems.set(decision.incident.id, copy(decision.incident));
    this.append(decision.audit);
    if (decision.outcome === 'opened') this.locks.set(decision.incident.fingerprint, decision.incident.id);
    if (closes) {
      this.incidentItems.set(closes.incident.id, copy(closes.incident));
      this.append(closes.audit);
    }
    this.outbox.push(...copy(events));
    return { committed: true };
  }

  private commitChange(change: WorkflowChange): CommitResult {
    const created = change.createRequest;
    const updated = change.updateRequest;
    const applies =
      this.canWrite(change.incident, change.expectedIncidentVersion) &&
      this.canAppend(change.audit) &&
      (!created || !this.requests.has(created.id)) &&
      (!updated || this.requests.get(updated.request.id)?.version === updated.expectedVersion);
    if (!applies) return { committed: false, reason: 'conflict' };
    this.incidentItems.set(change.incident.id, copy(change.incident));
    this.append(change.audit);
    if (created) this.requests.set(created.id, copy(created));
    if (updated) this.requests.set(updated.request.id, copy(updated.request));
    this.outbox.push(...copy(change.events));
    return { committed: true };
  }

  /** A new incident (expected version 0) must not exist; a change must find the version it read. */
  private canWrite(incident: Incident, expectedVersion: number): boolean {
    const current = this.incidentItems.get(incident.id);
    return expectedVersion === 0 ? current === undefined : current?.version === expectedVersion;
  }

  /** Audit entries are never overwritten: none may take a place its chain already has. */
  private canAppend(entries: readonly AuditEntry[]): boolean {
    const keys = entries.map((entry) => `${entry.incidentId}#${entry.seq}`);
    const taken = (entry: AuditEntry) => (this.chains.get(entry.incidentId) ?? []).some((e) => e.seq === entry.seq);
    return new Set(keys).size === keys.length && !entries.some(taken);
  }

  private append(entries: readonly AuditEntry[]): void {
    for (const entry of entries) this.chains.set(entry.incidentId, [...(this.chains.get(entry.incidentId) ?? []), copy(entry)]);
  }
}
