import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { NOW, repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('roster')));
afterAll(() => db.client.destroy());

describe('RosterRepository on DynamoDB Local', () => {
  it('away until a time, then back', async () => {
    expect(await db.roster.getAwayTimes()).toEqual(new Map());
    await db.roster.setAway('U0CTO000001', '2026-11-23T12:00:00.000Z', NOW);
    await db.roster.setAway('U0SENIOR001', '2026-11-24T12:00:00.000Z', NOW);
    await db.roster.setAway('U0SENIOR001', undefined, NOW);
    expect(await db.roster.getAwayTimes()).toEqual(new Map([['U0CTO000001', '2026-11-23T12:00:00.000Z']]));
  });

  it('a member item that does not parse is an error naming its key', async () => {
    await db.putRaw({ ...keys.roster('U0BROKEN0001'), type: 'roster', awayUntil: 42 });
    await expect(db.roster.getAwayTimes()).rejects.toThrow('ROSTER / USER#U0BROKEN0001');
  });
});
