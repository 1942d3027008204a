/** `review`: the CTO's periodic configuration review of the production fleet. Pure. */
import * as z from 'zod';

export const ReviewConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** An EventBridge Scheduler expression: weekly, Monday 08:00, by default. */
    schedule: z
      .string()
      .regex(/^(cron\([^()]{9,100}\)|rate\([1-9][0-9]{0,3} (minutes?|hours?|days?)\))$/, 'must be cron(...) or rate(...)')
      .default('cron(0 8 ? * MON *)'),
    timezone: z
      .string()
      .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/, 'must be an IANA time zone such as Europe/Berlin')
      .default('UTC'),
    /** IAM access keys older than this are listed. */
    accessKeyMaxAgeDays: z.number().int().min(1).max(3650).default(90),
    /** Where the report is posted; the default channel when unset. */
    channel: z
      .string()
      .regex(/^[CG][A-Z0-9]{6,}$/, 'must be a Slack channel id such as C0123456789')
      .optional(),
  })
  .strict();
