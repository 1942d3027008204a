/**
 * The detail of the custom `Deployment` event any CI system can publish (`firebreak deploy-notice`).
 * Pure.
 */
import * as z from 'zod';
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
const EnvironmentName = z.string().regex(ENVIRONMENT_PATTERN, 'must be 1-32 lower-case letters, digits and dashes');

/**
 * The detail of a custom `Deployment` event (source `firebreak.deploy`, firebreak bus). The CLI
 * validates with it before publishing; the deployments function validates again on receipt.
 */
export const DeploymentSchema = z
  .object({
    service: z.string().regex(CUSTOM_SERVICE_PATTERN, 'must be 1-100 letters, digits, ".", "_" or "-"'),
    version: z.string().trim().min(1).max(100).regex(SingleLine, 'must be one line without control characters'),
    environment: EnvironmentName,
    status: z.enum(['started', 'succeeded', 'failed']),
    /** Free text: a commit sha or message. Always shown escaped. */
    commit: z.string().trim().min(1).max(200).optional(),
    actor: z.string().trim().min(1).max(100).regex(SingleLine, 'must be one line without control characters').optional(),
    url: z
      .url({ protocol: /^https$/, message: 'must be an https URL' })
      .max(2000)
      .optional(),
    /**
     * Identifies one run, so that its started and finished events pair up even when the same
     * version is deployed again (e.g. `${{ github.run_id }}-${{ github.run_attempt }}`). Default:
     * service, environment and version.
     */
    runId: z
      .string()
      .regex(/^[A-Za-z0-9._:/-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", ":", "/" or "-"')
      .optional(),
    /** Work items this deployment delivers (`#12`, `owner/repo#12`, `PAY-123`): closed when it succeeds. */
    issues: z
      .array(z.string().regex(ISSUE_ARGUMENT_PATTERN, 'must be #12, owner/repo#12 or a Jira key such as PAY-123'))
      .min(1)
      .max(MAX_WORK_ITEMS)
      .optional(),
    startedAt: IsoTime.optional(),
    finishedAt: IsoTime.optional(),
  })
  .strict()
  .superRefine((detail, ctx) => {
    if (detail.status === 'started' && detail.finishedAt)
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'a started deployment has not finished' });
    if (detail.startedAt && detail.finishedAt && Date.parse(detail.finishedAt) < Date.parse(detail.startedAt)) {
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'is before startedAt' });
    }
  });
