import * as z from 'zod';
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
    service: z.string().regex(SERVICE_NAME_PATTERN),
    deploymentId: z.string().regex(/^DEP-[0-9A-F]{12}$/),
    workItems: z.array(z.string().regex(WORK_ITEM_PATTERN)).min(1).max(20),
  }),
);
