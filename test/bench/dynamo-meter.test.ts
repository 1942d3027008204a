import {
  DeleteItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meterDynamo } from '../../bench/dynamo-meter.ts';
import { localClient } from '../../functions/local/dynamodb-local.ts';
import { freshTable } from '../support.ts';

/**
 * The bench's meter bills each written item by the larger of its stored size before and after the
 * write, reading only the sizes a write can change: a put conditioned on its item not existing had
 * nothing before it, and a successful put stores exactly its item. These cases pin the units and
 * the reads the meter makes for them.
 */
let table: Awaited<ReturnType<typeof freshTable>>;
let sizing: DynamoDBClient;
let sizingReads = 0;

beforeAll(async () => {
  table = await freshTable('meter');
  sizing = localClient(table.endpoint);
  sizing.middlewareStack.add((next) => (args) => (sizingReads++, next(args)), { step: 'initialize', name: 'countReads' });
});
afterAll(() => {
  sizing.destroy();
  table.client.destroy();
});

const text = (bytes: number) => ({ S: 'x'.repeat(bytes) });
const key = (id: string) => ({ pk: { S: `METER#${id}` }, sk: { S: 'ITEM' } });
const IS_NEW = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } };

/** One write through a client of its own, metered (a client takes one meter). */
async function metered(write: (client: DynamoDBClient) => Promise<unknown>) {
  const client = localClient(table.endpoint);
  const meter = meterDynamo(client, { sizeFrom: sizing });
  sizingReads = 0;
  let failed = false;
  await write(client).catch(() => (failed = true));
  client.destroy();
  return { writeUnits: meter.writeUnits, transactions: meter.transactions, sizingReads, failed };
}

describe('the bench meter', () => {
  it('bills a new item put in a transaction by its own size, without reading anything to size it', async () => {
    const TableName = table.tableName;
    const out = await metered((client) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName, Item: { ...key('new-a'), body: text(1500) }, ...IS_NEW } },
            { Put: { TableName, Item: { ...key('new-b'), body: text(100) }, ...IS_NEW } },
          ],
        }),
      ),
    );
    // 2 units per KB per item in a transaction: 1.5 KB is 4, 100 bytes is 2.
    expect(out).toEqual({ writeUnits: 6, transactions: [6], sizingReads: 0, failed: false });
  });

  it('bills a cancelled new-item put by the item that was there, read after the cancellation', async () => {
    const TableName = table.tableName;
    await table.client.send(new PutItemCommand({ TableName, Item: { ...key('taken'), body: text(2500) } }));
    const out = await metered((client) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName, Item: { ...key('taken'), body: text(10) }, ...IS_NEW } }],
        }),
      ),
    );
    expect(out).toEqual({ writeUnits: 6, transactions: [6], sizingReads: 1, failed: true });
  });

  it('bills an unconditional put over a larger item by the item it replaced, read before', async () => {
    const TableName = table.tableName;
    await table.client.send(new PutItemCommand({ TableName, Item: { ...key('replaced'), body: text(3000) } }));
    const out = await metered((client) =>
      client.send(new PutItemCommand({ TableName, Item: { ...key('replaced'), body: text(10) } })),
    );
    expect(out).toEqual({ writeUnits: 3, transactions: [], sizingReads: 1, failed: false });
  });

  it('bills an update by the larger of the item before and after it, both read', async () => {
    const TableName = table.tableName;
    await table.client.send(new PutItemCommand({ TableName, Item: { ...key('grown'), body: text(10) } }));
    const out = await metered((client) =>
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: key('grown'),
          UpdateExpression: 'SET body = :body',
          ExpressionAttributeValues: { ':body': text(2100) },
        }),
      ),
    );
    expect(out).toEqual({ writeUnits: 3, transactions: [], sizingReads: 2, failed: false });
  });

  it('bills a delete by the item it deleted', async () => {
    const TableName = table.tableName;
    await table.client.send(new PutItemCommand({ TableName, Item: { ...key('deleted'), body: text(1100) } }));
    const out = await metered((client) => client.send(new DeleteItemCommand({ TableName, Key: key('deleted') })));
    expect(out).toEqual({ writeUnits: 2, transactions: [], sizingReads: 1, failed: false });
  });
});
