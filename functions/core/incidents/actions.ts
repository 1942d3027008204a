import type { Severity } from '../config.ts';
import { ACTIVE_STATUSES, appendAudit, type AuditDraft, type Incident, type IncidentChange } from './incident.ts';
import type { AuditEntry } from '../audit/chain.ts';

export type HumanChange = IncidentChange | 'acknowledged' | 'severity_changed';

export type IncidentActionResult =
  | {
      readonly ok: true;
      readonly incident: Incident;
      readonly expectedVersion: number;
      readonly audit: readonly AuditEntry[];
      readonly change: HumanChange;
      readonly message: string;
    }
  | { readonly ok: false; readonly message: string };

const slackActor = (userId: string) => `slack:${userId}`;

/** Marks an open incident acknowledged: someone is on it. */
export function acknowledge(incident: Incident, userId: string, now: string): IncidentActionResult {
  if (incident.status !== 'open')
    return { ok: false, message: `${incident.id} is ${incident.status}; only an open incident can be acknowledged.` };
  return change(
    incident,
    userId,
    now,
    { status: 'acknowledged', acknowledgedBy: userId } as Partial<Incident>,
    'acknowledged',
    { action: 'incident.acknowledged', data: {} },
    `${incident.id} acknowledged by <@${userId}>.`,
  );
}

/** Resolves an incident by hand, with an optional note. */
export function resolveByHand(incident: Incident, userId: string, note: string, now: string): IncidentActionResult {
  if (!ACTIVE_STATUSES.includes(incident.status)) return { ok: false, message: `${incident.id} is already ${incident.status}.` };
  return change(
    incident,
    userId,
    now,
    { status: 'resolved', resolvedAt: now, firingResources: [], firingOverflow: false, resolvedBy: userId } as Partial<Incident>,
    'resolved',
    { action: 'incident.resolved', data: { note, by: userId } },
    `${incident.id} resolved by <@${userId}>.`,
  );
}

/** A person may set any severity, up or down; ingest afterwards only ever raises it. */
export function changeSeverity(incident: Incident, userId: string, severity: Severity, now: string): IncidentActionResult {
  if (incident.severity === severity) return { ok: false, message: `${incident.id} is already ${severity}.` };
  if (incident.status === 'closed') return { ok: false, message: `${incident.id} is closed.` };
  return change(
    incident,
    userId,
    now,
    { severity },
    'severity_changed',
    { action: 'incident.severity_changed', data: { from: incident.severity, to: severity } },
    `${incident.id} is now ${severity} (was ${incident.severity}), set by <@${userId}>.`,
  );
}

function change(
  incident: Incident,
  userId: string,
  now: string,
  patch: Partial<Incident>,
  kind: HumanChange,
  entry: AuditDraft,
  message: string,
): IncidentActionResult {
  const next = { ...incident, ...patch, updatedAt: now, version: incident.version + 1 };
  const { incident: withAudit, audit } = appendAudit(next, now, [entry], slackActor(userId));
  return { ok: true, incident: withAudit, expectedVersion: incident.version, audit, change: kind, message };
}
