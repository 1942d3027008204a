import * as z from '../zod.ts';
import { SLACK_USER_ID_PATTERN } from '../ids.ts';
import { defineEvent, IncidentIdSchema } from './contract.ts';

/**
 * Someone on the roster asked for an incident's postmortem draft (`/firebreak postmortem`): notify
 * writes it from the audit trail, keeps a copy in S3 and uploads it to the incident's thread.
 * `version` is the incident's version that recorded the request: one upload per request.
 */
export const PostmortemRequested = defineEvent(
  'Postmortem Requested',
  z.object({
    incidentId: IncidentIdSchema,
    requestedBy: z.string().check(z.regex(SLACK_USER_ID_PATTERN)),
    version: z.number().check(z.int(), z.positive()),
  }),
);
