import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from '../../../functions/core/zod.ts';
import { IS_NEW, keys, parseItem, Table, TABLE, UnreadableItemError } from '../../../functions/adapters/dynamodb/table.ts';
import { freshTable } from '../../support.ts';

let table: Table;
let destroy: () => void;

beforeAll(async () => {
  const { client, tableName } = await freshTable('table');
  table = new Table(client, tableName);
  destroy = () => client.destroy();
});
afterAll(() => destroy());

const Thing = z.object({ n: z.number() });

describe('the table helper on DynamoDB Local', () => {
  it('a conditional put says whether it applied: true the first time, false when its condition fails', async () => {
    const item = { ...keys.once('INC-T', 'first'), n: 1 };
    expect(await table.conditional({ put: { Item: item, ...IS_NEW } })).toBe(true);
    expect(await table.conditional({ put: { Item: { ...item, n: 2 }, ...IS_NEW } })).toBe(false);
    expect(await table.get(keys.once('INC-T', 'first'), Thing)).toEqual({ n: 1 });
  });

  it('a conditional update says whether it applied', async () => {
    const key = keys.once('INC-T', 'update');
    await table.put({ ...key, n: 1 });
    const bump = (expected: number) =>
      table.conditional({
        update: {
          Key: key,
          UpdateExpression: 'SET n = :next',
          ConditionExpression: 'n = :expected',
          ExpressionAttributeValues: { ':next': expected + 1, ':expected': expected },
        },
      });
    expect(await bump(1)).toBe(true);
    expect(await bump(1)).toBe(false);
    expect(await table.get(key, Thing)).toEqual({ n: 2 });
  });

  it('a cancelled transaction writes nothing and names each item\u2019s reason', async () => {
    const taken = keys.once('INC-T', 'taken');
    await table.put({ ...taken, n: 1 });
    const fresh = keys.once('INC-T', 'fresh');
    const result = await table.transact([
      { Put: { Item: { ...fresh, n: 1 }, ...IS_NEW } },
      { Put: { Item: { ...taken, n: 2 }, ...IS_NEW } },
    ]);
    expect(result).toEqual({ applied: false, reasons: ['None', 'ConditionalCheckFailed'] });
    expect(await table.get(fresh, Thing)).toBeUndefined();
    expect(await table.transact([{ Put: { Item: { ...fresh, n: 1 }, ...IS_NEW } }])).toEqual({ applied: true });
  });

  it('a query follows every page, in key order, and stops at its limit', async () => {
    for (let i = 0; i < 7; i++) await table.put({ [TABLE.partitionKey]: 'PAGES', [TABLE.sortKey]: `ITEM#${i}`, n: i });
    const input = {
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      ExpressionAttributeValues: { ':pk': 'PAGES' },
      Limit: 2,
    };
    expect((await table.query(input)).map((item) => item.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await table.query(input, 3)).map((item) => item.n)).toEqual([0, 1, 2]);
    expect((await table.queryPrefix('PAGES', 'ITEM#')).length).toBe(7);
  });

  it('an item that does not parse is an error naming its key, never a cast', async () => {
    await table.put({ ...keys.once('INC-T', 'corrupt'), n: 'one' });
    const read = table.get(keys.once('INC-T', 'corrupt'), Thing);
    await expect(read).rejects.toBeInstanceOf(UnreadableItemError);
    await expect(read).rejects.toThrow('unreadable item INC#INC-T / ONCE#corrupt: n:');
    expect(() => parseItem(Thing, { pk: 'A', sk: 'B' })).toThrow('unreadable item A / B');
  });
});
