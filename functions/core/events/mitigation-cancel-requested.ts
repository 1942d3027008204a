import { defineEvent, RequestRefSchema } from './contract.ts';

/**
 * The CTO or a senior engineer asked to stop a running mitigation (`/firebreak cancel`), recorded on
 * the request with its audit entry: execute asks Systems Manager to stop the run, then ends the request.
 */
export const MitigationCancelRequested = defineEvent('Mitigation Cancel Requested', RequestRefSchema);
