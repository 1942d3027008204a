import * as z from '../zod.ts';
import { SILENCE_ID_PATTERN } from '../silences/silence.ts';
import { defineEvent } from './contract.ts';

/** A silence's end fell due (a one-time schedule invoking escalate, not a bus rule). */
export const SilenceExpiryDue = defineEvent(
  'Silence Expiry Due',
  z.object({ silenceId: z.string().check(z.regex(SILENCE_ID_PATTERN)) }),
);
