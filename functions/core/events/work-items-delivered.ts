import * as z from '../zod.ts';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { WORK_ITEM_PATTERN } from '../tracker/work-items.ts';
import { defineEvent } from './contract.ts';

/**
 * A successful deployment in a tracked environment delivered these work items (GitHub issues as
 * `owner/repo#12`, Jira keys as `PAY-123`): the tracker step closes them and reports in the notice's thread.
 */
export const WorkItemsDelivered = defineEvent(
  'Work Items Delivered',
  z.object({
    service: z.string().check(z.regex(SERVICE_NAME_PATTERN)),
    deploymentId: z.string().check(z.regex(/^DEP-[0-9A-F]{12}$/)),
    workItems: z.array(z.string().check(z.regex(WORK_ITEM_PATTERN))).check(z.minLength(1), z.maxLength(20)),
  }),
);
