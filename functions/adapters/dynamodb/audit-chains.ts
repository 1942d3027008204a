import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../../core/zod.ts';
import type { StoredChain } from '../../core/audit/verify-trail.ts';
import { AuditEntryItem } from './audit.ts';
import { keys, TABLE, type Table } from './table.ts';

const AUDIT_PREFIX = 'AUD#';

/**
 * The notary's event source mapping keeps only new audit entries, whatever chain they belong to
 * (incidents, release holds, any other): an entry is only ever inserted (`auditPut` never
 * overwrites), so a modified or removed entry is never signed as a head.
 */
export const AUDIT_STREAM_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { [TABLE.sortKey]: { S: [{ prefix: AUDIT_PREFIX }] } } },
} as const;

/** What the notary signs of an entry: its chain, place, hash and time. */
export interface EntryHead {
  readonly incidentId: string;
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

const StreamedEntry = z.object({
  incidentId: z.object({ S: z.string().check(z.minLength(1)) }),
  seq: z.object({ N: z.string().check(z.regex(/^[1-9]\d{0,9}$/)) }),
  hash: z.object({ S: z.string().check(z.regex(/^[0-9a-f]{64}$/)) }),
  at: z.object({ S: z.string().check(z.maxLength(64)) }),
});

/**
 * An audit entry's head fields from a stream record's new image, read attribute by attribute: only
 * these are signed, and the rest (the entry's data) need not be decoded (DynamoDB Local streams an
 * empty map as `{}`). Throws naming the key when it is not an audit entry.
 */
export function auditHeadFromImage(image: Record<string, AttributeValue> | undefined): EntryHead {
  if (!image) throw new Error('the stream record has no new image (the stream must carry NEW_IMAGE)');
  const parsed = StreamedEntry.safeParse(image);
  if (!parsed.success) {
    const where = (name: string) => (image[name] as { S?: string } | undefined)?.S ?? '?';
    throw new Error(`${where(TABLE.partitionKey)}/${where(TABLE.sortKey)} is not an audit entry`);
  }
  const { incidentId, seq, hash, at } = parsed.data;
  return { incidentId: incidentId.S, seq: Number(seq.N), hash: hash.S, at: at.S };
}

const HolderHead = z.object({ auditSeq: z.optional(z.number().check(z.int())), auditHead: z.optional(z.string()) });

/** The chain id an audit partition belongs to: `INC#<id>` holds `<id>`'s chain, `HOLD#…` its own. */
const chainIdOf = (partition: string): string => (partition.startsWith('INC#') ? partition.slice(4) : partition);
/** Chains held by a record of their own (its `STATE` names their head), by the chain id's prefix. */
const HOLDERS: ReadonlyArray<readonly [string, (id: string) => ReturnType<typeof keys.incident>]> = [
  ['HOLD#', keys.hold],
  ['FREEZE#', keys.freeze],
  ['BATCH#', keys.batch],
  ['REVIEW#', keys.review],
];
/** Where a chain's holder keeps its head: the incident's `META`, or its own record's `STATE`. */
const holderKey = (chainId: string) => {
  const holder = HOLDERS.find(([prefix]) => chainId.startsWith(prefix));
  return holder ? holder[1](chainId.slice(holder[0].length)) : keys.incident(chainId);
};

/**
 * A chain exactly as stored, for verification: entries in key order, read without trusting their
 * contents (an entry that does not parse is kept with what could be read, so it shows as edited).
 */
export async function readStoredChain(table: Table, chainId: string): Promise<StoredChain> {
  const items = await table.queryPrefix(keys.auditChain(chainId), AUDIT_PREFIX);
  const entries = items.map((item, index) => {
    const parsed = AuditEntryItem.safeParse(item);
    if (parsed.success) return parsed.data;
    // Unreadable: a placeholder that can never hash to anything stored.
    return {
      incidentId: chainId,
      seq: Number(item.seq) || index + 1,
      at: '',
      actor: '',
      action: '',
      data: { unreadable: true },
      prevHash: '',
      hash: '',
    };
  });
  const holder = await table.get(holderKey(chainId), z.looseObject(HolderHead.shape));
  const head =
    holder?.auditSeq !== undefined && holder.auditHead !== undefined
      ? { seq: holder.auditSeq, hash: holder.auditHead }
      : undefined;
  return { chainId, entries, holder: head };
}

/** Every chain with at least one entry in the table (a scan of the audit keys; an operator's read). */
export async function listChainIds(table: Table): Promise<string[]> {
  const chains = new Set<string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(
      new ScanCommand({
        TableName: table.name,
        FilterExpression: 'begins_with(#sk, :audit)',
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':audit': AUDIT_PREFIX },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) chains.add(chainIdOf(String(item[TABLE.partitionKey])));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return [...chains].sort();
}

/** The chains of one table, as `audit verify` reads them. */
export class DynamoAuditChains {
  constructor(private readonly table: Table) {}
  listChainIds(): Promise<string[]> {
    return listChainIds(this.table);
  }
  readChain(chainId: string): Promise<StoredChain> {
    return readStoredChain(this.table, chainId);
  }
}
