import * as z from '../zod.ts';
import { defineEvent, RequestRefSchema } from './contract.ts';

/** Someone approved (in part or in full) or rejected a request, or its approval window ended. */
export const MitigationDecided = defineEvent(
  'Mitigation Decided',
  z.extend(RequestRefSchema, { outcome: z.enum(['approval_recorded', 'approved', 'rejected', 'expired']) }),
);
