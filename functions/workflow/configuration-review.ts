/**
 * The CTO's configuration review as use cases: a scheduled run reads the fleet, builds the report
 * and records it (state, report, audit entry and announcement in one write, once per run); the
 * announcement posts it to Slack with a Reviewed button; a click acknowledges it under the policy.
 */
import type { Refusal } from '../core/approval/policy.ts';
import type { RosterMember } from '../core/approval/roster.ts';
import type { FirebreakConfig } from '../core/config.ts';
import { ConfigurationReviewAcknowledged } from '../core/events/configuration-review-acknowledged.ts';
import { ConfigurationReviewRecorded } from '../core/events/configuration-review-recorded.ts';
import { buildReview } from '../core/review/report.ts';
import { acknowledgeReview, REVIEW_ID_PATTERN, reviewIdFor } from '../core/review/review-ack.ts';
import { reviewMessage } from '../core/review/review-message.ts';
import { boundedReport, newStoredReview, reviewChannel } from '../core/review/review-record.ts';
import { code, formatTime } from '../core/slack/text.ts';
import type { ConfigurationReviewsPort, FleetSnapshotPort } from './ports/configuration-review.ts';
import type { SlackChannelPort } from './ports/slack.ts';
import type { Actor, Reply } from './reply.ts';

export interface ConfigurationReviewDependencies {
  readonly reviews: ConfigurationReviewsPort;
  readonly config: FirebreakConfig;
  readonly now: () => Date;
}

export interface ScheduledReviewDependencies extends ConfigurationReviewDependencies {
  readonly fleet: FleetSnapshotPort;
}

export interface ReviewSlackDependencies extends ConfigurationReviewDependencies {
  readonly slack: SlackChannelPort;
}

export interface ReviewAckDependencies extends ConfigurationReviewDependencies {
  readonly roster: () => Promise<{ members: RosterMember[]; cto: RosterMember }>;
}

/**
 * One scheduled run: the review of `scheduledAt` (its id, `REV-<yyyymmddhhmm>`, comes from it, so a
 * redelivered invocation of the same run records nothing twice).
 */
export async function recordScheduledReview(
  scheduledAt: string,
  deps: ScheduledReviewDependencies,
): Promise<{ reviewId: string; outcome: 'recorded' | 'already_recorded' }> {
  const reviewId = reviewIdFor(scheduledAt);
  if (await deps.reviews.getReview(reviewId)) return { reviewId, outcome: 'already_recorded' };
  const snapshot = await deps.fleet.read(scheduledAt);
  const previous = await deps.reviews.previousReview(scheduledAt);
  const report = buildReview(snapshot, previous, { accessKeyMaxAgeDays: deps.config.review.accessKeyMaxAgeDays });
  const review = newStoredReview(reviewId, scheduledAt, report);
  const stored = boundedReport(report);
  const recorded = await deps.reviews.recordReview(
    review,
    stored,
    {
      actor: 'system:review',
      action: 'review.recorded',
      data: { summary: review.summary, counts: review.counts, changes: review.changes, omitted: stored.omitted },
      at: deps.now().toISOString(),
    },
    [ConfigurationReviewRecorded.build({ reviewId })],
  );
  return { reviewId, outcome: recorded ? 'recorded' : 'already_recorded' };
}

/** `Configuration Review Recorded` / `Acknowledged`: the review's message, posted once, then updated in place. */
export async function showReview(reviewId: string, deps: ReviewSlackDependencies): Promise<{ action: string }> {
  const [review, stored] = await Promise.all([deps.reviews.getReview(reviewId), deps.reviews.getReport(reviewId)]);
  if (!review || !stored) throw new Error(`configuration review ${reviewId} not found`);
  const message = reviewMessage(review, stored.report, stored.omitted);
  const posted = await deps.reviews.getMessage(reviewId);
  if (posted?.ts && posted.channel) {
    await deps.slack.update(posted.channel, posted.ts, message);
    return { action: 'updated' };
  }
  // One poster: a second delivery racing the first fails here and is retried once the message exists.
  if (!(await deps.reviews.claimMessage(reviewId, deps.now().toISOString())))
    throw new Error(`configuration review ${reviewId}: its message is being posted`);
  const at = await deps.slack.post(reviewChannel(deps.config), message);
  await deps.reviews.saveMessage(reviewId, at);
  return { action: 'posted' };
}

export type ReviewAckResult =
  | { readonly ok: false; readonly refusal: Refusal | 'unknown_review' }
  | { readonly ok: true; readonly reviewedAt: string; readonly role: 'cto' | 'senior' };

/** A Reviewed click: decided by the policy (CTO, or a senior engineer while the CTO is away); every attempt audited. */
export async function acknowledgeReviewClick(
  input: { readonly reviewId: string; readonly actor: Actor },
  deps: ReviewAckDependencies,
): Promise<ReviewAckResult> {
  // Only ids as Firebreak mints them reach the table.
  if (!REVIEW_ID_PATTERN.test(input.reviewId)) return { ok: false, refusal: 'unknown_review' };
  const actor = `slack:${input.actor.userId}`;
  for (let attempt = 0; attempt < 10; attempt++) {
    const now = deps.now().toISOString();
    const review = await deps.reviews.getReview(input.reviewId);
    if (!review) return { ok: false, refusal: 'unknown_review' };
    const { members, cto } = await deps.roster();
    const decision = acknowledgeReview({
      review,
      actor: input.actor,
      workspaceTeamId: deps.config.slack.teamId,
      member: members.find((m) => m.slackUserId === input.actor.userId),
      cto,
      now,
    });
    if (!decision.allowed) {
      await deps.reviews.auditRefusal(review.id, {
        actor,
        action: 'review.acknowledge_refused',
        data: { reason: decision.refusal, teamId: input.actor.teamId },
        at: now,
      });
      return { ok: false, refusal: decision.refusal };
    }
    const saved = await deps.reviews.saveAcknowledgement(
      { ...review, reviewedBy: decision.review.reviewedBy, reviewedAt: now, reviewedAs: decision.role },
      review,
      { actor, action: 'review.acknowledged', data: { role: decision.role }, at: now },
      [ConfigurationReviewAcknowledged.build({ reviewId: review.id })],
    );
    if (saved) return { ok: true, reviewedAt: now, role: decision.role };
  }
  throw new Error(`configuration review ${input.reviewId}: too many concurrent writers`);
}

const REFUSALS: Partial<Record<Refusal | 'unknown_review', string>> = {
  unknown_review: 'This configuration review is unknown.',
  cto_available: 'The CTO is available: senior engineers may mark the review reviewed only while the CTO is away.',
  wrong_role: 'Only the CTO, or a senior engineer while the CTO is away, marks the configuration review reviewed.',
  not_on_roster: 'You are not on the Firebreak roster.',
  other_workspace: 'Firebreak does not accept decisions from this workspace.',
  already_decided: 'This configuration review is already reviewed.',
};

/** What the person who clicked is told (ephemeral). */
export function reviewAckReply(reviewId: string, result: ReviewAckResult): Reply {
  const id = code(reviewId, 40);
  if (!result.ok) return { ok: false, text: `${id}: ${REFUSALS[result.refusal] ?? 'Refused.'}` };
  return { ok: true, text: `${id} marked reviewed at ${formatTime(result.reviewedAt)}. Thank you.` };
}
