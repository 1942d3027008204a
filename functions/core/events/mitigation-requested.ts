import * as z from '../zod.ts';
import { defineEvent, RequestRefSchema } from './contract.ts';

/** A mitigation request was created, or its plan changed (earlier approvals no longer count). */
export const MitigationRequested = defineEvent(
  'Mitigation Requested',
  z.extend(RequestRefSchema, { planChanged: z.optional(z.literal(true)) }),
);
