import type { Incident } from '../incidents/incident.ts';
import type { BusEvent } from './contract.ts';
import { IncidentOpened } from './incident-opened.ts';
import { IncidentResolved } from './incident-resolved.ts';
import { incidentSnapshot, type IncidentSnapshot } from './incident-snapshot.ts';
import { IncidentUpdated } from './incident-updated.ts';

export type IncidentEventDetail = IncidentSnapshot;

const CONTRACT_FOR = { opened: IncidentOpened, updated: IncidentUpdated, reopened: IncidentUpdated, resolved: IncidentResolved };

/** The announcement of an incident change: which contract follows from what happened to it. */
export function incidentEvent(
  outcome: keyof typeof CONTRACT_FOR,
  incident: Incident,
  changes: readonly string[],
  extra: { readonly actor?: string } = {},
): BusEvent<IncidentSnapshot> {
  return CONTRACT_FOR[outcome].build(incidentSnapshot(incident, changes, extra));
}
