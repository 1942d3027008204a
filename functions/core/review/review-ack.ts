/**
 * The "Reviewed" button: the CTO acknowledges the review, or a senior engineer while the CTO is
 * away. One acknowledgement closes it. Pure; the caller audits every attempt.
 */
import { decideApproval, type Refusal } from '../approval/policy.ts';
import { isAway, type RosterMember } from '../approval/roster.ts';

export interface ReviewRecord {
  readonly id: string;
  readonly takenAt: string;
  readonly reviewedBy?: string;
  readonly reviewedAt?: string;
}

export type ReviewAck =
  | { readonly allowed: false; readonly refusal: Refusal }
  | {
      readonly allowed: true;
      readonly review: ReviewRecord & { reviewedBy: string; reviewedAt: string };
      readonly role: 'cto' | 'senior';
    };

export function acknowledgeReview(input: {
  readonly review: ReviewRecord | undefined;
  readonly actor: { readonly userId: string; readonly teamId: string };
  readonly workspaceTeamId: string;
  readonly member: RosterMember | undefined;
  readonly cto: RosterMember;
  readonly now: string;
}): ReviewAck {
  const { review, now } = input;
  const verdict = decideApproval({
    action: 'approve',
    actor: input.actor,
    workspaceTeamId: input.workspaceTeamId,
    member: input.member?.slackUserId === input.actor.userId ? input.member : undefined,
    blocked: !review || review.reviewedBy ? 'already_decided' : undefined,
    requesters: [],
    ctoAvailable: !isAway(input.cto, now),
    seniorApprovals: [],
    seniorQuorum: 1,
  });
  if (!verdict.allowed) return verdict;
  if (verdict.outcome === 'rejected') return { allowed: false, refusal: 'wrong_role' };
  return {
    allowed: true,
    review: { ...review!, reviewedBy: verdict.member.slackUserId, reviewedAt: now },
    role: verdict.member.role === 'cto' ? 'cto' : 'senior',
  };
}

/** Review ids as `reviewIdFor` mints them: the only shape a click or an event may name. */
export const REVIEW_ID_PATTERN = /^REV-\d{12}$/;

/** The review id: `REV-<yyyymmddhhmm>` of when the snapshot was taken (UTC): one per scheduled run. */
export const reviewIdFor = (takenAt: string): string => `REV-${takenAt.slice(0, 16).replace(/[-:T]/g, '')}`;
