import { InvokeCommand, ListTagsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { RawDeadLetter } from '../core/dead-letters/dead-letter.ts';

/** SQS returns at most 10 messages per ReceiveMessage and takes at most 10 entries per batch call. */
const SQS_BATCH = 10;

/** The dead-letter queue over SQS: receive (with every message attribute), release, delete. */
export class SqsDeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
  ) {}

  async receive(
    max: number,
    visibilitySeconds: number,
    stop: (received: readonly RawDeadLetter[]) => boolean = () => false,
  ): Promise<RawDeadLetter[]> {
    const received: RawDeadLetter[] = [];
    const seen = new Set<string>();
    while (received.length < max && !stop(received)) {
      const out = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(SQS_BATCH, max - received.length),
          VisibilityTimeout: visibilitySeconds,
          // A short long-poll asks every SQS server, so a small queue is not missed by sampling.
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      const fresh = (out.Messages ?? []).filter((m) => m.MessageId && m.ReceiptHandle && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        seen.add(message.MessageId!);
        received.push(toRaw(message));
      }
    }
    return received;
  }

  async release(messages: readonly RawDeadLetter[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH) {
      const batch = messages.slice(start, start + SQS_BATCH);
      // Best effort: a message not released reappears by itself when its visibility timeout ends.
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(start + i), ReceiptHandle: m.receiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  async remove(receiptHandle: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle }));
  }
}

function toRaw(message: Message): RawDeadLetter {
  const attributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {})
      .filter(([, value]) => typeof value.StringValue === 'string')
      .map(([name, value]) => [name, value.StringValue!]),
  );
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes,
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
  };
}

/** The Lambda side of a redrive: the stack tag check and the asynchronous invoke. */
export class LambdaRedriveTargets {
  constructor(
    private readonly client: LambdaClient,
    private readonly stackTag: string,
  ) {}

  async belongsToStack(functionArn: string, stackName: string): Promise<boolean> {
    const out = await this.client.send(new ListTagsCommand({ Resource: functionArn }));
    return out.Tags?.[this.stackTag] === stackName;
  }

  async invokeAsync(functionArn: string, payload: string): Promise<void> {
    const out = await this.client.send(
      new InvokeCommand({ FunctionName: functionArn, InvocationType: 'Event', Payload: new TextEncoder().encode(payload) }),
    );
    // An accepted asynchronous invocation answers 202; anything else was not queued.
    if (out.StatusCode !== 202) throw new Error(`Lambda answered ${out.StatusCode ?? 'no status'} instead of 202`);
  }
}
