/** The configuration review's Slack message: the report, and its Reviewed button until someone reviewed it. Pure. */
import { button, contextBlock, header, section, type SlackMessage } from '../slack/block-kit.ts';
import { code, escapeSlackText, formatTime, mention, SLACK_LIMITS } from '../slack/text.ts';
import { reviewLines, type ReviewReport } from './report.ts';
import type { StoredReview } from './review-record.ts';

export const REVIEW_ACTION_ID = 'configuration_review_reviewed';

/** Items shown per section in Slack; the whole report is stored and `firebreak review` prints it. */
const SHOWN_PER_SECTION = 10;
/** Room left for the header, the button or the acknowledgement, and the footer. */
const MAX_TEXT_BLOCKS = SLACK_LIMITS.blocks - 5;

/** Lines packed into sections of at most Slack's 3,000 characters (a longer line is cut by `section`). */
function sections(lines: readonly string[]): object[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + line.length + 1 > SLACK_LIMITS.sectionText - 100) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) chunks.push(current);
  return chunks.slice(0, MAX_TEXT_BLOCKS).map((chunk) => section(chunk.replace(/^\n+|\n+$/g, '') || ' '));
}

export function reviewMessage(review: StoredReview, report: ReviewReport, omitted: number): SlackMessage {
  // Item texts come from the account (instance and group names): escaped; the rest is Firebreak's own.
  const [, ...lines] = reviewLines(report, escapeSlackText, SHOWN_PER_SECTION);
  const blocks: object[] = [header(`Configuration review · ${review.takenAt.slice(0, 10)}`), ...sections(lines)];
  if (omitted > 0)
    blocks.push(contextBlock([`The stored report keeps the first items of each section: ${omitted} more are not shown.`]));
  blocks.push(
    review.reviewedBy
      ? contextBlock([
          `:white_check_mark: Reviewed by ${mention(review.reviewedBy)} at ${formatTime(review.reviewedAt ?? '')}${review.reviewedAs === 'senior' ? ' (senior engineer, the CTO away)' : ''}`,
        ])
      : { type: 'actions', elements: [button('Reviewed', REVIEW_ACTION_ID, review.id, 'primary')] },
  );
  blocks.push(contextBlock([`${code(review.id, 40)} · \`firebreak review\` prints the whole report`]));
  const status = review.reviewedBy ? `reviewed by ${mention(review.reviewedBy)}` : 'awaiting the CTO\u2019s review';
  return { text: `Configuration review of ${formatTime(review.takenAt)}: ${status}`, blocks };
}
