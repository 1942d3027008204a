/**
 * The CTO's configuration review in the local runtime: the review function on the local bus (its
 * events), run against the SIMULATED fleet, and triggered the way its schedule triggers it: when the
 * virtual clock passes a firing (`advance`), or at once (a drill's `review` step).
 */
import type { FirebreakConfig } from '../core/config.ts';
import { REVIEW_PATTERN } from '../core/events/subscriptions.ts';
import type { ConfigurationReviewRepository } from '../adapters/dynamodb/configuration-reviews.ts';
import type { ReviewAckDependencies } from '../workflow/configuration-review.ts';
import type { SlackChannelPort } from '../workflow/ports/slack.ts';
import { lambdaContext, type Delivery, type LocalEventBus } from './event-bus.ts';
import { simulatedFleetSnapshot } from './fleet-review.ts';
import { nextReviewAt } from '../core/review/review-schedule.ts';

export interface LocalReview {
  /** What the schedule does at `scheduledAt` (default: now on the virtual clock), then the bus drained. */
  run(scheduledAt?: string): Promise<Delivery[]>;
  /** When the schedule fires next after the last firing the clock passed, if no later than `until` (never when reviews are off). */
  nextDue(until: Date): Date | undefined;
  /** Runs the firing the clock has reached (`nextDue`), as the schedule would; nothing if none is due. */
  runDue(): Promise<Delivery[]>;
}

export function wireLocalReview(options: {
  readonly bus: LocalEventBus;
  readonly config: FirebreakConfig;
  readonly reviews: ConfigurationReviewRepository;
  readonly poster: SlackChannelPort;
  readonly clock: { readonly now: () => Date };
  readonly workflow: { roster: ReviewAckDependencies['roster'] };
  readonly createReviewHandler: typeof import('../review/handler.ts').createReviewHandler;
}): { review: LocalReview; slackDependencies: { configurationReviews?: ReviewAckDependencies } } {
  const { bus, config, reviews } = options;
  const now = options.clock.now;
  const handler = options.createReviewHandler(async () => ({
    reviews,
    fleet: { read: async (takenAt: string) => simulatedFleetSnapshot(takenAt) },
    slack: options.poster,
    config,
    now,
  }));
  if (config.review.enabled)
    bus.addRule('firebreak', 'Review', REVIEW_PATTERN, (event, context) => handler(event as never, context));
  // The schedule starts with the runtime; each firing the clock passes runs once.
  const startedAt = now();
  let checkedUntil = startedAt;
  const next = () => (config.review.enabled ? nextReviewAt(config.review, checkedUntil, startedAt) : undefined);
  const review: LocalReview = {
    nextDue: (until) => {
      const due = next();
      return due && due <= until ? due : undefined;
    },
    runDue: async () => {
      const due = next();
      if (!due || due > now()) return [];
      checkedUntil = due;
      return review.run(due.toISOString());
    },
    run: async (scheduledAt) => {
      if (!config.review.enabled) throw new Error('configuration reviews are not enabled (review.enabled)');
      const event = { kind: 'configuration-review', scheduledAt: scheduledAt ?? now().toISOString() };
      const delivery: Delivery = { bus: 'firebreak', rule: 'schedule:configuration-review', event };
      try {
        const result = await handler(event as never, lambdaContext('review'));
        return [{ ...delivery, result }, ...(await bus.drain())];
      } catch (error) {
        const failed = { ...delivery, error: error instanceof Error ? error : new Error(String(error)) };
        bus.deadLetters.push(failed);
        return [failed, ...(await bus.drain())];
      }
    },
  };
  const roster = () => options.workflow.roster();
  return { review, slackDependencies: config.review.enabled ? { configurationReviews: { reviews, config, now, roster } } : {} };
}
