import { capAuditData, chainEntry, type AuditEntry, GENESIS_HASH, sha256 } from '../audit/chain.ts';
import { CAPS, capList, type ListCap } from '../caps.ts';
import type { Classification } from '../signals/classify.ts';
import type { Category, Severity } from '../config.ts';
import type { Signal } from '../signals/signal.ts';
import { incidentIdFromDigest } from '../ids.ts';
import { remember, remembersSignal } from './signal-digests.ts';
export { RECENT_SIGNALS, remembersSignal } from './signal-digests.ts';

export type IncidentStatus = 'open' | 'acknowledged' | 'mitigating' | 'resolved' | 'closed';
export const ACTIVE_STATUSES: readonly IncidentStatus[] = ['open', 'acknowledged', 'mitigating'];
export const INCIDENT_STATUSES: readonly IncidentStatus[] = [...ACTIVE_STATUSES, 'resolved', 'closed'];

export interface Incident {
  readonly id: string;
  readonly status: IncidentStatus;
  readonly severity: Severity;
  readonly category: Category;
  readonly title: string;
  readonly description?: string;
  readonly url?: string;
  readonly fingerprint: string;
  readonly source: string;
  readonly kind: string;
  readonly subject: string;
  readonly account: string;
  readonly region: string;
  readonly channel: string;
  readonly rule: string | null;
  readonly mitigations: readonly string[];
  /** The first resources its signals named, within `CAPS.incidentResources`. */
  readonly resources: readonly string[];
  /** At least this many more resources were named than `resources` keeps; absent when none were left out. */
  readonly resourcesOmitted?: number;
  /** Resources whose latest signal is firing, within `CAPS.firingResources`; the incident resolves when the last one recovers. */
  readonly firingResources: readonly string[];
  /** More resources fired than are stored (or a signal named more than it kept): only a person can tell when all are clear. */
  readonly firingOverflow: boolean;
  readonly signalCount: number;
  readonly reopenCount: number;
  /** As reported by the sources. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly lastFiringAt: string;
  /** As decided by Firebreak's clock. */
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly resolvedAt?: string;
  readonly acknowledgedBy?: string;
  readonly resolvedBy?: string;
  /** Optimistic-concurrency version: every state change is conditional on it. */
  readonly version: number;
  readonly auditSeq: number;
  readonly auditHead: string;
  /**
   * Digests of the signals recorded on it (`RECENT_SIGNALS`): the opening signal's, kept for good (a new
   * incident writes no processed-event marker: its redelivery is found here), then the latest ones; a
   * redelivery racing its first delivery is found here.
   */
  readonly recentSignals?: readonly string[];
}

export type IncidentChange = 'opened' | 'signal' | 'severity_raised' | 'resolved' | 'reopened';

/** What one signal does to the store. Pure data; the adapter turns it into one transaction. */
export type IngestDecision =
  | { readonly outcome: 'suppressed'; readonly reason: string }
  | {
      readonly outcome: 'duplicate';
      readonly reason: string;
      readonly incidentId: string;
      /** The first digest the incident remembers (its opening signal's), never dropped: no marker needed. */
      readonly keptForGood?: true;
    }
  | { readonly outcome: 'ignored'; readonly reason: string; readonly incidentId?: string }
  | {
      readonly outcome: 'opened' | 'updated' | 'resolved' | 'reopened';
      readonly incident: Incident;
      /** The version the stored incident must still have; 0 for a new incident. */
      readonly expectedVersion: number;
      readonly changes: readonly IncidentChange[];
      readonly audit: readonly AuditEntry[];
      /**
       * A repeat that changes nothing but the count and the times, inside `REPEAT_AUDIT_INTERVAL_MS` of the
       * incident's last audited change: one conditional update, no audit entry, nothing announced.
       */
      readonly coalesced?: true;
      /** The incident the fingerprint pointed at before this new one took it over. */
      readonly replaces?: string;
      /** A resolved incident past its reopen window, closed as this signal's new incident replaces it. */
      readonly closes?: { readonly incident: Incident; readonly expectedVersion: number; readonly audit: readonly AuditEntry[] };
    };

