import * as z from '../zod.ts';
import { defineEvent, RequestRefSchema } from './contract.ts';

/** A running mitigation's progress changed (coalesced by track); `final` when it ended without success or failure. */
export const MitigationProgress = defineEvent(
  'Mitigation Progress',
  z.extend(RequestRefSchema, { final: z.optional(z.boolean()) }),
);
