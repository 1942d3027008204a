import * as z from 'zod';
import { defineEvent, RequestRefSchema } from './contract.ts';

/** A mitigation request was created, or its plan changed (earlier approvals no longer count). */
export const MitigationRequested = defineEvent(
  'Mitigation Requested',
  RequestRefSchema.extend({ planChanged: z.literal(true).optional() }),
);
