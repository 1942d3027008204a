import { ConditionalCheckFailedException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type PutCommandInput,
  type QueryCommandInput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type * as z from '../../core/zod.ts';

/**
 * The one DynamoDB table's key layout, shared by the CDK construct, the adapters and the local
 * runtime so that DynamoDB Local gets exactly the table that is deployed.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after. */
  ttlAttribute: 'expiresAt',
  /** Lists incidents by status, newest first: gsi1pk = `STATUS#<status>`, gsi1sk = `<first seen ISO>#<id>`. */
  byStatusIndex: { name: 'byStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** The stream carries new images: the relay reads the outbox items' events from them. */
  streamView: 'NEW_IMAGE',
} as const;

export type Key = Readonly<Record<string, string>>;
const key = (pk: string, sk: string): Key => ({ [TABLE.partitionKey]: pk, [TABLE.sortKey]: sk });

/** Every kind of item's key, in one place. */
export const keys = {
  /** The partition of an incident and everything that belongs to it. */
  incidentPartition: (id: string) => `INC#${id}`,
  incident: (id: string) => key(`INC#${id}`, 'META'),
  /** The open (or reopenable) incident of a fingerprint. */
  fingerprintLock: (fingerprint: string) => key(`FP#${fingerprint}`, 'OPEN'),
  processedEvent: (signalKey: string) => key(`EVT#${signalKey}`, 'SEEN'),
  /** A watched change in an account ("What changed?"), by when it happened; expires with the event markers. */
  change: (account: string, at: string, signalKey: string) => key(`CHG#${account}`, `${at}#${signalKey}`),
  /** The partition an audit chain lives in: an incident's `INC#<id>`, a release hold's `HOLD#<service>`, a freeze's `FREEZE#<scope>`, a silence's `SILENCE#<id>`, a patch batch's `BATCH#<id>`, a configuration review's `REVIEW#<id>`. */
  auditChain: (chainId: string) => (/^(HOLD|FREEZE|SILENCE|BATCH|REVIEW)#/.test(chainId) ? chainId : `INC#${chainId}`),
  audit: (chainId: string, seq: number) => key(keys.auditChain(chainId), `AUD#${String(seq).padStart(10, '0')}`),
  mitigation: (incidentId: string, requestId: string) => key(`INC#${incidentId}`, `MIT#${requestId}`),
  mitigationLookup: (requestId: string) => key(`MIT#${requestId}`, 'LOOKUP'),
  run: (runId: string) => key(`SSM#${runId}`, 'RUN'),
  progress: (incidentId: string, requestId: string) => key(`INC#${incidentId}`, `PROG#${requestId}`),
  invocation: (incidentId: string, requestId: string, instanceId: string) =>
    key(`INC#${incidentId}`, `INV#${requestId}#${instanceId}`),
  rosterPartition: 'ROSTER',
  roster: (userId: string) => key('ROSTER', `USER#${userId}`),
  /** The incident's own message (`SLACK`) or a mitigation request's message in its thread (`SLACK#MIT-…`). */
  slackState: (incidentId: string, requestId?: string) => key(`INC#${incidentId}`, requestId ? `SLACK#${requestId}` : 'SLACK'),
  /** The incident's own Slack channel, when it has one (incident channels). */
  incidentChannel: (incidentId: string) => key(`INC#${incidentId}`, 'CHANNEL'),
  /** A once-only claim of notify's (a thread reply, a summary). */
  once: (incidentId: string, claim: string) => key(`INC#${incidentId}`, `ONCE#${claim}`),
  /** A once-only claim of an announcement that belongs to no incident (#deployments). */
  announcement: (claim: string) => key(`ANNOUNCE#${claim}`, 'ONCE'),
  deploymentPartition: (service: string) => `DEP#${service}`,
  deployment: (service: string, id: string) => key(`DEP#${service}`, id),
  /** A pipeline's watched change attached to a deployment, by when it happened; expires with the change items. */
  deploymentChange: (deploymentId: string, at: string, signalKey: string) => key(`DEPCHG#${deploymentId}`, `${at}#${signalKey}`),
  /** How many changes are attached to a deployment (a counter beside them, so attaching never reads them all). */
  deploymentChangeCount: (deploymentId: string) => key(`DEPCHG#${deploymentId}`, '#COUNT'),
  /** Failed console sign-ins for one source IP or user name (`ip#…`, `user#…`) in one minute; expires after the window. */
  signinFailures: (burstKey: string, minute: string) => key(`SIGNINFAIL#${burstKey}`, minute),
  hold: (service: string) => key(`HOLD#${service}`, 'STATE'),
  /** A deploy freeze's state (`global` or an account id); its audit chain shares the partition. */
  freeze: (scope: string) => key(`FREEZE#${scope}`, 'STATE'),
  /** Whether one work item of a deployment was closed, and whether that was reported (the tracker step). */
  workItem: (deploymentId: string, ref: string) => key(`WORK#${deploymentId}`, `ITEM#${ref}`),
  /** Every silence in one partition (`/firebreak silences` is one query); each has its chain in `SILENCE#<id>`. */
  silencePartition: 'SILENCES',
  silence: (id: string) => key('SILENCES', `SIL#${id}`),
  /** A patch batch, its audit chain and its Slack message share `BATCH#<id>`. */
  batch: (batchId: string) => key(`BATCH#${batchId}`, 'STATE'),
  batchMessage: (batchId: string) => key(`BATCH#${batchId}`, 'SLACK'),
  /** A configuration review's state, its stored report, its Slack message and its audit chain share `REVIEW#<id>`. */
  review: (reviewId: string) => key(`REVIEW#${reviewId}`, 'STATE'),
  reviewReport: (reviewId: string) => key(`REVIEW#${reviewId}`, 'REPORT'),
  reviewMessage: (reviewId: string) => key(`REVIEW#${reviewId}`, 'SLACK'),
  /** The events one transaction announces, until the stream relay has published them (see outbox.ts). */
  outbox: (id: string) => key(`OUTBOX#${id}`, 'EVENTS'),
} as const;

/** The condition of a first write: no item under this key yet. */
export const IS_NEW = {
  ConditionExpression: 'attribute_not_exists(#pk)',
  ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
} as const;

const KEY_ATTRIBUTES = new Set<string>([
  TABLE.partitionKey,
  TABLE.sortKey,
  TABLE.byStatusIndex.partitionKey,
  TABLE.byStatusIndex.sortKey,
  'type',
]);

/** An item that does not have the shape its key promises: read, but never silently cast. */
export class UnreadableItemError extends Error {
  override readonly name = 'UnreadableItemError';
  constructor(
    readonly key: string,
    readonly issues: string,
  ) {
    super(`unreadable item ${key}: ${issues}`);
  }
}

/** An item's own attributes, without the key and index attributes, parsed against the stored shape. */
export function parseItem<T>(schema: z.ZodMiniType<T>, item: Record<string, unknown>): T {
  const own = Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name)));
  const parsed = schema.safeParse(own);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`).join('; ');
  throw new UnreadableItemError(`${String(item[TABLE.partitionKey])} / ${String(item[TABLE.sortKey])}`, issues);
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** A transaction applied, or was cancelled: with each item's cancellation reason code (`None` for the innocent). */
export type TransactResult = { applied: true } | { applied: false; reasons: ReadonlyArray<string | undefined> };

type Put = Omit<PutCommandInput, 'TableName'>;
type Update = Omit<UpdateCommandInput, 'TableName'>;

/** The document client over the one table, with the few ways Firebreak reads and writes it. */
export class Table {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** A strongly consistent read of one item, parsed; undefined when there is none. */
  async get<T>(itemKey: Key, schema: z.ZodMiniType<T>, consistency: 'strong' | 'eventual' = 'strong'): Promise<T | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.name, Key: itemKey, ConsistentRead: consistency === 'strong' }),
    );
    return out.Item ? parseItem(schema, out.Item) : undefined;
  }

  /** An unconditional put. */
  async put(item: Record<string, unknown>): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.name, Item: item }));
  }

  /** An unconditional delete. */
  async delete(key: Readonly<Record<string, string>>): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.name, Key: key }));
  }

  /** An unconditional update. */
  async update(input: Update): Promise<void> {
    await this.doc.send(new UpdateCommand({ ...input, TableName: this.name }));
  }

  /** A conditional put or update: true when it applied, false when its condition did not hold. */
  async conditional(write: { put: Put } | { update: Update }): Promise<boolean> {
    try {
      if ('put' in write) await this.doc.send(new PutCommand({ ...write.put, TableName: this.name }));
      else await this.doc.send(new UpdateCommand({ ...write.update, TableName: this.name }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Writes all the items or none (each item's TableName is this table's). */
  async transact(items: ReadonlyArray<{ Put: Put } | { Update: Update }>): Promise<TransactResult> {
    const TransactItems: TransactItem[] = items.map((item) =>
      'Put' in item ? { Put: { ...item.Put, TableName: this.name } } : { Update: { ...item.Update, TableName: this.name } },
    ) as TransactItem[];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems }));
      return { applied: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      return { applied: false, reasons: (error.CancellationReasons ?? []).map((reason) => reason.Code) };
    }
  }

  /** Follows a query's pages (each at most 1 MB, or `Limit` items) until `limit` items or the end. */
  async query(input: Omit<QueryCommandInput, 'TableName'>, limit = Number.POSITIVE_INFINITY): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }

  /** The items of one partition whose sort key starts with `prefix`, in key order. */
  async queryPrefix(pk: string, prefix: string): Promise<Record<string, unknown>[]> {
    return this.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ConsistentRead: true,
    });
  }
}

/** Whether a cancelled transaction lost a condition or a race (retry after re-reading) rather than failing outright. */
export const lostRace = (reasons: ReadonlyArray<string | undefined>): boolean =>
  reasons.some((code) => code === 'ConditionalCheckFailed' || code === 'TransactionConflict');
