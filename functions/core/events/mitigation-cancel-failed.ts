import * as z from '../zod.ts';
import { defineEvent, RequestRefSchema } from './contract.ts';

/**
 * A requested cancel did not stop the run: the request had already ended (`already_ended`), or Systems
 * Manager refused the call (`systems_manager_error`, with the error's name; execute keeps retrying).
 * Notify says so in the incident's thread.
 */
export const MitigationCancelFailed = defineEvent(
  'Mitigation Cancel Failed',
  z.extend(RequestRefSchema, {
    reason: z.enum(['already_ended', 'systems_manager_error']),
    error: z.optional(z.string().check(z.maxLength(128))),
  }),
);
