import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsDeadLetterSink } from '../../functions/adapters/dead-letter-sink.ts';
import { auditPutWithEvents, OUTBOX_STREAM_FILTER, outboxPuts } from '../../functions/adapters/dynamodb/outbox.ts';
import { auditPut } from '../../functions/adapters/dynamodb/audit.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import { openingDecision } from '../adapters/dynamodb/items.ts';
import { EventPublisher } from '../../functions/adapters/event-publisher.ts';
import { MitigationRequested } from '../../functions/core/events/mitigation-requested.ts';
import { lambdaContext } from '../../functions/local/event-bus.ts';
import { createRelayHandler } from '../../functions/relay/handler.ts';

const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/firebreak-relay-dlq';
const requested = MitigationRequested.build({ incidentId: 'INC-0123456789', requestId: 'MIT-0123456789' });

/** A stream record of a new outbox item, as Lambda delivers it. */
function record(sequenceNumber: string, item: Record<string, unknown>): DynamoDBRecord {
  return {
    eventName: 'INSERT',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/firebreak/stream/2026',
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
      SequenceNumber: sequenceNumber,
    },
  };
}
const outboxItem = (events = [requested]) => outboxPuts(events, new Date('2026-11-23T09:00:00Z'))[0]!.Put.Item;

const relay = createRelayHandler(() => ({
  publisher: new EventPublisher(new EventBridgeClient({ region: 'us-east-1' }), 'firebreak'),
  deadLetters: new SqsDeadLetterSink(new SQSClient({ region: 'us-east-1' }), QUEUE),
}));
const run = (records: DynamoDBRecord[]) => relay({ Records: records }, lambdaContext('relay'));

beforeEach(() => {
  eventBridge.reset();
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

describe('the outbox relay', () => {
  it('publishes exactly the committed events, with the firebreak source, on the bus', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    expect(await run([record('100', outboxItem())])).toEqual({ batchItemFailures: [] });
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input)).toEqual([
      {
        Entries: [
          {
            EventBusName: 'firebreak',
            Source: 'firebreak',
            DetailType: 'Mitigation Requested',
            Detail: JSON.stringify(requested.detail),
          },
        ],
      },
    ]);
  });

  it("publishes the events an audit entry carries, inflated against its entry's own data", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const [entry] = openingDecision().audit;
    const item = auditPutWithEvents(entry!, [requested]).Put.Item;
    expect(await run([record('100', item)])).toEqual({ batchItemFailures: [] });
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]?.Detail)).toEqual([
      JSON.stringify(requested.detail),
    ]);
  });

  it('dead-letters an audit entry whose events do not inflate against its data (its data changed, or garbage)', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const [entry] = openingDecision().audit;
    const item = auditPutWithEvents(entry!, [requested]).Put.Item;
    const otherData = { ...item, data: { ...entry!.data, title: 'another title' } };
    const garbage = { ...item, events: 'deflate:AAAA' };
    expect(await run([record('100', otherData), record('101', garbage)])).toEqual({ batchItemFailures: [] });
    const letters = sqs
      .commandCalls(SendMessageCommand)
      .map((c) => c.args[0].input.MessageAttributes?.ERROR_MESSAGE?.StringValue);
    expect(letters).toEqual([expect.stringMatching(/unreadable outbox item/), expect.stringMatching(/unreadable outbox item/)]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('receives, through its stream filter, new outbox items and audit entries carrying events, nothing else', () => {
    const [entry] = openingDecision().audit;
    const filter = OUTBOX_STREAM_FILTER as unknown as Record<string, unknown>;
    expect(matchesPattern(filter, record('1', outboxItem()))).toBe(true);
    expect(matchesPattern(filter, record('2', auditPutWithEvents(entry!, [requested]).Put.Item))).toBe(true);
    expect(matchesPattern(filter, record('3', auditPut(entry!).Put.Item))).toBe(false);
    expect(matchesPattern(filter, { ...record('4', outboxItem()), eventName: 'REMOVE' })).toBe(false);
  });

  it('reports a failed publish as a batch item failure (retried from there), never as a success', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
    const response = await run([record('100', outboxItem()), record('101', outboxItem()), record('102', outboxItem())]);
    // 102 is not published now: Lambda retries from 101, and 102 goes out once, with it.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '101' }, { itemIdentifier: '102' }] });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('dead-letters an outbox item that can never be published, with its reason, and goes on with the next', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const forged = { ...outboxItem(), events: JSON.stringify([{ detailType: 'Mitigation Approved By Anyone', detail: {} }]) };
    const garbled = { ...outboxItem(), events: '{not json' };
    const response = await run([record('100', forged), record('101', garbled), record('102', outboxItem())]);
    expect(response).toEqual({ batchItemFailures: [] });
    const letters = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({
      QueueUrl: QUEUE,
      MessageAttributes: { ERROR_MESSAGE: { DataType: 'String', StringValue: expect.stringMatching(/unknown detail-type/) } },
    });
    expect(JSON.parse(letters[0]!.MessageBody!)).toMatchObject({ sequenceNumber: '100' });
    expect(letters[1]!.MessageAttributes!.ERROR_MESSAGE!.StringValue).toMatch(/unreadable outbox item/);
    // Only the good item reached the bus; the forged detail-type never did.
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
