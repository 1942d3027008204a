/**
 * A scheduled configuration review as it is recorded: a small state (summary, counts, who reviewed
 * it) and the report itself, cut to a size DynamoDB stores comfortably. Pure.
 */
import { utf8Bytes } from '../caps.ts';
import type { FirebreakConfig } from '../config.ts';
import type { ReviewRecord } from './review-ack.ts';
import type { ReviewReport, ReviewSectionId } from './report.ts';

/** The review's state item: read on every Reviewed click, so it stays well under 1 KB. */
export interface StoredReview extends ReviewRecord {
  /** The scheduled run this review belongs to (its id is derived from it). */
  readonly scheduledAt: string;
  readonly summary: ReviewReport['summary'];
  /** Items per section, before any cut. */
  readonly counts: Readonly<Partial<Record<ReviewSectionId, number>>>;
  readonly changes: { readonly since?: string; readonly added: number; readonly resolved: number };
  /** The role the acknowledgement was allowed under. */
  readonly reviewedAs?: 'cto' | 'senior';
  readonly auditSeq?: number;
  readonly auditHead?: string;
}

/** What the report item may hold: far from DynamoDB's 400 KB item limit, whatever the fleet's size. */
const STORED_REPORT_MAX_BYTES = 200_000;

/**
 * The report as stored: whole when it fits `maxBytes` of JSON; otherwise each section (and the
 * changes) keeps its first items, as many as fit, and `omitted` says how many were left out. The
 * next review compares with the items kept.
 */
export function boundedReport(
  report: ReviewReport,
  maxBytes = STORED_REPORT_MAX_BYTES,
): { report: ReviewReport; omitted: number } {
  const total = report.sections.reduce((n, s) => n + s.items.length, 0);
  let keep = Math.max(...report.sections.map((s) => s.items.length), report.changes.added.length, report.changes.resolved.length);
  for (;;) {
    const cut: ReviewReport = {
      ...report,
      sections: report.sections.map((s) => ({ ...s, items: s.items.slice(0, keep) })),
      changes: {
        ...report.changes,
        added: report.changes.added.slice(0, keep),
        resolved: report.changes.resolved.slice(0, keep),
      },
    };
    if (keep === 0 || utf8Bytes(JSON.stringify(cut)) <= maxBytes)
      return { report: cut, omitted: total - cut.sections.reduce((n, s) => n + s.items.length, 0) };
    keep = Math.floor(keep / 2);
  }
}

/** The state item of a new review of `report`, scheduled at `scheduledAt`. */
export function newStoredReview(id: string, scheduledAt: string, report: ReviewReport): StoredReview {
  return {
    id,
    scheduledAt,
    takenAt: report.takenAt,
    summary: report.summary,
    counts: Object.fromEntries(report.sections.map((s) => [s.id, s.items.length])),
    changes: {
      ...(report.changes.since ? { since: report.changes.since } : {}),
      added: report.changes.added.length,
      resolved: report.changes.resolved.length,
    },
  };
}

/** Where the review is posted: `review.channel`, else the default channel (incidents keep their category's channels). */
export const reviewChannel = (config: Pick<FirebreakConfig, 'review' | 'slack'>): string =>
  config.review.channel ?? config.slack.channels.default;
