import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { BUS_EVENTS } from '../core/events/subscriptions.ts';
import { SqsDeadLetterSink, type DeadLetterSink } from '../adapters/dead-letter-sink.ts';
import { deployedPublisher } from '../adapters/deployed/bus.ts';
import { outboxEvents, UnreadableOutboxError } from '../adapters/dynamodb/outbox.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { requireEnv } from '../adapters/environment.ts';
import type { EventPublisherPort } from '../workflow/ports/bus.ts';

export interface RelayDependencies {
  readonly publisher: EventPublisherPort;
  /** Where an outbox item that can never be published goes at once, instead of blocking its shard. */
  readonly deadLetters: DeadLetterSink;
}

const KNOWN_DETAIL_TYPES = new Set<string>(BUS_EVENTS.map((contract) => contract.detailType));

/**
 * The stream relay: publishes the events of each new outbox item (the event source mapping filters
 * the table's stream down to those) on the firebreak bus. A publish that fails is reported as a
 * batch item failure, so Lambda retries from that record on; an item that can never be published is
 * dead-lettered with its reason. Delivery is at-least-once: consumers compare versions.
 */
export function createRelayHandler(dependencies: () => RelayDependencies) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return middy(async (event: DynamoDBStreamEvent, context: Context) => {
    // Lambda retries from the first failed record: the records after it are left for that retry
    // rather than published now and again then.
    let failed = false;
    const relayInOrder = async (record: DynamoDBRecord) => {
      if (failed) throw new Error('an earlier record of this batch failed; retried with it');
      try {
        await relay(record, dependencies());
      } catch (error) {
        failed = true;
        throw error;
      }
    };
    return processPartialResponse(event, relayInOrder, processor, { context, processInParallel: false });
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

async function relay(record: DynamoDBRecord, deps: RelayDependencies): Promise<void> {
  const sequenceNumber = record.dynamodb?.SequenceNumber ?? 'unknown';
  try {
    const events = outboxEvents(record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined);
    const unknown = events.map((event) => event.detailType).filter((type) => !KNOWN_DETAIL_TYPES.has(type));
    if (unknown.length) throw new UnreadableOutboxError(`unknown detail-type(s): ${unknown.join(', ').slice(0, 300)}`);
    await deps.publisher.publish(events);
    metrics.addMetric('outbox_events_published', MetricUnit.Count, events.length);
  } catch (error) {
    if (!(error instanceof UnreadableOutboxError)) {
      metrics.addMetric('outbox_publish_failed', MetricUnit.Count, 1);
      logger.warn('publishing an outbox item failed; it will be retried', { sequenceNumber, error: (error as Error).name });
      throw error;
    }
    metrics.addMetric('outbox_unreadable', MetricUnit.Count, 1);
    logger.error('unreadable outbox item dead-lettered', { sequenceNumber, reason: error.message });
    await deps.deadLetters.send({
      reason: error.message,
      reference: {
        sequenceNumber,
        key: JSON.stringify(record.dynamodb?.Keys ?? {}),
        eventSourceARN: record.eventSourceARN ?? '',
      },
    });
  }
}

let deployed: RelayDependencies | undefined;
function deployedRelay(): RelayDependencies {
  return (deployed ??= {
    publisher: deployedPublisher(),
    deadLetters: new SqsDeadLetterSink(new SQSClient({}), requireEnv('RELAY_DEAD_LETTER_QUEUE_URL')),
  });
}
export const handler = createRelayHandler(deployedRelay);
