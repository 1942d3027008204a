/**
 * `maintenance`: the scheduled maintenance windows (SSM Maintenance Windows the stack creates) and
 * which patch findings wait for them instead of becoming emergency patching. Pure.
 */
import * as z from 'zod';
import { nextOpenings } from './window-schedule.ts';

export const WINDOW_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** Rate control as SSM reads it: a count or a percentage. */
const RateControl = z.string().regex(/^([1-9][0-9]{0,4}|[1-9][0-9]?%|100%)$/, 'must be a count (10) or a percentage (10%)');
const MaxErrors = z.string().regex(/^([0-9]{1,5}|[0-9]{1,2}%|100%)$/, 'must be a count (0, 5) or a percentage (5%)');

export const MaintenanceWindowSchema = z
  .object({
    id: z.string().regex(WINDOW_ID_PATTERN, 'must be lower-case letters, digits and dashes (at most 40)'),
    description: z.string().max(128).default(''),
    /** SSM's cron form with plain fields: `cron(0 2 ? * SUN *)` (day names, not numbers; year `*`). */
    schedule: z.string().superRefine((schedule, ctx) => {
      try {
        nextOpenings(schedule, 'UTC', new Date(0), 1);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
    /** IANA time zone the schedule is read in. */
    timezone: z
      .string()
      .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/, 'must be an IANA time zone such as Europe/Berlin')
      .default('UTC'),
    durationHours: z.number().int().min(1).max(24),
    /** No new task starts this many hours before the window closes. */
    cutoffHours: z.number().int().min(0).max(23),
    /** The instances the window patches, by tag. */
    targets: z
      .object({
        key: z.string().regex(/^[A-Za-z0-9_.:/=+@-]{1,128}$/),
        values: z.array(z.string().min(1).max(256)).min(1).max(50),
      })
      .strict(),
    maxConcurrency: RateControl.default('10%'),
    maxErrors: MaxErrors.default('5%'),
    /** AWS-RunPatchBaseline's RebootOption. */
    rebootOption: z.enum(['RebootIfNeeded', 'NoReboot']).default('RebootIfNeeded'),
  })
  .strict()
  .refine((w) => w.cutoffHours < w.durationHours, {
    message: 'cutoffHours must be less than durationHours',
    path: ['cutoffHours'],
  });
export type MaintenanceWindow = z.infer<typeof MaintenanceWindowSchema>;

export const MaintenanceConfigSchema = z
  .object({
    windows: z.array(MaintenanceWindowSchema).max(20).default([]),
    /** Which findings wait for a window (the rest keep their rule's mitigations, emergency patching included). */
    patchFindings: z
      .object({
        sources: z.array(z.string().min(1)).min(1).default(['aws.inspector2']),
        // The severity hints of config.ts, repeated: config.ts imports this file.
        severities: z
          .array(z.enum(['critical', 'high', 'medium', 'low', 'informational']))
          .min(1)
          .default(['high', 'medium']),
        /** Only findings whose source says a fix is available (`fixAvailable: YES`/`PARTIAL`). */
        requireFixAvailable: z.boolean().default(true),
        /** The window batches go to; the first window when unset. */
        window: z.string().regex(WINDOW_ID_PATTERN).optional(),
      })
      .strict()
      .prefault({}),
    /** Risk of a patch batch: picks `policy.seniorQuorum`. */
    risk: z.enum(['low', 'medium', 'high']).default('medium'),
    /** Senior engineers may approve a batch the CTO left unanswered this long (or while the CTO is away). */
    ctoSilentHours: z.number().int().min(1).max(168).default(24),
  })
  .strict()
  .superRefine((config, ctx) => {
    const ids = config.windows.map((w) => w.id);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', path: ['windows'], message: 'window ids must be unique' });
    const target = config.patchFindings.window;
    if (target && !ids.includes(target))
      ctx.addIssue({ code: 'custom', path: ['patchFindings', 'window'], message: `"${target}" is not a configured window` });
  });
export type MaintenanceConfig = z.infer<typeof MaintenanceConfigSchema>;
