import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import * as z from '../core/zod.ts';
import { REVIEW_EVENTS } from '../core/events/subscriptions.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedConfig } from '../adapters/deployed/config.ts';
import { deployedSlackSecret } from '../adapters/deployed/slack.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import { ConfigurationReviewRepository } from '../adapters/dynamodb/configuration-reviews.ts';
import { AwsFleetReviewReader } from '../adapters/fleet-review-reader.ts';
import { SlackPoster } from '../adapters/slack-poster.ts';
import {
  recordScheduledReview,
  showReview,
  type ReviewSlackDependencies,
  type ScheduledReviewDependencies,
} from '../workflow/configuration-review.ts';

/** What the review's EventBridge Scheduler schedule sends: the run's scheduled time (`<aws.scheduler.scheduled-time>`). */
const ScheduledReviewInput = z.object({ kind: z.literal('configuration-review'), scheduledAt: z.iso.datetime() });

const ReviewEvent = z.union([
  ScheduledReviewInput,
  z.object({
    source: z.literal('firebreak'),
    'detail-type': z.enum(REVIEW_EVENTS.map((contract) => contract.detailType) as [string, ...string[]]),
    detail: REVIEW_EVENTS[0].schema,
  }),
]);

type ReviewFunctionDependencies = ScheduledReviewDependencies & ReviewSlackDependencies;

/**
 * The CTO's configuration review: the weekly schedule records the review of the fleet (once per
 * run); `Configuration Review Recorded` posts it with its Reviewed button, `Configuration Review
 * Acknowledged` updates the message with who reviewed it.
 */
export function createReviewHandler(dependencies: () => Promise<ReviewFunctionDependencies>) {
  return houseHandler({
    schema: ReviewEvent,
    handle: async (event) => {
      const deps = await dependencies();
      if ('kind' in event) {
        const result = await recordScheduledReview(event.scheduledAt, deps);
        metrics.addMetric(`review_${result.outcome}`, MetricUnit.Count, 1);
        logger.info('configuration review run', { ...result });
        return result;
      }
      const { reviewId } = event.detail;
      const { action } = await showReview(reviewId, deps);
      metrics.addMetric(`review_message_${action}`, MetricUnit.Count, 1);
      logger.info('configuration review message', { reviewId, detailType: event['detail-type'], action });
      return { reviewId, action };
    },
  });
}

let deployed: Promise<ReviewFunctionDependencies> | undefined;
async function deployedReview(): Promise<ReviewFunctionDependencies> {
  const secret = await deployedSlackSecret();
  return {
    reviews: new ConfigurationReviewRepository(deployedTable()),
    fleet: new AwsFleetReviewReader({
      ec2: new EC2Client({}),
      ssm: new SSMClient({}),
      config: new ConfigServiceClient({}),
      iam: new IAMClient({}),
    }),
    slack: new SlackPoster({ token: secret.botToken }),
    config: deployedConfig(),
    now: () => new Date(),
  };
}
export const handler = createReviewHandler(() => (deployed ??= deployedReview()));
