import { appendAudit } from '../core/incidents/incident.ts';
import type { IncidentsPort, MitigationRequestsPort } from './ports/repositories.ts';
import type { Actor } from './reply.ts';

/** What a request from another Slack workspace tried to act on, when it names something with an audit chain. */
export type ForeignAttempt =
  | { readonly on: 'incident'; readonly incidentId: string; readonly action: 'ack' | 'resolve' | 'sev' | 'mitigate' }
  | { readonly on: 'request'; readonly requestId: string; readonly action: 'cancel' };

/** A save that lost a race re-reads the incident and tries again. */
const MAX_ATTEMPTS = 10;

/**
 * Audits an attempt from another Slack workspace on the chain of what it named (`incident.ack_refused`,
 * `mitigation.cancel_refused`, … with `refusal: other_workspace`), changing nothing else. Approvals and
 * rejections of mitigations and release holds take their usual path: the policy refuses them the same way.
 * Returns whether an entry was written (nothing is written for an id that names nothing).
 */
export async function auditOtherWorkspace(
  attempt: ForeignAttempt,
  actor: Actor,
  deps: { readonly incidents: IncidentsPort; readonly mitigations: MitigationRequestsPort; readonly now: () => Date },
): Promise<boolean> {
  const request = attempt.on === 'request' ? await deps.mitigations.findRequest(attempt.requestId) : undefined;
  const incidentId = attempt.on === 'incident' ? attempt.incidentId : request?.incidentId;
  if (!incidentId) return false;
  const action =
    attempt.action === 'mitigate'
      ? 'mitigation.request_refused'
      : `${attempt.on === 'request' ? 'mitigation' : 'incident'}.${attempt.action}_refused`;
  return auditRefusal(
    { incidentId, action, data: { ...(request ? { requestId: request.id } : {}), refusal: 'other_workspace' } },
    actor,
    deps,
  );
}

/**
 * Appends one refusal entry (`data` plus who and from which workspace) to an incident's chain, changing
 * nothing else; false when there is no such incident.
 */
export async function auditRefusal(
  refusal: { readonly incidentId: string; readonly action: string; readonly data: Record<string, unknown> },
  actor: Actor,
  deps: { readonly incidents: Pick<IncidentsPort, 'getIncident' | 'commitChange'>; readonly now: () => Date },
): Promise<boolean> {
  for (let round = 0; round < MAX_ATTEMPTS; round++) {
    const now = deps.now().toISOString();
    const incident = await deps.incidents.getIncident(refusal.incidentId);
    if (!incident) return false;
    const { incident: next, audit } = appendAudit(
      { ...incident, updatedAt: now, version: incident.version + 1 },
      now,
      [{ action: refusal.action, data: { ...refusal.data, userId: actor.userId, teamId: actor.teamId } }],
      `slack:${actor.userId}`,
    );
    const result = await deps.incidents.commitChange({
      incident: next,
      expectedIncidentVersion: incident.version,
      audit,
      events: [],
    });
    if (result.committed) return true;
  }
  return false;
}
