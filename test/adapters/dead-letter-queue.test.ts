import { InvokeCommand, LambdaClient, ListTagsCommand } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RawDeadLetter } from '../../functions/core/dead-letters/dead-letter.ts';
import { STACK_TAG } from '../../functions/core/platform/platform-alarms.ts';
import { LambdaRedriveTargets, SqsDeadLetterQueue } from '../../functions/adapters/dead-letter-queue.ts';
import {
  listDeadLetters,
  LIST_VISIBILITY_SECONDS,
  redriveDeadLetters,
  REDRIVE_VISIBILITY_SECONDS,
} from '../../functions/workflow/dead-letters.ts';
import {
  guardDutyEvent,
  INGEST_ARN,
  NOTIFY_ARN,
  onFailureDeadLetter,
  QUEUE_URL,
  ruleDeadLetter,
  scheduleDeadLetter,
} from '../support/dead-letters.ts';

const sqsMock = mockClient(SQSClient);
const lambdaMock = mockClient(LambdaClient);
const queue = () => new SqsDeadLetterQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL);
const targets = () => new LambdaRedriveTargets(new LambdaClient({ region: 'us-east-1' }), STACK_TAG);
const deps = () => ({ queue: queue(), targets: targets() });

/** The SQS wire form of a dead letter, as ReceiveMessage returns it. */
const asMessage = (raw: RawDeadLetter): Message => ({
  MessageId: raw.messageId,
  ReceiptHandle: raw.receiptHandle,
  Body: raw.body,
  MessageAttributes: Object.fromEntries(
    Object.entries(raw.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  ),
  Attributes: { SentTimestamp: String(Date.parse('2026-11-23T09:00:00Z')) },
});

/** The queue holds these messages; the next receive returns nothing (it is empty for this caller). */
function queueHolds(...messages: RawDeadLetter[]) {
  sqsMock
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: messages.map(asMessage) })
    .resolves({ Messages: [] });
}

const RECEIVE = (visibility: number, max = 10) => ({
  QueueUrl: QUEUE_URL,
  MaxNumberOfMessages: max,
  VisibilityTimeout: visibility,
  WaitTimeSeconds: 1,
  MessageAttributeNames: ['All'],
  MessageSystemAttributeNames: ['SentTimestamp'],
});
const calls = <T>(mock: typeof sqsMock | typeof lambdaMock, command: new (...args: never[]) => T) =>
  mock.commandCalls(command as never).map((c) => (c.args[0] as { input: unknown }).input);

beforeEach(() => {
  sqsMock.reset();
  lambdaMock.reset();
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  sqsMock.on(DeleteMessageCommand).resolves({});
  lambdaMock.on(ListTagsCommand).resolves({ Tags: { [STACK_TAG]: 'Firebreak' } });
  lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
});

describe('dlq list', () => {
  it('receives with every message attribute and a visibility timeout, pages until the queue is empty, then releases what it looked at', async () => {
    queueHolds(ruleDeadLetter(), onFailureDeadLetter());
    const letters = await listDeadLetters(queue(), 100);
    expect(letters.map((l) => [l.origin, l.eventId, l.target])).toEqual([
      ['eventbridge-rule', guardDutyEvent.id, INGEST_ARN],
      ['lambda-on-failure', guardDutyEvent.id, INGEST_ARN],
    ]);
    expect(letters[0]!.sentAt).toBe('2026-11-23T09:00:00.000Z');
    expect(calls(sqsMock, ReceiveMessageCommand)).toEqual([RECEIVE(LIST_VISIBILITY_SECONDS), RECEIVE(LIST_VISIBILITY_SECONDS)]);
    expect(calls(sqsMock, ChangeMessageVisibilityBatchCommand)).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [
          { Id: '0', ReceiptHandle: 'handle-1', VisibilityTimeout: 0 },
          { Id: '1', ReceiptHandle: 'handle-2', VisibilityTimeout: 0 },
        ],
      },
    ]);
    expect(calls(sqsMock, DeleteMessageCommand)).toEqual([]);
    expect(calls(lambdaMock, InvokeCommand)).toEqual([]);
  });

  it('asks for no more than --max, and stops there', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [asMessage(ruleDeadLetter())] });
    const letters = await listDeadLetters(queue(), 3);
    // The same message again is not a new one: paging stops instead of looping.
    expect(letters).toHaveLength(1);
    expect(calls(sqsMock, ReceiveMessageCommand)).toEqual([RECEIVE(30, 3), RECEIVE(30, 2)]);
  });
});

