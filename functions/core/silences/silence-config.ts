import * as z from 'zod';

/** Who may silence (`/firebreak silence`), and for how long at most. */
export const SilencesConfigSchema = z
  .object({
    /** Roster roles that may silence any incident or fingerprint. */
    roles: z.array(z.enum(['cto', 'senior', 'responder'])).default(['cto', 'senior']),
    /** Whoever acknowledged an incident may also silence it (and its fingerprint), whatever their role. */
    incidentResponders: z.boolean().default(true),
    /** The longest silence, in minutes (default 7 days). */
    maxMinutes: z
      .number()
      .int()
      .min(1)
      .max(90 * 24 * 60)
      .default(7 * 24 * 60),
  })
  .strict();
export type SilencesConfig = z.output<typeof SilencesConfigSchema>;
export const SILENCES_DEFAULTS: SilencesConfig = { roles: ['cto', 'senior'], incidentResponders: true, maxMinutes: 7 * 24 * 60 };
