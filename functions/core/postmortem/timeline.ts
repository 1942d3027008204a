/**
 * An incident's story told from its audit trail: the milestones (first signal, detected,
 * acknowledged, escalated, each approval and refusal, mitigation started and finished, resolved)
 * with who and when, and the response times measured between them. Pure: the postmortem, the drill
 * report and `firebreak stats` all read incidents through this one function.
 */
import type { AuditEntry } from '../audit/chain.ts';
import type { Incident } from '../incidents/incident.ts';

export type MilestoneKind =
  | 'first_signal'
  | 'detected'
  | 'acknowledged'
  | 'severity'
  | 'requested'
  | 'escalated'
  | 'approval'
  | 'refused'
  | 'rejected'
  | 'expired'
  | 'mitigation_started'
  | 'mitigation_finished'
  | 'cancel'
  | 'resolved'
  | 'reopened'
  | 'closed';

export interface Milestone {
  readonly kind: MilestoneKind;
  readonly at: string;
  /** Who acted, as recorded: `slack:U123`, `system:ingest`, `policy`... */
  readonly actor: string;
  /** What happened, in plain words (untrusted pieces are left for each renderer to escape). */
  readonly what: string;
  readonly requestId?: string;
  /** For a finished mitigation: did it work. */
  readonly outcome?: 'succeeded' | 'failed' | 'cancelled';
  /** For a refusal: the policy's reason (`cto_available`, `self_approval`...). */
  readonly refusal?: string;
  /** An approval that counts towards a quorum but does not yet let the mitigation run. */
  readonly partial?: true;
}

/** The response times of one incident, in milliseconds; absent when the milestone never happened. */
export interface ResponseTimes {
  /** First signal (source time) to detected (Firebreak opened it). */
  readonly toDetect?: number;
  /** Detected to acknowledged. */
  readonly toAcknowledge?: number;
  /** Detected to the first approval that let a mitigation run (a person's or the policy's). */
  readonly toFirstApproval?: number;
  /** Detected to the first mitigation started. */
  readonly toMitigate?: number;
  /** Detected to resolved (the first resolution). */
  readonly toResolve?: number;
}