describe('dlq redrive', () => {
  it('invokes each failed function asynchronously with the original payload, then deletes the message by its receipt handle', async () => {
    queueHolds(ruleDeadLetter(), onFailureDeadLetter(), scheduleDeadLetter());
    const reports = await redriveDeadLetters(deps(), { stackName: 'Firebreak', max: 100 });
    expect(reports.map((r) => r.outcome)).toEqual(['redriven', 'redriven', 'redriven']);
    expect(calls(sqsMock, ReceiveMessageCommand)[0]).toEqual(RECEIVE(REDRIVE_VISIBILITY_SECONDS));
    expect(calls(lambdaMock, ListTagsCommand)).toEqual([{ Resource: INGEST_ARN }, { Resource: NOTIFY_ARN }]);
    const invokes = calls(lambdaMock, InvokeCommand) as Array<{
      FunctionName: string;
      InvocationType: string;
      Payload: Uint8Array;
    }>;
    expect(invokes.map((i) => [i.FunctionName, i.InvocationType])).toEqual([
      [INGEST_ARN, 'Event'],
      [INGEST_ARN, 'Event'],
      [NOTIFY_ARN, 'Event'],
    ]);
    const payloads = invokes.map((i) => JSON.parse(new TextDecoder().decode(i.Payload)));
    expect(payloads[0]).toEqual(guardDutyEvent);
    expect(payloads[1]).toEqual(guardDutyEvent);
    expect(payloads[2]).toMatchObject({ 'detail-type': 'Incident Refresh', detail: { incidentId: 'INC-6DA0400492' } });
    expect(calls(sqsMock, DeleteMessageCommand)).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'handle-1' },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'handle-2' },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'handle-3' },
    ]);
    expect(calls(sqsMock, ChangeMessageVisibilityBatchCommand)).toEqual([]);
  });

  it('keeps a message whose invoke fails: nothing deleted, the message visible again', async () => {
    queueHolds(ruleDeadLetter());
    lambdaMock.on(InvokeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    const [report] = await redriveDeadLetters(deps(), { stackName: 'Firebreak', max: 100 });
    expect(report).toMatchObject({ outcome: 'kept', reason: 'the invoke failed: TooManyRequestsException: Rate exceeded' });
    expect(calls(sqsMock, DeleteMessageCommand)).toEqual([]);
    expect(calls(sqsMock, ChangeMessageVisibilityBatchCommand)).toEqual([
      { QueueUrl: QUEUE_URL, Entries: [{ Id: '0', ReceiptHandle: 'handle-1', VisibilityTimeout: 0 }] },
    ]);
  });

  it('keeps a message Lambda did not accept as an asynchronous invocation', async () => {
    queueHolds(ruleDeadLetter());
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200 });
    const [report] = await redriveDeadLetters(deps(), { stackName: 'Firebreak', max: 100 });
    expect(report).toMatchObject({ outcome: 'kept', reason: 'the invoke failed: Error: Lambda answered 200 instead of 202' });
    expect(calls(sqsMock, DeleteMessageCommand)).toEqual([]);
  });

  it('refuses a foreign target: another account without a call, a function of another stack after asking its tags', async () => {
    const attacker = ruleDeadLetter({
      messageId: 'foreign-account',
      receiptHandle: 'handle-x',
      attributes: { ...ruleDeadLetter().attributes, TARGET_ARN: 'arn:aws:lambda:us-east-1:999999999999:function:collect' },
    });
    const otherStack = onFailureDeadLetter();
    lambdaMock.on(ListTagsCommand).resolves({ Tags: { [STACK_TAG]: 'Firebreak-staging' } });
    queueHolds(attacker, otherStack);
    const reports = await redriveDeadLetters(deps(), { stackName: 'Firebreak', max: 100 });
    expect(reports.map((r) => [r.outcome, r.reason])).toEqual([
      ['kept', "its target is not in the dead-letter queue's account and region"],
      ['kept', 'its target is not a function of the stack Firebreak'],
    ]);
    expect(calls(lambdaMock, ListTagsCommand)).toEqual([{ Resource: INGEST_ARN }]);
    expect(calls(lambdaMock, InvokeCommand)).toEqual([]);
    expect(calls(sqsMock, DeleteMessageCommand)).toEqual([]);
  });

  it('says so when the tags cannot be read, and re-sends nothing', async () => {
    queueHolds(ruleDeadLetter());
    lambdaMock
      .on(ListTagsCommand)
      .rejects(Object.assign(new Error('not authorized to perform lambda:ListTags'), { name: 'AccessDeniedException' }));
    const [report] = await redriveDeadLetters(deps(), { stackName: 'Firebreak', max: 100 });
    expect(report!.reason).toBe(
      'cannot tell whether its target belongs to the stack Firebreak: AccessDeniedException: not authorized to perform lambda:ListTags',
    );
    expect(calls(lambdaMock, InvokeCommand)).toEqual([]);
  });

  it('reports a re-sent message whose delete failed as such, not as kept', async () => {
    queueHolds(ruleDeadLetter());
    sqsMock
      .on(DeleteMessageCommand)
      .rejects(Object.assign(new Error('receipt handle expired'), { name: 'ReceiptHandleIsInvalid' }));
    const [report] = await redriveDeadLetters(deps(), { stackName: 'Firebreak', max: 100 });
    expect(report).toMatchObject({ outcome: 'redriven-not-deleted' });
    expect(calls(lambdaMock, InvokeCommand)).toHaveLength(1);
  });

  it('--id redrives only that message, stops receiving once it is found, and releases the others untouched', async () => {
    const wanted = onFailureDeadLetter();
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [asMessage(ruleDeadLetter())] })
      .resolvesOnce({ Messages: [asMessage(wanted)] })
      .resolves({ Messages: [asMessage(scheduleDeadLetter())] });
    const reports = await redriveDeadLetters(deps(), { stackName: 'Firebreak', max: 100, messageId: wanted.messageId });
    expect(reports.map((r) => [r.letter.messageId, r.outcome])).toEqual([[wanted.messageId, 'redriven']]);
    expect(calls(sqsMock, ReceiveMessageCommand)).toHaveLength(2);
    expect(calls(sqsMock, DeleteMessageCommand)).toEqual([{ QueueUrl: QUEUE_URL, ReceiptHandle: 'handle-2' }]);
    expect(calls(sqsMock, ChangeMessageVisibilityBatchCommand)).toEqual([
      { QueueUrl: QUEUE_URL, Entries: [{ Id: '0', ReceiptHandle: 'handle-1', VisibilityTimeout: 0 }] },
    ]);
  });
});
