import * as z from '../zod.ts';
import { PATCH_BATCH_ID_PATTERN } from '../maintenance/patch-batch.ts';
import { defineEvent } from './contract.ts';

/** A patch batch was proposed, gained a finding, was decided, registered or moved by its window's run. */
export const PatchBatchChanged = defineEvent(
  'Patch Batch Changed',
  z.object({
    batchId: z.string().check(z.regex(PATCH_BATCH_ID_PATTERN)),
    version: z.number().check(z.int(), z.positive()),
    state: z.enum(['awaiting_approval', 'approved', 'registered', 'running', 'succeeded', 'failed', 'rejected']),
  }),
);
