import * as z from '../zod.ts';
import { REVIEW_ID_PATTERN } from '../review/review-ack.ts';
import { defineEvent } from './contract.ts';

/** The CTO (or a senior engineer while the CTO is away) clicked Reviewed: the review's message says who and when. */
export const ConfigurationReviewAcknowledged = defineEvent(
  'Configuration Review Acknowledged',
  z.object({ reviewId: z.string().check(z.regex(REVIEW_ID_PATTERN)) }),
);
