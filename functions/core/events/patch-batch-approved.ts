import * as z from '../zod.ts';
import { PATCH_BATCH_ID_PATTERN } from '../maintenance/patch-batch.ts';
import { defineEvent } from './contract.ts';

/** A patch batch was approved under the policy: its `AWS-RunPatchBaseline` task is to be registered in its window. */
export const PatchBatchApproved = defineEvent(
  'Patch Batch Approved',
  z.object({ batchId: z.string().check(z.regex(PATCH_BATCH_ID_PATTERN)) }),
);
