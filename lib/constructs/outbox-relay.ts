import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OUTBOX_STREAM_FILTER } from '../../functions/adapters/dynamodb/outbox.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import { deadLetterQueue, type Foundation } from './foundation.ts';

export interface OutboxRelayProps {
  /** The table (with its stream), its key and the firebreak bus. */
  readonly foundation: Foundation;
  /** How long the relay keeps retrying a record (EventBridge down, throttled) before dead-lettering it. */
  readonly maxRecordAge?: Duration;
}

/**
 * The transactional outbox's relay: a function on the table's stream, filtered to new outbox items,
 * that publishes their events on the firebreak bus. It is the only function allowed to put events
 * on the bus. Failed records are retried (bisected, from the first failure) until they are
 * published or too old; then their batch's position goes to the relay's own dead-letter queue, as do
 * outbox items that can never be published.
 */
export class OutboxRelay extends Construct {
  readonly relayFunction: FirebreakFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly eventSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    const { foundation } = props;

    // SQS-managed encryption: the queue holds stream positions and reasons, never event payloads.
    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      "This queue is the relay's dead-letter queue (its event source mapping's on-failure destination); a dead-letter queue of a dead-letter queue would only hide failures. Its alarm makes every message visible.",
    );
    this.relayFunction = new FirebreakFunction(this, 'Relay', {
      entry: 'functions/relay/handler.ts',
      serviceName: 'firebreak-relay',
      description: 'Firebreak relay: publishes the events committed in the table (transactional outbox) to the bus',
      timeout: Duration.seconds(30),
      environment: { RELAY_DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl },
    });
    foundation.grantPutEvents(this.relayFunction);
    this.deadLetterQueue.grantSendMessages(this.relayFunction);

    this.eventSource = new DynamoEventSource(foundation.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(0),
      filters: [lambda.FilterCriteria.filter(OUTBOX_STREAM_FILTER as unknown as Record<string, unknown>)],
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      // Retried until published or this old (a stream keeps records for 24 h): an EventBridge outage
      // of minutes delays events, it does not lose them.
      retryAttempts: 10_000,
      maxRecordAge: props.maxRecordAge ?? Duration.hours(6),
      onFailure: new SqsDlq(this.deadLetterQueue),
    });
    this.relayFunction.addEventSource(this.eventSource);
  }
}
