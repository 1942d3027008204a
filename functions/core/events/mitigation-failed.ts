import * as z from 'zod';
import { CATALOG_ID_PATTERN } from '../ids.ts';
import { defineEvent, RequestRefSchema } from './contract.ts';

/**
 * A mitigation failed, or the executor refused to run it (with the reason). `rollback` names the
 * catalog entry to offer as a new request: the failure is committed with it, so the offer survives
 * any crash after the commit (propose makes the request).
 */
export const MitigationFailed = defineEvent(
  'Mitigation Failed',
  RequestRefSchema.extend({
    final: z.literal(true).optional(),
    reason: z.string().optional(),
    rollback: z.string().regex(CATALOG_ID_PATTERN).optional(),
  }),
);
