import * as z from '../zod.ts';
import { defineEvent } from './contract.ts';
import { SilenceRefSchema } from './silence-ref.ts';

/** Someone silenced an incident or a fingerprint until `endsAt`. */
export const SilenceSet = defineEvent('Silence Set', z.extend(SilenceRefSchema, { createdBy: z.string() }));
