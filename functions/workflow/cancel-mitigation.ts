import type { RosterMember } from '../core/approval/roster.ts';
import { MitigationCancelRequested } from '../core/events/mitigation-cancel-requested.ts';
import { appendAudit } from '../core/incidents/incident.ts';
import { cancelRefusal, runIdOf } from '../core/mitigations/cancel.ts';
import { auditRefusal } from './other-workspace.ts';
import type { IncidentsPort, MitigationRequestsPort } from './ports/repositories.ts';
import type { Actor, Reply } from './reply.ts';

/** What `/firebreak cancel` needs in the Slack function: no Systems Manager (execute stops the run). */
export interface CancelRequestDependencies {
  readonly incidents: Pick<IncidentsPort, 'getIncident' | 'commitChange'>;
  readonly mitigations: Pick<MitigationRequestsPort, 'findRequest'>;
  readonly member: (userId: string) => Promise<RosterMember | undefined>;
  readonly now: () => Date;
}

const runOf = (request: Parameters<typeof runIdOf>[0]) => {
  const runId = runIdOf(request);
  return runId ? { runId } : {};
};

/** A save that lost a race re-reads the request and its incident and tries again. */
const MAX_ATTEMPTS = 10;

/**
 * `/firebreak cancel <request>`: the CTO or a senior engineer asks to stop a running mitigation. The
 * cancel is recorded on the request, with its audit entry and `Mitigation Cancel Requested`, in one
 * transaction; execute (which alone may call Systems Manager) stops the run and ends the request, and
 * the outcome follows in the incident's thread. A responder's attempt is refused and audited.
 */
export async function requestCancel(
  input: { readonly requestId: string; readonly actor: Actor },
  deps: CancelRequestDependencies,
): Promise<Reply> {
  const { actor } = input;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const [member, request] = await Promise.all([deps.member(actor.userId), deps.mitigations.findRequest(input.requestId)]);
    const refusal = cancelRefusal(member, request, input.requestId);
    if (refusal) {
      if (refusal.audited && request)
        await auditRefusal(
          {
            incidentId: request.incidentId,
            action: 'mitigation.cancel_refused',
            data: { requestId: request.id, refusal: refusal.audited },
          },
          actor,
          deps,
        );
      return { ok: false, text: refusal.text };
    }
    const incident = request && (await deps.incidents.getIncident(request.incidentId));
    if (!request || !incident) return { ok: false, text: `No mitigation request ${input.requestId}.` };
    const now = deps.now().toISOString();
    const { incident: next, audit } = appendAudit(
      { ...incident, updatedAt: now, version: incident.version + 1 },
      now,
      [{ action: 'mitigation.cancel_requested', data: { requestId: request.id, ...runOf(request) } }],
      `slack:${actor.userId}`,
    );
    const result = await deps.incidents.commitChange({
      incident: next,
      expectedIncidentVersion: incident.version,
      audit,
      updateRequest: {
        request: { ...request, cancel: { by: actor.userId, at: now }, version: request.version + 1 },
        expectedVersion: request.version,
      },
      events: [MitigationCancelRequested.build({ incidentId: request.incidentId, requestId: request.id })],
    });
    if (result.committed)
      return {
        ok: true,
        text: `${request.id}: cancel requested. Systems Manager is asked to stop the remaining invocations; the outcome follows in the incident's thread.`,
      };
  }
  return { ok: false, text: `${input.requestId} kept changing while the cancel was recorded; try again.` };
}
