import * as z from '../zod.ts';
import { INCIDENT_ID_PATTERN } from '../ids.ts';
import { FINGERPRINT_PATTERN, SILENCE_ID_PATTERN } from '../silences/silence.ts';

/** What the silence events carry: which silence, what it quiets, until when. */
export const SilenceRefSchema = z.object({
  silenceId: z.string().check(z.regex(SILENCE_ID_PATTERN)),
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('incident'), incidentId: z.string().check(z.regex(INCIDENT_ID_PATTERN)) }),
    z.object({ kind: z.literal('fingerprint'), fingerprint: z.string().check(z.regex(FINGERPRINT_PATTERN)) }),
  ]),
  endsAt: z.string(),
});
