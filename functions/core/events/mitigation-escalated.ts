import * as z from '../zod.ts';
import { defineEvent, RequestRefSchema } from './contract.ts';

/** The CTO is away or stayed silent: senior engineers may now approve. */
export const MitigationEscalated = defineEvent(
  'Mitigation Escalated',
  z.extend(RequestRefSchema, { reason: z.enum(['cto_away', 'cto_silent']) }),
);
