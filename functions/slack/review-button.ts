/**
 * The configuration review's Reviewed button: the CTO (or a senior engineer while the CTO is away)
 * marks the review reviewed; everyone else is refused with the reason. Every attempt is audited on
 * the review's chain; the review function then updates the message.
 */
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { REVIEW_ACTION_ID } from '../core/review/review-message.ts';
import { acknowledgeReviewClick, reviewAckReply, type ReviewAckDependencies } from '../workflow/configuration-review.ts';
import type { Actor, Reply } from '../workflow/reply.ts';

type Button = (
  handler: (value: string, actor: Actor) => Promise<Reply>,
) => (args: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs) => Promise<void>;

export function registerReviewButton(app: App, button: Button, reviews: ReviewAckDependencies | undefined): void {
  app.action<BlockAction>(
    REVIEW_ACTION_ID,
    button(async (reviewId, actor) => {
      if (!reviews) return { ok: false, text: 'Configuration reviews are not enabled (`review.enabled`).' };
      return reviewAckReply(reviewId, await acknowledgeReviewClick({ reviewId, actor }, reviews));
    }),
  );
}

/** A click from another workspace: refused by the policy as `other_workspace`, and audited on the review's chain. */
export async function auditForeignReviewClick(
  actionId: unknown,
  reviewId: string,
  actor: Actor,
  reviews: ReviewAckDependencies | undefined,
): Promise<void> {
  if (actionId === REVIEW_ACTION_ID && reviews) await acknowledgeReviewClick({ reviewId, actor }, reviews);
}
