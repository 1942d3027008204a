import { describe, expect, it } from 'vitest';
import { utf8Bytes } from '../../../functions/core/caps.ts';
import type { ReviewReport } from '../../../functions/core/review/report.ts';
import { REVIEW_ACTION_ID, reviewMessage } from '../../../functions/core/review/review-message.ts';
import { boundedReport, newStoredReview, reviewChannel } from '../../../functions/core/review/review-record.ts';
import { SLACK_LIMITS } from '../../../functions/core/slack/text.ts';
import { exampleConfig } from '../../support.ts';

const TAKEN = '2026-12-07T08:00:00.000Z';
const report = (perSection: number, text = (i: number) => `i-${i}: 3 missing, 0 failed, 0 pending reboot`): ReviewReport => ({
  takenAt: TAKEN,
  summary: { managed: perSection, online: perSection, patchCompliant: 0, ec2Instances: perSection },
  sections: [
    {
      id: 'patching',
      title: 'SSM-managed instances needing attention (patch compliance, agent)',
      items: Array.from({ length: perSection }, (_, i) => ({ key: `patch:i-${i}`, text: text(i) })),
    },
    { id: 'unmanaged', title: 'EC2 instances Systems Manager does not manage', items: [] },
  ],
  changes: { added: [], resolved: [] },
});

describe('the stored review', () => {
  it('keeps a report that fits whole, and cuts a huge one to the limit, counting what it left out', () => {
    expect(boundedReport(report(10))).toEqual({ report: report(10), omitted: 0 });
    const huge = report(20_000, (i) => `i-${i} (${'x'.repeat(200)}): 3 missing`);
    const { report: cut, omitted } = boundedReport(huge, 200_000);
    expect(utf8Bytes(JSON.stringify(cut))).toBeLessThanOrEqual(200_000);
    expect(cut.sections[0]!.items.length).toBeGreaterThan(100);
    expect(omitted).toBe(20_000 - cut.sections[0]!.items.length);
  });

  it('the state counts every item, before any cut', () => {
    const review = newStoredReview('REV-202612070800', TAKEN, report(700));
    expect(review).toMatchObject({ id: 'REV-202612070800', counts: { patching: 700, unmanaged: 0 }, changes: { added: 0 } });
    expect(review.changes.since).toBeUndefined();
  });

  it('goes to review.channel, else the default channel', () => {
    const config = exampleConfig();
    expect(reviewChannel(config)).toBe(config.slack.channels.default);
    expect(reviewChannel({ ...config, review: { ...config.review, channel: 'C0CTOREVIEW' } })).toBe('C0CTOREVIEW');
  });
});

describe('the review message', () => {
  const review = newStoredReview('REV-202612070800', TAKEN, report(3));

  it('carries the Reviewed button until reviewed, then says who and when instead', () => {
    const open = reviewMessage(review, report(3), 0);
    expect(JSON.stringify(open.blocks)).toContain(`"action_id":"${REVIEW_ACTION_ID}"`);
    const done = reviewMessage({ ...review, reviewedBy: 'U0CTO000001', reviewedAt: TAKEN, reviewedAs: 'cto' }, report(3), 0);
    expect(JSON.stringify(done.blocks)).not.toContain(REVIEW_ACTION_ID);
    expect(JSON.stringify(done.blocks)).toContain('Reviewed by <@U0CTO000001> at 2026-12-07 08:00:00 UTC');
    expect(done.text).toContain('reviewed by <@U0CTO000001>');
  });

  it('shows text from the account inert: no mention, link or formatting gets through', () => {
    const hostile = report(2, () => 'web <!channel> <https://evil.example|runbook> *APPROVED*');
    const text = JSON.stringify(reviewMessage(review, hostile, 0).blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('stays inside Slack block limits for a big fleet, and says how much the stored report left out', () => {
    const big = report(5_000, (i) => `i-${i} (${'n'.repeat(250)}): 3 missing`);
    const message = reviewMessage(review, big, 1234);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const block of message.blocks as Array<{ text?: { text: string } }>)
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(JSON.stringify(message.blocks)).toContain('1234 more are not shown');
    expect(JSON.stringify(message.blocks)).toContain('and 4990 more');
  });
});
