/**
 * The CTO's configuration review end to end on DynamoDB Local: the scheduled run through the review
 * function (against the SIMULATED fleet), its message in the Slack stand-in, and really signed
 * clicks on its Reviewed button into the Bolt app, abuse cases next to the happy path.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { REVIEW_ACTION_ID } from '../../functions/core/review/review-message.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import { exampleConfig } from '../support.ts';

const CTO = 'U0CTO000001';
const SENIOR = 'U0SENIOR001';
const RESPONDER = 'U0RESPOND01';
const OTHER_TEAM = 'T0OTHERTEAM';
const MONDAY = '2026-12-07T08:00:00.000Z';
const REVIEW_ID = 'REV-202612070800';
const REVIEW_CHANNEL = 'C0CTOREVIEW';

const base = exampleConfig();
// A channel of its own for the review, as a CTO would configure it.
const config = { ...base, review: { ...base.review, channel: REVIEW_CHANNEL } };
let runtime: LocalRuntime;
let tables = 0;
beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: MONDAY,
    endpoint: inject('dynamoEndpoint'),
    tableName: `review-${process.pid}-${++tables}`,
    execute: false,
  });
});
afterEach(() => runtime?.stop());

const reviewMessages = () => runtime.slack.messages().filter((m) => m.text.startsWith('Configuration review'));
const latestReviewMessage = (): StandInMessage => reviewMessages().at(-1)!;
const reviewedButton = (message: StandInMessage) =>
  message.blocks
    .flatMap((b) => ((b as { type: string }).type === 'actions' ? (b as { elements: object[] }).elements : []))
    .find((e) => (e as { action_id?: string }).action_id === REVIEW_ACTION_ID) as { value: string } | undefined;
const auditActions = async (reviewId = REVIEW_ID) =>
  (await runtime.repositories.reviews.getAudit(reviewId)).map(
    (e) => `${e.action}${e.data.reason ? `:${String(e.data.reason)}` : ''}`,
  );

/** A signed click on Reviewed (the value is the review id the button carries, unless forged). */
async function clickReviewed(userId: string, options: { teamId?: string; value?: string } = {}): Promise<string> {
  const message = latestReviewMessage();
  const before = runtime.slack.responses().length;
  const response = await runtime.click(
    userId,
    {
      actionId: REVIEW_ACTION_ID,
      value: options.value ?? reviewedButton(message)?.value ?? REVIEW_ID,
      channel: message.channel,
      ts: message.ts,
    },
    options.teamId ? { teamId: options.teamId } : {},
  );
  expect(response.statusCode).toBe(200);
  return runtime.slack
    .responses()
    .slice(before)
    .map((r) => String(r.body.text))
    .join('\n');
}

describe('the scheduled configuration review', () => {
  it('records the run once, with its audit entry, and posts the report to the review channel with a Reviewed button', async () => {
    const [run] = await runtime.review.run(MONDAY);
    expect(run?.result).toEqual({ reviewId: REVIEW_ID, outcome: 'recorded' });
    const review = await runtime.repositories.reviews.getReview(REVIEW_ID);
    expect(review).toMatchObject({
      id: REVIEW_ID,
      takenAt: MONDAY,
      summary: { managed: 20, online: 19 },
      counts: { patching: expect.any(Number), 'old-access-keys': 1 },
      changes: { added: 0, resolved: 0 },
    });
    expect(review?.reviewedBy).toBeUndefined();
    expect(await auditActions()).toEqual(['review.recorded']);
    expect(verifyChain(await runtime.repositories.reviews.getAudit(REVIEW_ID)).valid).toBe(true);

    const message = latestReviewMessage();
    expect(message.channel).toBe(REVIEW_CHANNEL);
    expect(reviewedButton(message)?.value).toBe(REVIEW_ID);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Security groups open to the world');
    expect(text).toContain('this is the first review');
    expect(runtime.bus.emitted.map((e) => e['detail-type'])).toEqual(['Configuration Review Recorded']);
  });

  it('runs on its weekly schedule as the clock passes Monday 08:00, once per firing, with the firing as the review time', async () => {
    // The runtime starts at Monday 08:00: the schedule's next firings are the Mondays after.
    const fired = await runtime.advance(7 * 24 * 60 * 60_000 - 1);
    expect(fired.filter((d) => d.rule === 'schedule:configuration-review')).toEqual([]);
    expect(reviewMessages()).toHaveLength(0);

    const week = await runtime.advance(1);
    expect(week.filter((d) => d.rule === 'schedule:configuration-review').map((d) => d.result)).toEqual([
      { reviewId: 'REV-202612140800', outcome: 'recorded' },
    ]);
    await runtime.advance(14 * 24 * 60 * 60_000);
    expect(reviewMessages()).toHaveLength(3);
    expect(await runtime.repositories.reviews.getReview('REV-202612280800')).toMatchObject({
      takenAt: '2026-12-28T08:00:00.000Z',
    });
  });

  it('a redelivered invocation of the same run records nothing and posts nothing twice', async () => {
    await runtime.review.run(MONDAY);
    const [again] = await runtime.review.run(MONDAY);
    expect(again?.result).toEqual({ reviewId: REVIEW_ID, outcome: 'already_recorded' });
    expect(reviewMessages()).toHaveLength(1);
    expect(await auditActions()).toEqual(['review.recorded']);
  });

  it('a redelivered Recorded event updates the one message instead of posting a second', async () => {
    await runtime.review.run(MONDAY);
    const [recorded] = runtime.bus.emitted;
    runtime.bus.put('firebreak', recorded);
    await runtime.bus.drain();
    expect(reviewMessages()).toHaveLength(1);
    expect(runtime.bus.deadLetters).toEqual([]);
  });

  it('the next review says what changed since the previous one, by its time', async () => {
    await runtime.review.run(MONDAY);
    const [next] = await runtime.review.run('2026-12-14T08:00:00.000Z');
    expect(next?.result).toEqual({ reviewId: 'REV-202612140800', outcome: 'recorded' });
    expect(await runtime.repositories.reviews.getReview('REV-202612140800')).toMatchObject({ changes: { since: MONDAY } });
    expect(JSON.stringify(latestReviewMessage().blocks)).toContain(`Changes since the review of ${MONDAY}`);
    expect(reviewMessages()).toHaveLength(2);
  });
});

