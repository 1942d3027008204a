import * as z from 'zod';
import { defineEvent } from './contract.ts';
import { FINGERPRINT_PATTERN, SILENCE_ID_PATTERN } from '../silences/silence.ts';
import { INCIDENT_ID_PATTERN } from '../ids.ts';

const SilenceRefSchema = z.object({
  silenceId: z.string().regex(SILENCE_ID_PATTERN),
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('incident'), incidentId: z.string().regex(INCIDENT_ID_PATTERN) }),
    z.object({ kind: z.literal('fingerprint'), fingerprint: z.string().regex(FINGERPRINT_PATTERN) }),
  ]),
  endsAt: z.string(),
});

/** Someone silenced an incident or a fingerprint until `endsAt`. */
export const SilenceSet = defineEvent('Silence Set', SilenceRefSchema.extend({ createdBy: z.string() }));

/** A silence ended at its time: matching incidents are announced again. */
export const SilenceExpired = defineEvent('Silence Expired', SilenceRefSchema);

/** A silence's end fell due (a one-time schedule invoking escalate, not a bus rule). */
export const SilenceExpiryDue = defineEvent('Silence Expiry Due', z.object({ silenceId: z.string().regex(SILENCE_ID_PATTERN) }));
