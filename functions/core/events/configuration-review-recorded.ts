import * as z from '../zod.ts';
import { REVIEW_ID_PATTERN } from '../review/review-ack.ts';
import { defineEvent } from './contract.ts';

/** A scheduled configuration review was recorded: its report is to be posted for the CTO with a Reviewed button. */
export const ConfigurationReviewRecorded = defineEvent(
  'Configuration Review Recorded',
  z.object({ reviewId: z.string().check(z.regex(REVIEW_ID_PATTERN)) }),
);
