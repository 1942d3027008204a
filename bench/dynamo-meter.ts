/**
 * DynamoDB capacity as billed, for the bench and the item-size tests: item sizes by DynamoDB's
 * rules, and a client middleware that counts requests and units.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts requests and the write units DynamoDB would bill for them, computed from the item sizes
 * (1 unit per KB, twice that inside a transaction; failed conditional writes are counted too, as billed): DynamoDB Local's own ConsumedCapacity figures
 * for transactions do not follow the billing rules. Read units are as DynamoDB Local reports them.
 */
export function meterDynamo(client: DynamoDBClient) {
  /** `transactions`: the write units of each transaction, in order. */
  const meter = { requests: 0, writeUnits: 0, readUnits: 0, transactions: [] as number[] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      meter.requests++;
      const input = args.input as {
        TransactItems?: Array<
          Record<string, { Item?: AttributeMap; ExpressionAttributeValues?: AttributeMap; Key?: AttributeMap }>
        >;
      };
      let transactionUnits = 0;
      for (const item of input.TransactItems ?? []) {
        const write = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
        // An update that SETs every attribute (ours do) is billed on the full item size.
        const size = write?.Item
          ? attributeMapSize(write.Item)
          : attributeMapSize({ ...write?.Key, ...write?.ExpressionAttributeValues });
        transactionUnits += 2 * Math.max(1, Math.ceil(size / 1024));
      }
      if (input.TransactItems) {
        meter.writeUnits += transactionUnits;
        meter.transactions.push(transactionUnits);
      }
      const single = args.input as {
        Item?: AttributeMap;
        Key?: AttributeMap;
        ExpressionAttributeValues?: AttributeMap;
        TransactItems?: unknown;
      };
      if (/^(Put|Update|Delete)(Item)?Command/.test(context.commandName ?? '')) {
        // A single write is billed 1 unit per KB of the item (here: its key and the values written).
        const size = single.Item
          ? attributeMapSize(single.Item)
          : attributeMapSize({ ...single.Key, ...single.ExpressionAttributeValues });
        meter.writeUnits += Math.max(1, Math.ceil(size / 1024));
      }
      const out = await next(args);
      if (/^(Get|Query|Scan|BatchGet|TransactGet)/.test(context.commandName ?? '')) {
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
