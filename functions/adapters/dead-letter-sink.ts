import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A dead letter that no retry can fix: what failed, why, and where to find it again. */
export interface DeadLetter {
  readonly reason: string;
  /** Enough to find the failed input again (keys, sequence numbers); never its payload. */
  readonly reference: Readonly<Record<string, string>>;
}

/** Where poison inputs go at once, rather than blocking what follows them: an alarmed queue. */
export interface DeadLetterSink {
  send(letter: DeadLetter): Promise<void>;
}

/** A dead-letter queue in SQS (encrypted, alarmed by the stack). */
export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(letter: DeadLetter): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(letter.reference),
        MessageAttributes: { ERROR_MESSAGE: { DataType: 'String', StringValue: letter.reason.slice(0, 1000) } },
      }),
    );
  }
}
