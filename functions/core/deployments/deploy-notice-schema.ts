/**
 * The detail of the custom `Deployment` event any CI system can publish (`firebreak deploy-notice`).
 * Pure.
 */
import * as z from '../zod.ts';
import { ENVIRONMENT_PATTERN } from '../vocabulary.ts';
import { CUSTOM_SERVICE_PATTERN } from '../ids.ts';
import { ISSUE_ARGUMENT_PATTERN, MAX_WORK_ITEMS } from '../tracker/work-items.ts';

/** One line of text: no control characters (C0, DEL, C1), so it is safe in a terminal and a Slack field. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SingleLine = /^[^\u0000-\u001f\u007f-\u009f]*$/;
export const IsoTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date and time, such as 2026-03-01T10:00:00Z',
});
const EnvironmentName = z.string().check(z.regex(ENVIRONMENT_PATTERN, 'must be 1-32 lower-case letters, digits and dashes'));

/**
 * The detail of a custom `Deployment` event (source `firebreak.deploy`, firebreak bus). The CLI
 * validates with it before publishing; the deployments function validates again on receipt.
 */
export const DeploymentSchema = z
  .strictObject({
    service: z.string().check(z.regex(CUSTOM_SERVICE_PATTERN, 'must be 1-100 letters, digits, ".", "_" or "-"')),
    version: z
      .string()
      .check(z.trim(), z.minLength(1), z.maxLength(100), z.regex(SingleLine, 'must be one line without control characters')),
    environment: EnvironmentName,
    status: z.enum(['started', 'succeeded', 'failed']),
    /** Free text: a commit sha or message. Always shown escaped. */
    commit: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
    actor: z.optional(
      z
        .string()
        .check(z.trim(), z.minLength(1), z.maxLength(100), z.regex(SingleLine, 'must be one line without control characters')),
    ),
    url: z.optional(z.url({ protocol: /^https$/, message: 'must be an https URL' }).check(z.maxLength(2000))),
    /**
     * Identifies one run, so that its started and finished events pair up even when the same
     * version is deployed again (e.g. `${{ github.run_id }}-${{ github.run_attempt }}`). Default:
     * service, environment and version.
     */
    runId: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9._:/-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", ":", "/" or "-"')),
    ),
    /** Work items this deployment delivers (`#12`, `owner/repo#12`, `PAY-123`): closed when it succeeds. */
    issues: z.optional(
      z
        .array(z.string().check(z.regex(ISSUE_ARGUMENT_PATTERN, 'must be #12, owner/repo#12 or a Jira key such as PAY-123')))
        .check(z.minLength(1), z.maxLength(MAX_WORK_ITEMS)),
    ),
    startedAt: z.optional(IsoTime),
    finishedAt: z.optional(IsoTime),
  })
  .check(
    z.superRefine((detail, ctx) => {
      if (detail.status === 'started' && detail.finishedAt)
        ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'a started deployment has not finished' });
      if (detail.startedAt && detail.finishedAt && Date.parse(detail.finishedAt) < Date.parse(detail.startedAt)) {
        ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'is before startedAt' });
      }
    }),
  );
