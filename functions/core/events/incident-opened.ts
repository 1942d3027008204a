import { defineEvent } from './contract.ts';
import { IncidentSnapshotSchema } from './incident-snapshot.ts';

/** A new incident (ingest, or deployments for a failed release). */
export const IncidentOpened = defineEvent('Incident Opened', IncidentSnapshotSchema);
