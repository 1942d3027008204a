import { defineEvent } from './contract.ts';
import { IncidentSnapshotSchema } from './incident-snapshot.ts';

/** An incident changed: a repeat signal, a severity change, a reopen, an acknowledgement. */
export const IncidentUpdated = defineEvent('Incident Updated', IncidentSnapshotSchema);
