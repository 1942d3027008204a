import { defineEvent } from './contract.ts';
import { IncidentSnapshotSchema } from './incident-snapshot.ts';

/** An incident was resolved, by a recovery signal or by a person. */
export const IncidentResolved = defineEvent('Incident Resolved', IncidentSnapshotSchema);
