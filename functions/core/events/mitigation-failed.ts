import * as z from '../zod.ts';
import { CATALOG_ID_PATTERN } from '../ids.ts';
import { defineEvent, RequestRefSchema } from './contract.ts';

/**
 * A mitigation failed, or the executor refused to run it (with the reason). `rollback` names the
 * catalog entry to offer as a new request: the failure is committed with it, so the offer survives
 * any crash after the commit (propose makes the request).
 */
export const MitigationFailed = defineEvent(
  'Mitigation Failed',
  z.extend(RequestRefSchema, {
    final: z.optional(z.literal(true)),
    reason: z.optional(z.string()),
    rollback: z.optional(z.string().check(z.regex(CATALOG_ID_PATTERN))),
  }),
);
