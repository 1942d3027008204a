import * as z from 'zod';
import { defineEvent, RequestRefSchema } from './contract.ts';

/** A mitigation failed, or the executor refused to run it (with the reason). */
export const MitigationFailed = defineEvent(
  'Mitigation Failed',
  RequestRefSchema.extend({ final: z.literal(true).optional(), reason: z.string().optional() }),
);
