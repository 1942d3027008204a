import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventPattern } from '../core/events/bus.ts';
import { OUTBOX_STREAM_FILTER } from '../adapters/dynamodb/outbox.ts';
import { lambdaContext } from './event-bus.ts';
import { LOCAL_CREDENTIALS } from './dynamodb-local.ts';
import { matchesPattern } from './pattern-matcher.ts';

/** The relay handler as Lambda invokes it on a stream batch. */
export type StreamHandler = (event: DynamoDBStreamEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** The event source mapping's batch size in the stack: the local reader hands the relay the same batches. */
export const RELAY_BATCH_SIZE = 10;

/**
 * The event source mapping, on one machine: reads DynamoDB Local's stream of the table, keeps the
 * records the deployed filter keeps, hands them to the real relay handler in batches, and honours
 * its partial batch failures — a failed record and those after it are read again on the next pump,
 * as Lambda retries from the first failed sequence number.
 */
export class LocalStreamReader {
  private readonly streams: DynamoDBStreamsClient;
  private streamArn: string | undefined;
  /**
   * Per shard: where the next read starts — a live iterator while caught up, else a sequence number
   * to start at (a failed record) or after (the last record read), else the shard's beginning.
   */
  private readonly shards = new Map<string, ShardPosition>();
  private pumpsSinceListing = 0;
  /** The pump under way: pumps run one after another. */
  private running: Promise<unknown> = Promise.resolve();
  /** Batches the relay failed (and will be retried), for transcripts and tests. */
  failedBatches = 0;

  /** Whether a failed record waits to be read again (the relay's retry). */
  get pendingRetry(): boolean {
    return [...this.shards.values()].some((position) => position.at !== undefined);
  }

  private readonly filter: EventPattern;
  private readonly batchSize: number;
  private readonly functionName: string;

  /** By default the relay's mapping; `mapping` describes another consumer's (the notary's filter and batch size). */
  constructor(
    private readonly client: DynamoDBClient,
    endpoint: string,
    private readonly tableName: string,
    private readonly handler: StreamHandler,
    mapping: { readonly filter?: object; readonly batchSize?: number; readonly functionName?: string } = {},
  ) {
    this.filter = (mapping.filter ?? OUTBOX_STREAM_FILTER) as unknown as EventPattern;
    this.batchSize = mapping.batchSize ?? RELAY_BATCH_SIZE;
    this.functionName = mapping.functionName ?? 'relay';
    this.streams = new DynamoDBStreamsClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS, endpoint });
  }

  /**
   * Relays every new outbox record; returns how many records the relay handled without failing.
   * One pump at a time, as one Lambda invocation at a time reads a shard (concurrent Slack requests
   * in tests drain the bus at once).
   */
  pump(): Promise<number> {
    const next = this.running.then(() => this.pumpOnce());
    this.running = next.catch(() => undefined);
    return next;
  }

  /** A pump that first looks for new shards: nothing written before it is left unread (a drill's end). */
  pumpAll(): Promise<number> {
    this.pumpsSinceListing = Number.POSITIVE_INFINITY;
    return this.pump();
  }

  private async pumpOnce(): Promise<number> {
    // A shard list is refreshed now and then: new shards appear rarely, and reading one costs a call.
    if (this.shards.size === 0 || ++this.pumpsSinceListing >= 25) await this.listShards();
    let handled = 0;
    for (const [shardId, position] of this.shards) if (!position.closed) handled += await this.pumpShard(shardId, position);
    return handled;
  }

  private async listShards(): Promise<void> {
    this.pumpsSinceListing = 0;
    this.streamArn ??= (await this.client.send(new DescribeTableCommand({ TableName: this.tableName }))).Table?.LatestStreamArn;
    if (!this.streamArn) throw new Error(`table ${this.tableName} has no stream`);
    const described = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    for (const shard of described.StreamDescription?.Shards ?? [])
      if (!this.shards.has(shard.ShardId!)) this.shards.set(shard.ShardId!, {});
  }

  private async pumpShard(shardId: string, position: ShardPosition): Promise<number> {
    const records = await this.readShard(shardId, position);
    if (records.length === 0) return 0;
    const matching = records
      .map((record) => lambdaRecord(record, this.streamArn!))
      .filter((record) => matchesPattern(this.filter, record));
    let handled = 0;
    for (let start = 0; start < matching.length; start += this.batchSize) {
      const batch = matching.slice(start, start + this.batchSize);
      const firstFailed = await this.invoke(batch);
      if (firstFailed !== undefined) {
        // Lambda retries from the first failed record: read again from there on the next pump.
        this.failedBatches++;
        this.shards.set(shardId, { at: firstFailed });
        return handled + batch.findIndex((record) => record.dynamodb?.SequenceNumber === firstFailed);
      }
      handled += batch.length;
    }
    return handled;
  }

  /** The shard's new records, remembering where the next read starts. */
  private async readShard(shardId: string, position: ShardPosition): Promise<StreamRecord[]> {
    const records: StreamRecord[] = [];
    let iterator: string | undefined;
    try {
      iterator = position.iterator ?? (await this.iteratorFor(shardId, position));
    } catch (error) {
      // DynamoDB Local trims a busy shared stream early: start again from what is left, skipping what was read.
      if ((error as Error).name !== 'TrimmedDataAccessException') throw error;
      iterator = await this.iteratorFor(shardId, {});
    }
    const seen = position.at ? undefined : position.after;
    for (;;) {
      let page;
      try {
        page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      } catch (error) {
        const name = (error as Error).name;
        if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw error;
        this.shards.set(shardId, { ...(seen ? { after: seen } : {}) });
        return this.readShard(shardId, { ...(seen ? { after: seen } : {}) });
      }
      records.push(...(page.Records ?? []).filter((record) => !seen || isAfter(record.dynamodb!.SequenceNumber!, seen)));
      const last = records.at(-1)?.dynamodb?.SequenceNumber ?? seen;
      if (!page.NextShardIterator) {
        this.shards.set(shardId, { closed: true });
        break;
      }
      iterator = page.NextShardIterator;
      if (!page.Records?.length) {
        this.shards.set(shardId, { iterator, ...(last ? { after: last } : {}) });
        break;
      }
    }
    return records;
  }

  private async iteratorFor(shardId: string, position: { at?: string; after?: string }): Promise<string> {
    const out = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn!,
        ShardId: shardId,
        ...(position.at
          ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: position.at }
          : position.after
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position.after }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return out.ShardIterator!;
  }

  /** The first failed sequence number of a batch, if any. */
  private async invoke(batch: DynamoDBRecord[]): Promise<string | undefined> {
    try {
      const response = (await this.handler({ Records: batch }, lambdaContext(this.functionName))) as
        DynamoDBBatchResponse | undefined;
      const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      return batch.find((record) => failed.has(record.dynamodb!.SequenceNumber!))?.dynamodb?.SequenceNumber;
    } catch {
      // The whole batch failed (the handler threw): Lambda retries all of it.
      return batch[0]!.dynamodb!.SequenceNumber!;
    }
  }

  close(): void {
    this.streams.destroy();
  }
}

interface ShardPosition {
  readonly iterator?: string;
  readonly at?: string;
  readonly after?: string;
  readonly closed?: boolean;
}

/** Stream sequence numbers are decimal strings of growing value (not of fixed length). */
const isAfter = (sequenceNumber: string, than: string): boolean => BigInt(sequenceNumber) > BigInt(than);

/** A stream record as Lambda delivers it to a function. */
function lambdaRecord(record: StreamRecord, eventSourceARN: string): DynamoDBRecord {
  const { dynamodb } = record;
  return {
    eventID: record.eventID!,
    eventName: record.eventName!,
    eventVersion: record.eventVersion!,
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN,
    dynamodb: {
      Keys: dynamodb!.Keys as never,
      ...(dynamodb!.NewImage ? { NewImage: dynamodb!.NewImage as never } : {}),
      SequenceNumber: dynamodb!.SequenceNumber!,
      SizeBytes: dynamodb!.SizeBytes!,
      StreamViewType: dynamodb!.StreamViewType!,
      ...(dynamodb!.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(dynamodb!.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
    },
  };
}
