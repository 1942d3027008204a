import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToChain, releaseHoldChainId, verifyChain } from '../../../functions/core/audit/chain.ts';
import type { HoldState } from '../../../functions/core/deployments/release-hold.ts';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { NOW, repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('holds')));
afterAll(() => db.client.destroy());

const hold = (service: string): HoldState => ({
  service,
  held: true,
  reason: 'DEP-0123456789AB failed in production',
  deploymentId: 'DEP-0123456789AB',
  environment: 'production',
  version: 'v2',
  heldAt: NOW,
  seniorQuorum: 2,
  approvals: [],
  revision: 1,
});
const entries = (service: string, previous: Parameters<typeof appendToChain>[1], action: string) =>
  appendToChain(releaseHoldChainId(service), previous, [{ action, data: { service } }], 'test', NOW);

describe('ReleaseHoldRepository on DynamoDB Local', () => {
  it('saves a new hold with the head of its chain; a second "new" hold does not apply', async () => {
    const held = entries('checkout', undefined, 'release.held');
    expect(await db.holds.saveHold(hold('checkout'), undefined, held)).toBe(true);
    expect(await db.holds.getHold('checkout')).toEqual({ ...hold('checkout'), auditSeq: 1, auditHead: held[0]!.hash });
    expect(await db.holds.saveHold(hold('checkout'), undefined, held)).toBe(false);
  });

  it('a change applies only on the hold as it was read (revision and chain head); the chain stays valid', async () => {
    const read = (await db.holds.getHold('checkout'))!;
    const lifted = { ...read, held: false, liftedBy: ['U0CTO000001'], revision: 2 };
    expect(await db.holds.saveHold(lifted, read, entries('checkout', read, 'release.lifted'))).toBe(true);
    // The same read again is stale now: neither the hold nor an audit entry is written.
    expect(await db.holds.saveHold(lifted, read, entries('checkout', read, 'release.lifted'))).toBe(false);
    const now = (await db.holds.getHold('checkout'))!;
    expect(now).toMatchObject({ held: false, revision: 2, auditSeq: 2 });
    const chain = await db.holds.getAudit('checkout');
    expect(chain.map((e) => e.action)).toEqual(['release.held', 'release.lifted']);
    expect(verifyChain(chain, { seq: now.auditSeq!, hash: now.auditHead! })).toEqual({ valid: true, length: 2 });
  });

  it('a hold item that does not parse is an error naming its key', async () => {
    await db.putRaw({ ...keys.hold('broken'), type: 'hold', service: 'broken', held: 'yes' });
    await expect(db.holds.getHold('broken')).rejects.toThrow('HOLD#broken / STATE');
  });
});
