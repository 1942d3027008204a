import type { BusEvent } from '../../core/events/contract.ts';
import type { FleetSnapshot } from '../../core/review/fleet-snapshot.ts';
import type { PreviousReview, ReviewReport } from '../../core/review/report.ts';
import type { StoredReview } from '../../core/review/review-record.ts';

/** One audit entry on a review's chain, before it is chained (the store links it after the head it reads). */
export interface ReviewAudit {
  readonly actor: string;
  readonly action: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: string;
}

/** Reads the production fleet's facts for the review (EC2, SSM, Config, IAM; or the simulated fleet). */
export interface FleetSnapshotPort {
  read(takenAt: string): Promise<FleetSnapshot>;
}

/** Configuration reviews: the state (small, read per click), the stored report, the review's audit chain, its Slack message. */
export interface ConfigurationReviewsPort {
  getReview(id: string): Promise<StoredReview | undefined>;
  getReport(id: string): Promise<{ report: ReviewReport; omitted: number } | undefined>;
  /** The items of the latest review taken before `takenAt`, for "what changed since the last review". */
  previousReview(takenAt: string): Promise<PreviousReview | undefined>;
  /** Records a new review with its report, audit entry and events in one write; false when it exists already. */
  recordReview(
    review: StoredReview,
    stored: { report: ReviewReport; omitted: number },
    audit: ReviewAudit,
    events: readonly BusEvent[],
  ): Promise<boolean>;
  /** Saves the acknowledgement, conditional on the review being unacknowledged and its chain as read; false if not. */
  saveAcknowledgement(
    review: StoredReview,
    previous: StoredReview,
    audit: ReviewAudit,
    events: readonly BusEvent[],
  ): Promise<boolean>;
  /** A refused attempt changes nothing but is audited on the review's chain (when the review exists). */
  auditRefusal(reviewId: string, audit: ReviewAudit): Promise<void>;
  getMessage(reviewId: string): Promise<{ channel?: string; ts?: string } | undefined>;
  /** The right to post the review's message: one poster, even when its event is delivered twice at once. */
  claimMessage(reviewId: string, now: string): Promise<boolean>;
  saveMessage(reviewId: string, message: { channel: string; ts: string }): Promise<void>;
}
