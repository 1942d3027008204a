/**
 * `maintenance`: the scheduled maintenance windows (SSM Maintenance Windows the stack creates) and
 * which patch findings wait for them instead of becoming emergency patching. Pure.
 */
import * as z from '../zod.ts';
import { nextOpenings } from './window-schedule.ts';

export const WINDOW_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** Rate control as SSM reads it: a count or a percentage. */
const RateControl = z
  .string()
  .check(z.regex(/^([1-9][0-9]{0,4}|[1-9][0-9]?%|100%)$/, 'must be a count (10) or a percentage (10%)'));
const MaxErrors = z.string().check(z.regex(/^([0-9]{1,5}|[0-9]{1,2}%|100%)$/, 'must be a count (0, 5) or a percentage (5%)'));

export const MaintenanceWindowSchema = z
  .strictObject({
    id: z.string().check(z.regex(WINDOW_ID_PATTERN, 'must be lower-case letters, digits and dashes (at most 40)')),
    description: z._default(z.string().check(z.maxLength(128)), ''),
    /** SSM's cron form with plain fields: `cron(0 2 ? * SUN *)` (day names, not numbers; year `*`). */
    schedule: z.string().check(
      z.superRefine((schedule, ctx) => {
        try {
          nextOpenings(schedule, 'UTC', new Date(0), 1);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
    ),
    /** IANA time zone the schedule is read in. */
    timezone: z._default(
      z.string().check(z.regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/, 'must be an IANA time zone such as Europe/Berlin')),
      'UTC',
    ),
    durationHours: z.number().check(z.int(), z.gte(1), z.lte(24)),
    /** No new task starts this many hours before the window closes. */
    cutoffHours: z.number().check(z.int(), z.gte(0), z.lte(23)),
    /** The instances the window patches, by tag. */
    targets: z.strictObject({
      key: z.string().check(z.regex(/^[A-Za-z0-9_.:/=+@-]{1,128}$/)),
      values: z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.minLength(1), z.maxLength(50)),
    }),
    maxConcurrency: z._default(RateControl, '10%'),
    maxErrors: z._default(MaxErrors, '5%'),
    /** AWS-RunPatchBaseline's RebootOption. */
    rebootOption: z._default(z.enum(['RebootIfNeeded', 'NoReboot']), 'RebootIfNeeded'),
  })
  .check(
    z.refine((w) => w.cutoffHours < w.durationHours, {
      message: 'cutoffHours must be less than durationHours',
      path: ['cutoffHours'],
    }),
  );
export type MaintenanceWindow = z.infer<typeof MaintenanceWindowSchema>;

export const MaintenanceConfigSchema = z
  .strictObject({
    windows: z._default(z.array(MaintenanceWindowSchema).check(z.maxLength(20)), []),
    /** Which findings wait for a window (the rest keep their rule's mitigations, emergency patching included). */
    patchFindings: z.prefault(
      z.strictObject({
        sources: z._default(z.array(z.string().check(z.minLength(1))).check(z.minLength(1)), ['aws.inspector2']),
        // The severity hints of config.ts, repeated: config.ts imports this file.
        severities: z._default(z.array(z.enum(['critical', 'high', 'medium', 'low', 'informational'])).check(z.minLength(1)), [
          'high',
          'medium',
        ]),
        /** Only findings whose source says a fix is available (`fixAvailable: YES`/`PARTIAL`). */
        requireFixAvailable: z._default(z.boolean(), true),
        /** The window batches go to; the first window when unset. */
        window: z.optional(z.string().check(z.regex(WINDOW_ID_PATTERN))),
      }),
      {},
    ),
    /** Risk of a patch batch: picks `policy.seniorQuorum`. */
    risk: z._default(z.enum(['low', 'medium', 'high']), 'medium'),
    /** Senior engineers may approve a batch the CTO left unanswered this long (or while the CTO is away). */
    ctoSilentHours: z._default(z.number().check(z.int(), z.gte(1), z.lte(168)), 24),
  })
  .check(
    z.superRefine((config, ctx) => {
      const ids = config.windows.map((w) => w.id);
      if (new Set(ids).size !== ids.length)
        ctx.addIssue({ code: 'custom', path: ['windows'], message: 'window ids must be unique' });
      const target = config.patchFindings.window;
      if (target && !ids.includes(target))
        ctx.addIssue({ code: 'custom', path: ['patchFindings', 'window'], message: `"${target}" is not a configured window` });
    }),
  );
export type MaintenanceConfig = z.infer<typeof MaintenanceConfigSchema>;
