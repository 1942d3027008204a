import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../../functions/core/audit/chain.ts';
import { buildReview } from '../../../functions/core/review/report.ts';
import { boundedReport, newStoredReview } from '../../../functions/core/review/review-record.ts';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { simulatedFleetSnapshot } from '../../../functions/local/fleet-review.ts';
import { repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('reviews')));
afterAll(() => db.client.destroy());

const recorded = { detailType: 'Configuration Review Recorded', detail: { reviewId: 'x' } };
async function record(takenAt: string, id: string) {
  const previous = await db.reviews.previousReview(takenAt);
  const report = buildReview(simulatedFleetSnapshot(takenAt), previous, { accessKeyMaxAgeDays: 90 });
  const review = newStoredReview(id, takenAt, report);
  const audit = { actor: 'system:review', action: 'review.recorded', data: {}, at: takenAt };
  return { review, saved: await db.reviews.recordReview(review, boundedReport(report), audit, [recorded]) };
}

describe('ConfigurationReviewRepository on DynamoDB Local', () => {
  it('records a review once: the same run again is refused as a whole', async () => {
    expect((await record('2026-12-07T08:00:00.000Z', 'REV-202612070800')).saved).toBe(true);
    expect((await record('2026-12-07T08:00:00.000Z', 'REV-202612070800')).saved).toBe(false);
    expect((await db.reviews.getAudit('REV-202612070800')).map((e) => e.action)).toEqual(['review.recorded']);
    const state = await db.table.doc.send(new GetCommand({ TableName: db.table.name, Key: keys.review('REV-202612070800') }));
    // Read on every click: it stays a hot item under 1 KB.
    expect(Buffer.byteLength(JSON.stringify(state.Item))).toBeLessThan(1024);
  });

  it('finds the newest earlier review for "what changed", not a later one', async () => {
    await record('2026-12-21T08:00:00.000Z', 'REV-202612210800');
    expect((await db.reviews.previousReview('2026-12-14T08:00:00.000Z'))?.takenAt).toBe('2026-12-07T08:00:00.000Z');
    expect((await db.reviews.previousReview('2026-12-28T08:00:00.000Z'))?.takenAt).toBe('2026-12-21T08:00:00.000Z');
    expect(await db.reviews.previousReview('2026-12-01T08:00:00.000Z')).toBeUndefined();
  });

  it('of two acknowledgements racing from the same read, exactly one is saved; the chain stays whole', async () => {
    const read = (await db.reviews.getReview('REV-202612070800'))!;
    const at = '2026-12-07T09:00:00.000Z';
    const ack = (userId: string, role: 'cto' | 'senior') =>
      db.reviews.saveAcknowledgement(
        { ...read, reviewedBy: userId, reviewedAt: at, reviewedAs: role },
        read,
        { actor: `slack:${userId}`, action: 'review.acknowledged', data: { role }, at },
        [],
      );
    const results = await Promise.all([ack('U0CTO000001', 'cto'), ack('U0SENIOR001', 'senior')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const audit = await db.reviews.getAudit('REV-202612070800');
    expect(audit.map((e) => e.action)).toEqual(['review.recorded', 'review.acknowledged']);
    const after = (await db.reviews.getReview('REV-202612070800'))!;
    expect(verifyChain(audit, { seq: after.auditSeq!, hash: after.auditHead! }).valid).toBe(true);
    // A stale read can never overwrite who reviewed it.
    expect(await ack('U0SENIOR002', 'senior')).toBe(false);
  });

  it('audits a refusal on the review\u2019s chain, and writes nothing for a review that does not exist', async () => {
    const at = '2026-12-07T10:00:00.000Z';
    await db.reviews.auditRefusal('REV-202612070800', {
      actor: 'slack:U0RESPOND01',
      action: 'review.acknowledge_refused',
      data: { reason: 'wrong_role' },
      at,
    });
    const audit = await db.reviews.getAudit('REV-202612070800');
    expect(audit.at(-1)).toMatchObject({
      action: 'review.acknowledge_refused',
      actor: 'slack:U0RESPOND01',
      data: { reason: 'wrong_role' },
    });
    expect(verifyChain(audit).valid).toBe(true);
    await db.reviews.auditRefusal('REV-209901010000', {
      actor: 'slack:U0CTO000001',
      action: 'review.acknowledge_refused',
      data: {},
      at,
    });
    expect(await db.reviews.getAudit('REV-209901010000')).toEqual([]);
    expect(await db.reviews.getReview('REV-209901010000')).toBeUndefined();
  });

  it('claims the message once; a stale claim whose holder never posted can be taken over', async () => {
    const now = '2026-12-07T08:00:10.000Z';
    expect(await db.reviews.claimMessage('REV-202612210800', now)).toBe(true);
    expect(await db.reviews.claimMessage('REV-202612210800', now)).toBe(false);
    expect(await db.reviews.claimMessage('REV-202612210800', '2026-12-07T08:02:00.000Z')).toBe(true);
    await db.reviews.saveMessage('REV-202612210800', { channel: 'C0INCIDENTS', ts: '1.2' });
    expect(await db.reviews.claimMessage('REV-202612210800', '2026-12-08T08:00:00.000Z')).toBe(false);
    expect(await db.reviews.getMessage('REV-202612210800')).toMatchObject({ channel: 'C0INCIDENTS', ts: '1.2' });
  });
});
