import { defineEvent, RequestRefSchema } from './contract.ts';

/** The CTO's time to answer ran out (a one-time schedule invoking escalate, not a bus rule). */
export const MitigationEscalationDue = defineEvent('Mitigation Escalation Due', RequestRefSchema);
