import type { Incident } from '../core/incidents/incident.ts';
import type { MitigationRequest } from '../core/mitigations/mitigation.ts';
import type { RosterMember } from '../core/approval/roster.ts';
import type { IncidentsPort, MitigationRequestsPort } from './ports/repositories.ts';

/**
 * What deciding on a mitigation request reads: the request, its incident and the roster. Together on
 * the first attempt (Slack waits for the answer; the request's incident is known from its id, which
 * the repository remembers); one after another after a conflict, as contenders that all re-read at
 * once would all collide again at once (twenty simultaneous clicks would run out of attempts).
 * Undefined for an unknown request.
 */
export async function readForDecision(
  deps: { mitigations: MitigationRequestsPort; incidents: IncidentsPort },
  roster: () => Promise<{ members: RosterMember[]; cto: RosterMember }>,
  requestId: string,
  attempt: number,
): Promise<{ request: MitigationRequest; incident: Incident; members: RosterMember[]; cto: RosterMember } | undefined> {
  const incidentId = await deps.mitigations.incidentOf(requestId);
  if (!incidentId) return undefined;
  const reads = [
    () => deps.mitigations.getRequest(incidentId, requestId),
    () => deps.incidents.getIncident(incidentId),
    roster,
  ] as const;
  const [request, incident, { members, cto }] =
    attempt === 0
      ? await Promise.all([reads[0](), reads[1](), reads[2]()])
      : [await reads[0](), await reads[1](), await reads[2]()];
  return request && incident ? { request, incident, members, cto } : undefined;
}
