/**
 * DynamoDB capacity as billed, for the bench and the item-size tests: item sizes by DynamoDB's
 * rules, and a client middleware that counts requests and units.
 */
import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE } from '../functions/adapters/dynamodb/table.ts';

type Write = {
  TableName?: string;
  Item?: AttributeMap;
  Key?: AttributeMap;
  ExpressionAttributeValues?: AttributeMap;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
};
type WriteKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

/** A put that succeeds only if its item did not exist (`attribute_not_exists` of the partition key). */
function isNewPut(kind: WriteKind, write: Write | undefined): boolean {
  const condition = /^attribute_not_exists\((#?\w+)\)$/.exec(write?.ConditionExpression?.trim() ?? '')?.[1];
  return (
    kind === 'Put' &&
    condition !== undefined &&
    (write?.ExpressionAttributeNames?.[condition] ?? condition) === TABLE.partitionKey
  );
}

/** The key of an item about to be put. */
function keyOf(item: AttributeMap): AttributeMap {
  return { [TABLE.partitionKey]: item[TABLE.partitionKey]!, [TABLE.sortKey]: item[TABLE.sortKey]! };
}

function sameKey(key: AttributeMap, item: AttributeMap): boolean {
  return [TABLE.partitionKey, TABLE.sortKey].every((name) => key[name]?.S === item[name]?.S);
}

/**
 * Counts requests and the write units DynamoDB would bill for them, computed from the item sizes
 * (1 unit per KB, twice that inside a transaction; failed conditional writes and cancelled
 * transactions are counted too, as billed): DynamoDB Local's own ConsumedCapacity figures for
 * transactions do not follow the billing rules. Read units are as DynamoDB Local reports them.
 *
 * With `sizeFrom` (a second, unmetered client on the same database), each written item is sized as
 * DynamoDB bills it: the larger of the stored item before and after the write, attribute names
 * included. Without it, a put is sized by its item and an update by its key and values only.
 */
export function meterDynamo(client: DynamoDBClient, options: { sizeFrom?: DynamoDBClient } = {}) {
  /** `transactions`: the write units of each transaction, in order. */
  const meter = { requests: 0, writeUnits: 0, readUnits: 0, transactions: [] as number[] };
  // The stored sizes of all the items a request writes, in one consistent BatchGetItem per table (a
  // transaction's keys are distinct, as BatchGetItem needs): the bench's own reads cost DynamoDB Local
  // as much as the writes they size, so one request rather than one per item.
  const stored = async (writes: ReadonlyArray<Write | undefined>): Promise<number[]> => {
    const sizes = writes.map(() => 0);
    if (!options.sizeFrom) return sizes;
    const byTable = new Map<string, Array<{ index: number; key: AttributeMap }>>();
    writes.forEach((write, index) => {
      if (!write?.TableName) return;
      const key = write.Key ?? keyOf(write.Item!);
      byTable.set(write.TableName, [...(byTable.get(write.TableName) ?? []), { index, key }]);
    });
    for (const [tableName, wanted] of byTable) {
      let keys: AttributeMap[] = wanted.map((w) => w.key);
      while (keys.length) {
        const out = await options.sizeFrom.send(
          new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys as never, ConsistentRead: true } } }),
        );
        for (const item of (out.Responses?.[tableName] ?? []) as AttributeMap[]) {
          const match = wanted.find((w) => sameKey(w.key, item));
          if (match) sizes[match.index] = attributeMapSize(item);
        }
        keys = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as AttributeMap[];
      }
    }
    return sizes;
  };
  const declared = (write: Write | undefined): number =>
    write?.Item ? attributeMapSize(write.Item) : attributeMapSize({ ...write?.Key, ...write?.ExpressionAttributeValues });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      meter.requests++;
      const command = context.commandName ?? '';
      const input = args.input as { TransactItems?: Array<Record<string, Write>> } & Write;
      const kinds: WriteKind[] = [];
      const transactional = (input.TransactItems ?? []).map((item) => {
        const kind = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).find((name) => item[name])!;
        kinds.push(kind);
        return item[kind];
      });
      const singleKind = /^(Put|Update|Delete)(Item)?Command/.exec(command)?.[1] as WriteKind | undefined;
      const single = singleKind ? [{ ...input }] : [];
      if (singleKind) kinds.push(singleKind);
      const writes = [...transactional, ...single];
      // Only the sizes a write can change are read (each read costs DynamoDB Local as much as a write):
      // a put conditioned on its item not existing had nothing before it if it succeeded, and a
      // successful put stores exactly its item. A failed write changed nothing: everything is read after it.
      const before = await stored(writes.map((write, i) => (options.sizeFrom && isNewPut(kinds[i]!, write) ? undefined : write)));
      const size = async (failed: boolean) => {
        const after = await stored(writes.map((write, i) => (failed || kinds[i] === 'Update' ? write : undefined)));
        return writes.map((write, i) =>
          options.sizeFrom ? Math.max(before[i]!, after[i]!, write?.Item ? declared(write) : 0) : declared(write),
        );
      };
      let out;
      let failed = true;
      try {
        out = await next(args);
        failed = false;
      } finally {
        const sizes = await size(failed);
        if (input.TransactItems) {
          const units = sizes.reduce((sum, bytes) => sum + 2 * Math.max(1, Math.ceil(bytes / 1024)), 0);
          meter.writeUnits += units;
          meter.transactions.push(units);
        } else if (single.length) meter.writeUnits += Math.max(1, Math.ceil(sizes[0]! / 1024));
      }
      if (/^(Get|Query|Scan|BatchGet|TransactGet)/.test(command)) {
        const consumed = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
        meter.readUnits += consumed?.CapacityUnits ?? 0;
      }
      return out;
    },
    { step: 'build', name: 'firebreakBenchMeter' },
  );
  // Reads are metered by DynamoDB's own figure: asked for here (before serialization), whatever the adapter asked.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^(Get|Query|Scan|BatchGet|TransactGet)/.test(context.commandName ?? ''))
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      return next(args);
    },
    { step: 'initialize', name: 'firebreakBenchReadUnits' },
  );
  return meter;
}

export type AttributeValue = {
  S?: string;
  N?: string;
  BOOL?: boolean;
  NULL?: boolean;
  L?: AttributeValue[];
  M?: AttributeMap;
  SS?: string[];
};
export type AttributeMap = Record<string, AttributeValue>;

/** DynamoDB's item size rules: names plus values; lists and maps add 3 bytes plus 1 per element. */
export function attributeMapSize(map: AttributeMap): number {
  return Object.entries(map).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + attributeSize(value), 0);
}

function attributeSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\./g, '').length / 2) + 1;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + attributeSize(v), 0);
  if (value.M)
    return 3 + Object.entries(value.M).reduce((sum, [name, v]) => sum + 1 + Buffer.byteLength(name) + attributeSize(v), 0);
  if (value.SS) return value.SS.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  return 0;
}
