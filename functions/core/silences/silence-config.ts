import * as z from '../zod.ts';

/** Who may silence (`/firebreak silence`), and for how long at most. */
export const SilencesConfigSchema = z.strictObject({
  /** Roster roles that may silence any incident or fingerprint. */
  roles: z._default(z.array(z.enum(['cto', 'senior', 'responder'])), ['cto', 'senior']),
  /** Whoever acknowledged an incident may also silence it (and its fingerprint), whatever their role. */
  incidentResponders: z._default(z.boolean(), true),
  /** The longest silence, in minutes (default 7 days). */
  maxMinutes: z._default(z.number().check(z.int(), z.gte(1), z.lte(90 * 24 * 60)), 7 * 24 * 60),
});
export type SilencesConfig = z.output<typeof SilencesConfigSchema>;
export const SILENCES_DEFAULTS: SilencesConfig = { roles: ['cto', 'senior'], incidentResponders: true, maxMinutes: 7 * 24 * 60 };
