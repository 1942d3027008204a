import * as z from '../../core/zod.ts';
import { appendToChain, configurationReviewChainId, GENESIS_HASH, type AuditEntry } from '../../core/audit/chain.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { PreviousReview, ReviewReport } from '../../core/review/report.ts';
import type { StoredReview } from '../../core/review/review-record.ts';
import { MessageSlots } from './message-slots.ts';
import { auditPut, readAudit } from './audit.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, keys, parseItem, TABLE, type Table } from './table.ts';

/** One audit entry before it is chained (the shape of the configuration-review port's). */
interface ReviewAudit {
  readonly actor: string;
  readonly action: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: string;
}

const SECTION_IDS = ['patching', 'unmanaged', 'config', 'open-security-groups', 'old-access-keys'] as const;

/** The review's state (`REVIEW#<id>` / `STATE`). */
const ReviewItem = z.looseObject({
  id: z.string(),
  scheduledAt: z.string(),
  takenAt: z.string(),
  summary: z.object({ managed: z.number(), online: z.number(), patchCompliant: z.number(), ec2Instances: z.number() }),
  counts: z.partialRecord(z.enum(SECTION_IDS), z.number().check(z.int())),
  changes: z.object({ since: z.optional(z.string()), added: z.number().check(z.int()), resolved: z.number().check(z.int()) }),
  reviewedBy: z.optional(z.string()),
  reviewedAt: z.optional(z.string()),
  reviewedAs: z.optional(z.enum(['cto', 'senior'])),
  auditSeq: z.optional(z.number().check(z.int())),
  auditHead: z.optional(z.string()),
}) satisfies z.ZodMiniType<StoredReview>;

const Item = z.object({ key: z.string(), text: z.string() });
const ReportSchema = z.object({
  takenAt: z.string(),
  summary: ReviewItem.shape.summary,
  sections: z.array(z.object({ id: z.enum(SECTION_IDS), title: z.string(), items: z.array(Item) })),
  changes: z.object({ since: z.optional(z.string()), added: z.array(Item), resolved: z.array(Item) }),
}) satisfies z.ZodMiniType<ReviewReport>;
/** The report as one JSON string (bounded by `boundedReport`), parsed again on every read. */
const ReportItem = z.object({ report: z.string(), omitted: z.number().check(z.int()) });

/** Reviews are listed, newest first, through the by-status index under this partition. */
const REVIEWS_INDEX = 'REVIEWS';

/**
 * Configuration reviews: the state (`REVIEW#<id>` / `STATE`, on the by-status index under
 * `REVIEWS`), the stored report (`REPORT`), the Slack message (`SLACK`) and the review's own audit
 * chain (`AUD#<seq>`). Recording and acknowledging each write the state, the audit entry and the
 * outbox item in one transaction.
 */
export class ConfigurationReviewRepository {
  private readonly messages: MessageSlots;

  constructor(private readonly table: Table) {
    this.messages = new MessageSlots(table, keys.reviewMessage);
  }

  async getReview(id: string): Promise<StoredReview | undefined> {
    return this.table.get(keys.review(id), ReviewItem);
  }

  async getReport(id: string): Promise<{ report: ReviewReport; omitted: number } | undefined> {
    const item = await this.table.get(keys.reviewReport(id), ReportItem);
    return item && { report: ReportSchema.parse(JSON.parse(item.report)), omitted: item.omitted };
  }

  async previousReview(takenAt: string): Promise<PreviousReview | undefined> {
    const [latest] = await this.table.query(
      {
        IndexName: TABLE.byStatusIndex.name,
        KeyConditionExpression: '#pk = :pk AND #sk < :before',
        ExpressionAttributeNames: { '#pk': TABLE.byStatusIndex.partitionKey, '#sk': TABLE.byStatusIndex.sortKey },
        ExpressionAttributeValues: { ':pk': REVIEWS_INDEX, ':before': takenAt },
        ScanIndexForward: false,
        Limit: 1,
      },
      1,
    );
    if (!latest) return undefined;
    const review = parseItem(ReviewItem, latest);
    const stored = await this.getReport(review.id);
    if (!stored) return undefined;
    return { takenAt: review.takenAt, items: stored.report.sections.flatMap((s) => s.items) };
  }