describe('the Reviewed button', () => {
  beforeEach(async () => {
    await runtime.review.run(MONDAY);
  });

  it('the CTO marks it reviewed: recorded with its audit entry, and the message says who and when', async () => {
    expect(await clickReviewed(CTO)).toContain('marked reviewed at 2026-12-07 08:00:00 UTC');
    expect(await runtime.repositories.reviews.getReview(REVIEW_ID)).toMatchObject({
      reviewedBy: CTO,
      reviewedAt: MONDAY,
      reviewedAs: 'cto',
    });
    expect(await auditActions()).toEqual(['review.recorded', 'review.acknowledged']);
    expect(verifyChain(await runtime.repositories.reviews.getAudit(REVIEW_ID)).valid).toBe(true);
    const message = latestReviewMessage();
    expect(reviewMessages()).toHaveLength(1);
    expect(reviewedButton(message)).toBeUndefined();
    expect(JSON.stringify(message.blocks)).toContain(`Reviewed by <@${CTO}> at 2026-12-07 08:00:00 UTC`);
  });

  it('a responder is refused with the reason, audited, and the button stays', async () => {
    expect(await clickReviewed(RESPONDER)).toContain('Only the CTO, or a senior engineer while the CTO is away');
    expect(await auditActions()).toEqual(['review.recorded', 'review.acknowledge_refused:wrong_role']);
    expect((await runtime.repositories.reviews.getReview(REVIEW_ID))?.reviewedBy).toBeUndefined();
    expect(reviewedButton(latestReviewMessage())).toBeDefined();
  });

  it('a senior engineer is refused while the CTO is available, and allowed while the CTO is away', async () => {
    expect(await clickReviewed(SENIOR)).toContain('The CTO is available');
    expect((await runtime.command(CTO, 'away 2h')).statusCode).toBe(200);
    expect(await clickReviewed(SENIOR)).toContain('marked reviewed');
    expect(await runtime.repositories.reviews.getReview(REVIEW_ID)).toMatchObject({ reviewedBy: SENIOR, reviewedAs: 'senior' });
    expect(await auditActions()).toEqual(['review.recorded', 'review.acknowledge_refused:cto_available', 'review.acknowledged']);
    expect(JSON.stringify(latestReviewMessage().blocks)).toContain('senior engineer, the CTO away');
  });

  it('a second acknowledgement after it was reviewed is refused and audited, and changes nothing', async () => {
    await clickReviewed(CTO);
    expect(await clickReviewed(CTO)).toContain('already reviewed');
    expect(await auditActions()).toEqual([
      'review.recorded',
      'review.acknowledged',
      'review.acknowledge_refused:already_decided',
    ]);
    expect((await runtime.repositories.reviews.getReview(REVIEW_ID))?.reviewedBy).toBe(CTO);
  });

  it('a forged review id is answered as unknown and writes nothing', async () => {
    for (const value of ['REV-209901010000', 'REV-202612070800#x', '../../REVIEW', ''])
      expect(await clickReviewed(CTO, { value })).toContain('unknown');
    expect(await auditActions()).toEqual(['review.recorded']);
    expect(await runtime.repositories.reviews.getReview('REV-209901010000')).toBeUndefined();
    expect((await runtime.repositories.reviews.getReview(REVIEW_ID))?.reviewedBy).toBeUndefined();
  });

  it('a click from another workspace is refused and audited on the review, even as the CTO', async () => {
    expect(await clickReviewed(CTO, { teamId: OTHER_TEAM })).toContain('does not accept requests from this workspace');
    expect(await auditActions()).toEqual(['review.recorded', 'review.acknowledge_refused:other_workspace']);
    expect((await runtime.repositories.reviews.getReview(REVIEW_ID))?.reviewedBy).toBeUndefined();
  });
});