export interface DecideInput {
  /** The incident the fingerprint points to, if any. */
  readonly current: Incident | undefined;
  readonly signal: Signal;
  readonly classification: Classification;
  /** Identifies this delivery (its digest is remembered on the incident). */
  readonly signalKey: string;
  readonly eventId: string;
  readonly now: string;
  readonly reopenWindowMinutes: number;
}

const SEVERITY_RANK: Record<Severity, number> = { SEV1: 1, SEV2: 2, SEV3: 3, SEV4: 4 };
export const worseSeverity = (a: Severity, b: Severity): Severity => (SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b);

export const INGEST_ACTOR = 'system:ingest';

/**
 * A repeat that changes nothing but the count is audited and announced at most once per this
 * interval after the incident's last audited change (`updatedAt`); the others coalesce into it.
 */
export const REPEAT_AUDIT_INTERVAL_MS = 60_000;

export interface AuditDraft {
  readonly action: string;
  readonly data: Record<string, unknown>;
}

/** Decides what a classified signal does to the incident its fingerprint points at. */
export function decideIngest(input: DecideInput): IngestDecision {
  const { current, signal, classification, now } = input;
  if (classification.suppressed) return { outcome: 'suppressed', reason: `suppressed by rule "${classification.rule}"` };

  const remembered = current && remembersSignal(current, input.signalKey);
  if (remembered)
    return {
      outcome: 'duplicate',
      reason: 'event already recorded on the incident',
      incidentId: current.id,
      ...(remembered === 'opening' ? { keptForGood: true as const } : {}),
    };

  if (!current) {
    if (signal.state === 'recovered')
      return { outcome: 'ignored', reason: 'recovery signal with no incident open for its fingerprint' };
    return openIncident(input);
  }

  if (current.status === 'resolved' || current.status === 'closed') {
    if (signal.state === 'recovered')
      return { outcome: 'ignored', reason: `incident ${current.id} is already ${current.status}`, incidentId: current.id };
    const resolvedFor = Date.parse(now) - Date.parse(current.resolvedAt ?? current.updatedAt);
    if (current.status === 'resolved' && resolvedFor <= input.reopenWindowMinutes * 60_000) return reopen(input, current);
    return openIncident(input, current);
  }

  if (signal.state === 'recovered') {
    // EventBridge does not keep order: a recovery older than the latest firing signal is stale.
    if (signal.observedAt < current.lastFiringAt) {
      return {
        outcome: 'ignored',
        reason: `recovery observed at ${signal.observedAt} is older than the latest firing signal`,
        incidentId: current.id,
      };
    }
    const recovered = new Set(signalResources(signal));
    const stillFiring = current.firingResources.filter((r) => !recovered.has(r));
    const mayResolve = stillFiring.length === 0 && !current.firingOverflow;
    return mayResolve ? resolve(input, current) : update(input, current, { firingResources: stillFiring }, ['signal']);
  }

  const severity = worseSeverity(current.severity, classification.severity);
  const changes: IncidentChange[] = severity !== current.severity ? ['signal', 'severity_raised'] : ['signal'];
  if (isPlainRepeat(input, current, severity)) return coalescedRepeat(input, current);
  return update(
    input,
    current,
    { severity, ...firing(current, signal), lastFiringAt: maxIso(current.lastFiringAt, signal.observedAt) },
    changes,
  );
}

/**
 * Short, readable and derived from the fingerprint (and the incident it replaces, if any): every
 * delivery that would open an incident for a fingerprint computes the same id, so the incident's own
 * conditional put is the fingerprint's claim — two racing openers cannot both succeed, and a retried
 * delivery is refused — with no lock item beside it.
 */
export function incidentIdFor(fingerprint: string, replaces?: string): string {
  return incidentIdFromDigest(sha256(replaces ? `${fingerprint}\n${replaces}` : fingerprint));
}

