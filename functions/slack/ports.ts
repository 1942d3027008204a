import type { Incident, IncidentStatus } from '../core/incidents/incident.ts';
import type { IncidentsPort, MitigationRequestsPort, ReleaseHoldsPort } from '../workflow/ports/repositories.ts';

/** What the Slack app reads directly for its listings; every change goes through the workflow. */
export interface SlackIncidentsPort extends Pick<IncidentsPort, 'getIncident'> {
  /** Incidents in the given statuses, newest first. */
  listIncidents(statuses?: readonly IncidentStatus[], limit?: number): Promise<Incident[]>;
}
export type SlackMitigationsPort = Pick<MitigationRequestsPort, 'listRequests'>;
export type SlackHoldsPort = Pick<ReleaseHoldsPort, 'getHold'>;