  async getAudit(reviewId: string): Promise<AuditEntry[]> {
    return readAudit(this.table, configurationReviewChainId(reviewId));
  }

  async recordReview(
    review: StoredReview,
    stored: { report: ReviewReport; omitted: number },
    audit: ReviewAudit,
    events: readonly BusEvent[],
  ): Promise<boolean> {
    const [entry] = chain(review.id, undefined, audit);
    const result = await this.table.transact([
      {
        Put: {
          Item: {
            ...keys.review(review.id),
            type: 'review',
            ...review,
            [TABLE.byStatusIndex.partitionKey]: REVIEWS_INDEX,
            [TABLE.byStatusIndex.sortKey]: `${review.takenAt}#${review.id}`,
            auditSeq: entry.seq,
            auditHead: entry.hash,
          },
          ...IS_NEW,
        },
      },
      {
        Put: {
          Item: {
            ...keys.reviewReport(review.id),
            type: 'review-report',
            report: JSON.stringify(stored.report),
            omitted: stored.omitted,
          },
          ...IS_NEW,
        },
      },
      auditPut(entry),
      ...outboxPuts(events),
    ]);
    return result.applied;
  }

  async saveAcknowledgement(
    review: StoredReview,
    previous: StoredReview,
    audit: ReviewAudit,
    events: readonly BusEvent[],
  ): Promise<boolean> {
    const [entry] = chain(review.id, previous, audit);
    const result = await this.table.transact([
      {
        Update: {
          Key: keys.review(review.id),
          UpdateExpression: 'SET reviewedBy = :by, reviewedAt = :at, reviewedAs = :as, auditSeq = :seq, auditHead = :head',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(reviewedBy) AND auditSeq = :previous',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          ExpressionAttributeValues: {
            ':by': review.reviewedBy,
            ':at': review.reviewedAt,
            ':as': review.reviewedAs,
            ':seq': entry.seq,
            ':head': entry.hash,
            ':previous': previous.auditSeq ?? 0,
          },
        },
      },
      auditPut(entry),
      ...outboxPuts(events),
    ]);
    return result.applied;
  }

  /** A refused attempt: one more audit entry, conditional on the chain head read (retried when it moved). */
  async auditRefusal(reviewId: string, audit: ReviewAudit): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.getReview(reviewId);
      // A review that does not exist has no chain to join; the Slack function logs the refusal.
      if (!current) return;
      const [entry] = chain(reviewId, current, audit);
      const result = await this.table.transact([
        {
          Update: {
            Key: keys.review(reviewId),
            UpdateExpression: 'SET auditSeq = :seq, auditHead = :head',
            ConditionExpression: 'auditSeq = :previous',
            ExpressionAttributeValues: { ':seq': entry.seq, ':head': entry.hash, ':previous': current.auditSeq ?? 0 },
          },
        },
        auditPut(entry),
      ]);
      if (result.applied) return;
    }
    throw new Error(`configuration review ${reviewId}: its audit chain kept moving`);
  }

  /** Where its Slack message is, if it was posted. */
  getMessage(reviewId: string): Promise<{ channel?: string; ts?: string } | undefined> {
    return this.messages.get(reviewId);
  }

  /** Claims the right to post its message: one poster, even when its first events arrive together. */
  claimMessage(reviewId: string, now: string): Promise<boolean> {
    return this.messages.claim(reviewId, now);
  }

  saveMessage(reviewId: string, message: { channel: string; ts: string }): Promise<void> {
    return this.messages.save(reviewId, message);
  }
}

/** The audit entry linked after the head the review records (the genesis for a new review). */
function chain(reviewId: string, holder: { auditSeq?: number; auditHead?: string } | undefined, audit: ReviewAudit) {
  const [entry] = appendToChain(
    configurationReviewChainId(reviewId),
    holder ?? { auditSeq: 0, auditHead: GENESIS_HASH },
    [{ action: audit.action, data: audit.data }],
    audit.actor,
    audit.at,
  );
  return [entry!] as const;
}