function openIncident(input: DecideInput, replaces?: Incident): IngestDecision {
  const { signal, classification, now } = input;
  const id = incidentIdFor(classification.fingerprint, replaces?.id);
  const base: Incident = {
    id,
    status: 'open',
    severity: classification.severity,
    category: classification.category,
    title: signal.title,
    ...(signal.description ? { description: signal.description } : {}),
    ...(signal.url ? { url: signal.url } : {}),
    fingerprint: classification.fingerprint,
    source: signal.source,
    kind: signal.kind,
    subject: signal.subject,
    account: signal.account,
    region: signal.region,
    channel: classification.channel,
    rule: classification.rule,
    mitigations: classification.mitigations,
    ...storedResources(undefined, signal),
    ...firing(undefined, signal),
    signalCount: 1,
    reopenCount: 0,
    firstSeen: signal.observedAt,
    lastSeen: signal.observedAt,
    lastFiringAt: signal.observedAt,
    openedAt: now,
    updatedAt: now,
    version: 1,
    auditSeq: 0,
    auditHead: GENESIS_HASH,
    recentSignals: remember(undefined, input.signalKey),
  };
  const { incident, audit } = appendAudit(base, now, [
    {
      action: 'incident.opened',
      data: {
        severity: classification.severity,
        category: classification.category,
        rule: classification.rule,
        fingerprint: classification.fingerprint,
        channel: classification.channel,
        mitigations: classification.mitigations,
        ...(replaces ? { replaces: replaces.id } : {}),
        // The opening signal rides in the opening entry: one audit item per new incident, not two.
        signal: signalAudit(input).data,
      },
    },
  ]);
  const decision = {
    outcome: 'opened' as const,
    incident,
    expectedVersion: 0,
    changes: ['opened'] as IncidentChange[],
    audit,
    ...(replaces ? { replaces: replaces.id } : {}),
  };
  if (!replaces || replaces.status === 'closed') return decision;
  const closed = appendAudit({ ...replaces, status: 'closed', updatedAt: now, version: replaces.version + 1 }, now, [
    { action: 'incident.closed', data: { reason: 'new signal after the reopen window', successor: id } },
  ]);
  return { ...decision, closes: { incident: closed.incident, expectedVersion: replaces.version, audit: closed.audit } };
}

/** A firing repeat that would change no state worth an audit entry, inside the audit interval. */
function isPlainRepeat(input: DecideInput, current: Incident, severity: Severity): boolean {
  if (severity !== current.severity) return false;
  if (Date.parse(input.now) - Date.parse(current.updatedAt) >= REPEAT_AUDIT_INTERVAL_MS) return false;
  const after = { ...storedResources(current, input.signal), ...firing(current, input.signal) };
  return (
    after.resources.length === current.resources.length &&
    after.resourcesOmitted === current.resourcesOmitted &&
    after.firingResources.length === current.firingResources.length &&
    after.firingOverflow === current.firingOverflow
  );
}

/** Count, times and the signal's digest only; `updatedAt` stays the time of the last audited change. */
function coalescedRepeat(input: DecideInput, current: Incident): IngestDecision {
  const { signal } = input;
  const incident: Incident = {
    ...current,
    signalCount: current.signalCount + 1,
    lastSeen: maxIso(current.lastSeen, signal.observedAt),
    lastFiringAt: maxIso(current.lastFiringAt, signal.observedAt),
    recentSignals: remember(current, input.signalKey),
    version: current.version + 1,
  };
  return { outcome: 'updated', incident, expectedVersion: current.version, changes: ['signal'], audit: [], coalesced: true };
}

function update(input: DecideInput, current: Incident, patch: Partial<Incident>, changes: IncidentChange[]): IngestDecision {
  const { signal, now } = input;
  const next: Incident = {
    ...current,
    ...patch,
    ...storedResources(current, signal),
    signalCount: current.signalCount + 1,
    lastSeen: maxIso(current.lastSeen, signal.observedAt),
    updatedAt: now,
    recentSignals: remember(current, input.signalKey),
    version: current.version + 1,
  };
  const entries = [signalAudit(input, current.signalCount + 1)];
  if (changes.includes('severity_raised'))
    entries.push({ action: 'incident.severity_raised', data: { from: current.severity, to: next.severity } });
  const { incident, audit } = appendAudit(next, now, entries);
  return { outcome: 'updated', incident, expectedVersion: current.version, changes, audit };
}

function resolve(input: DecideInput, current: Incident): IngestDecision {
  const { now } = input;
  const decision = update(input, current, { status: 'resolved', firingResources: [], firingOverflow: false, resolvedAt: now }, [
    'signal',
    'resolved',
  ]);
  if (decision.outcome !== 'updated') return decision;
  const { incident, audit } = appendAudit(decision.incident, now, [
    { action: 'incident.resolved', data: { reason: 'all firing resources recovered' } },
  ]);
  return { ...decision, outcome: 'resolved', incident, audit: [...decision.audit, ...audit] };
}

