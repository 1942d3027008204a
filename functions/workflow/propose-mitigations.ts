import type { IncidentSnapshot } from '../core/events/incident-snapshot.ts';
import type { Workflow } from './workflow.ts';

/**
 * The mitigations an incident's classification proposed become requests, under the approval
 * policy. Request ids are deterministic, so a redelivered event creates nothing twice. Independent
 * of Slack: an outage there delays the messages, never the requests.
 */
export async function proposeMitigations(
  incident: Pick<IncidentSnapshot, 'incidentId' | 'mitigations'>,
  workflow: Pick<Workflow, 'requestMitigation'>,
): Promise<{ incidentId: string; proposed: string[] }> {
  for (const catalogId of incident.mitigations)
    await workflow.requestMitigation({ incidentId: incident.incidentId, catalogId, requestedBy: 'policy:classification' });
  return { incidentId: incident.incidentId, proposed: [...incident.mitigations] };
}

/**
 * A failed mitigation's rollback becomes a new request, awaiting approval like any other (its id is
 * deterministic too: a redelivered failure asks for no second rollback).
 */
export async function proposeRollback(
  failure: { incidentId: string; rollback: string },
  workflow: Pick<Workflow, 'requestMitigation'>,
): Promise<{ incidentId: string; proposed: string[] }> {
  await workflow.requestMitigation({
    incidentId: failure.incidentId,
    catalogId: failure.rollback,
    requestedBy: 'policy:rollback',
  });
  return { incidentId: failure.incidentId, proposed: [failure.rollback] };
}
