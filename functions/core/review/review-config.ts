/** `review`: the CTO's periodic configuration review of the production fleet. Pure. */
import * as z from '../zod.ts';

export const ReviewConfigSchema = z.strictObject({
  enabled: z._default(z.boolean(), true),
  /** An EventBridge Scheduler expression: weekly, Monday 08:00, by default. */
  schedule: z._default(
    z
      .string()
      .check(
        z.regex(/^(cron\([^()]{9,100}\)|rate\([1-9][0-9]{0,3} (minutes?|hours?|days?)\))$/, 'must be cron(...) or rate(...)'),
      ),
    'cron(0 8 ? * MON *)',
  ),
  timezone: z._default(
    z.string().check(z.regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/, 'must be an IANA time zone such as Europe/Berlin')),
    'UTC',
  ),
  /** IAM access keys older than this are listed. */
  accessKeyMaxAgeDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(3650)), 90),
  /** Where the report is posted; the default channel when unset. */
  channel: z.optional(z.string().check(z.regex(/^[CG][A-Z0-9]{6,}$/, 'must be a Slack channel id such as C0123456789'))),
});