function reopen(input: DecideInput, current: Incident): IngestDecision {
  const { signal, now } = input;
  const { resolvedAt: _resolvedAt, resolvedBy: _resolvedBy, acknowledgedBy: _acknowledgedBy, ...rest } = current;
  const severity = worseSeverity(current.severity, input.classification.severity);
  const decision = update(
    input,
    rest as Incident,
    {
      status: 'open',
      severity,
      reopenCount: current.reopenCount + 1,
      ...firing(undefined, signal),
      lastFiringAt: maxIso(current.lastFiringAt, signal.observedAt),
    },
    ['signal', 'reopened'],
  );
  if (decision.outcome !== 'updated') return decision;
  const { incident, audit } = appendAudit(decision.incident, now, [
    { action: 'incident.reopened', data: { resolvedAt: current.resolvedAt, reopenCount: current.reopenCount + 1 } },
  ]);
  return { ...decision, outcome: 'reopened', incident, audit: [...decision.audit, ...audit] };
}

/** `signalCount`: the count after this signal, so two audited signals tell how many coalesced between them. */
function signalAudit(input: DecideInput, signalCount = 1): { action: string; data: Record<string, unknown> } {
  const { signal } = input;
  const { kept, omitted } = capList(signal.resources, CAPS.auditResources);
  const resourcesOmitted = omitted + (signal.resourcesOmitted ?? 0);
  return {
    action: 'signal.recorded',
    data: {
      eventId: input.eventId,
      source: signal.source,
      kind: signal.kind,
      state: signal.state,
      severityHint: signal.severityHint,
      title: signal.title,
      observedAt: signal.observedAt,
      signalCount,
      resources: kept,
      ...(resourcesOmitted ? { resourcesOmitted } : {}),
    },
  };
}

/** Appends entries (their data capped: see `capAuditData`) to an incident's audit chain; the caller writes both in one transaction. */
export function appendAudit(
  incident: Incident,
  at: string,
  entries: ReadonlyArray<AuditDraft>,
  actor = INGEST_ACTOR,
): { incident: Incident; audit: AuditEntry[] } {
  let seq = incident.auditSeq;
  let prevHash = incident.auditHead;
  const audit = entries.map(({ action, data }) => {
    const entry = chainEntry({ incidentId: incident.id, seq: ++seq, at, actor, action, data: capAuditData(data), prevHash });
    prevHash = entry.hash;
    return entry;
  });
  return { incident: { ...incident, auditSeq: seq, auditHead: prevHash }, audit };
}

/** A signal with no resources still names its subject, so recovery can match it. */
const signalResources = (signal: Signal): string[] => (signal.resources.length ? [...signal.resources] : [signal.subject]);

/** The stored resources after a signal: the union, first come first kept, within the cap. */
function storedResources(current: Incident | undefined, signal: Signal): Pick<Incident, 'resources' | 'resourcesOmitted'> {
  const { kept, omitted } = capUnion(current?.resources ?? [], signalResources(signal), CAPS.incidentResources);
  // A lower bound: distinct resources cannot be counted across signals without storing them.
  const resourcesOmitted = Math.max(current?.resourcesOmitted ?? 0, omitted + (signal.resourcesOmitted ?? 0));
  return { resources: kept, ...(resourcesOmitted ? { resourcesOmitted } : {}) };
}

function firing(current: Incident | undefined, signal: Signal): Pick<Incident, 'firingResources' | 'firingOverflow'> {
  const { kept, omitted } = capUnion(current?.firingResources ?? [], signalResources(signal), CAPS.firingResources);
  return {
    firingResources: kept,
    firingOverflow: (current?.firingOverflow ?? false) || omitted > 0 || (signal.resourcesOmitted ?? 0) > 0,
  };
}

const capUnion = (a: readonly string[], b: readonly string[], cap: ListCap) => capList([...new Set([...a, ...b])], cap);
const maxIso = (a: string, b: string) => (a >= b ? a : b);
