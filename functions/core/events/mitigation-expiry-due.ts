import { defineEvent, RequestRefSchema } from './contract.ts';

/** A request's approval window ended (a one-time schedule invoking escalate, not a bus rule). */
export const MitigationExpiryDue = defineEvent('Mitigation Expiry Due', RequestRefSchema);