export interface IncidentTimeline {
  readonly incidentId: string;
  readonly milestones: readonly Milestone[];
  readonly times: ResponseTimes;
  readonly escalations: number;
  /** Refused attempts (approvals, rejections, cancels, silences), by the policy's reason. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly mitigations: { readonly succeeded: number; readonly failed: number; readonly cancelled: number };
  readonly signals: number;
}

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;

/** The milestones of one incident's audit trail, in order, with the response times between them. */
export function incidentTimeline(incident: Incident, audit: readonly AuditEntry[]): IncidentTimeline {
  const milestones: Milestone[] = [];
  const refusals: Record<string, number> = {};
  const mitigations = { succeeded: 0, failed: 0, cancelled: 0 };
  let escalations = 0;
  let signals = 0;
  // The opening signal is recorded inside `incident.opened` (`data.signal`); older chains have a `signal.recorded` entry.
  const opening = audit.find((e) => e.action === 'incident.opened')?.data.signal as { observedAt?: unknown } | undefined;
  const firstSignalAt = opening?.observedAt ?? audit.find((e) => e.action === 'signal.recorded')?.data.observedAt;
  const firstSeen = typeof firstSignalAt === 'string' && firstSignalAt < incident.firstSeen ? firstSignalAt : incident.firstSeen;
  milestones.push({ kind: 'first_signal', at: firstSeen, actor: incident.source, what: `first signal from ${incident.source}` });
  for (const entry of audit) {
    const milestone = milestoneOf(entry);
    if (entry.action === 'signal.recorded') signals++;
    if (!milestone) continue;
    if (milestone.kind === 'escalated') escalations++;
    if (milestone.refusal) refusals[milestone.refusal] = (refusals[milestone.refusal] ?? 0) + 1;
    if (milestone.outcome) mitigations[milestone.outcome]++;
    milestones.push(milestone);
  }
  milestones.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const detected = milestones.find((m) => m.kind === 'detected')?.at ?? incident.openedAt;
  const after = (kind: MilestoneKind, from: string) => {
    const at = milestones.find((m) => m.kind === kind && !m.partial)?.at;
    return at === undefined ? undefined : Math.max(0, Date.parse(at) - Date.parse(from));
  };
  const times: ResponseTimes = {
    ...defined('toDetect', Math.max(0, Date.parse(detected) - Date.parse(firstSeen))),
    ...defined('toAcknowledge', after('acknowledged', detected)),
    ...defined('toFirstApproval', after('approval', detected)),
    ...defined('toMitigate', after('mitigation_started', detected)),
    ...defined('toResolve', after('resolved', detected)),
  };
  // Repeats coalesce (only audited signals have an entry): the incident's own count is the whole.
  return {
    incidentId: incident.id,
    milestones,
    times,
    escalations,
    refusals,
    mitigations,
    signals: Math.max(signals, incident.signalCount),
  };
}

function milestoneOf(entry: AuditEntry): Milestone | undefined {
  const { at, actor, data } = entry;
  const requestId = typeof data.requestId === 'string' ? data.requestId : undefined;
  const base = { at, actor, ...(requestId ? { requestId } : {}) };
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  switch (entry.action) {
    case 'incident.opened':
      return { ...base, kind: 'detected', what: `detected: ${text('severity') ?? ''} ${text('category') ?? ''}`.trim() };
    case 'incident.acknowledged':
      return { ...base, kind: 'acknowledged', what: 'acknowledged' };
    case 'incident.severity_raised':
    case 'incident.severity_changed':
      return { ...base, kind: 'severity', what: `severity ${text('from') ?? '?'} → ${text('to') ?? '?'}` };
    case 'mitigation.requested':
      return { ...base, kind: 'requested', what: `${requestId} requested (${text('catalogId') ?? 'mitigation'})` };
    case 'mitigation.plan_changed':
      return { ...base, kind: 'requested', what: `${requestId} plan changed: earlier approvals no longer count` };
    case 'mitigation.escalated':
      return {
        ...base,
        kind: 'escalated',
        what: `${requestId} escalated to senior engineers (${text('reason') === 'cto_away' ? 'the CTO is away' : 'the CTO was silent'})`,
      };
    case 'mitigation.approval_recorded':
      return { ...base, kind: 'approval', partial: true, what: `${requestId}: one senior approval recorded (more are needed)` };
    case 'mitigation.approved':
      return {
        ...base,
        kind: 'approval',
        what: `${requestId} approved${text('by') === 'policy' ? ' by policy (pre-approved)' : ''}`,
      };
    case 'mitigation.approve_refused':
    case 'mitigation.reject_refused': {
      const refusal = text('refusal') ?? 'unknown';
      const attempt = entry.action === 'mitigation.approve_refused' ? 'approval' : 'rejection';
      return { ...base, kind: 'refused', refusal, what: `${requestId}: ${attempt} refused (${refusal.replace(/_/g, ' ')})` };
    }
    case 'mitigation.cancel_refused': {
      const refusal = text('refusal') ?? 'unknown';
      return { ...base, kind: 'refused', refusal, what: `${requestId}: cancel refused (${refusal.replace(/_/g, ' ')})` };
    }
    case 'incident.silence_refused': {
      const refusal = text('refusal') ?? 'unknown';
      return {
        ...base,
        kind: 'refused',
        refusal,
        what: `silence of ${text('target') ?? 'it'} refused (${refusal.replace(/_/g, ' ')})`,
      };
    }
    case 'mitigation.cancel_requested':
      return { ...base, kind: 'cancel', what: `${requestId}: cancel asked` };
    case 'mitigation.cancel_too_late':
      return { ...base, kind: 'cancel', what: `${requestId}: the cancel came after it had ${text('state') ?? 'ended'}` };
    case 'mitigation.cancel_failed':
      return { ...base, kind: 'cancel', what: `${requestId}: Systems Manager refused the cancel (${text('error') ?? 'error'})` };
    case 'mitigation.execution_refused':
      return {
        ...base,
        kind: 'refused',
        refusal: 'execution',
        what: `${requestId}: execution refused (${text('reason') ?? ''})`,
      };
    case 'mitigation.rejected':
      return { ...base, kind: 'rejected', what: `${requestId} rejected${text('reason') ? `: ${text('reason')}` : ''}` };
    case 'mitigation.expired':
      return { ...base, kind: 'expired', what: `${requestId} expired unapproved` };
    case 'mitigation.started':
      return { ...base, kind: 'mitigation_started', what: `${requestId} started` };
    case 'incident.resolved':
      return {
        ...base,
        kind: 'resolved',
        what: `resolved${text('note') ? `: ${text('note')}` : text('reason') ? ` (${text('reason')})` : ''}`,
      };
    case 'incident.reopened':
      return { ...base, kind: 'reopened', what: 'reopened by a new signal' };
    case 'incident.closed':
      return { ...base, kind: 'closed', what: `closed${text('reason') ? ` (${text('reason')})` : ''}` };
  }
  const finished = FINISHED.find((state) => entry.action === `mitigation.${state}`);
  if (finished)
    return {
      ...base,
      kind: 'mitigation_finished',
      outcome: finished,
      what: `${requestId} ${finished}${text('reason') ? `: ${text('reason')}` : ''}`,
    };
  return undefined;
}

const defined = <K extends string>(key: K, value: number | undefined): { [P in K]?: number } =>
  value === undefined || Number.isNaN(value) ? {} : ({ [key]: value } as { [P in K]: number });

/** `1h 05m`, `4m 30s`, `12s`: a duration for people. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? ` ${String(s % 60).padStart(2, '0')}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
