import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { createClassifier, type Classification } from '../core/signals/classify.ts';
import { InvalidEventError, EventEnvelopeSchema, type EventEnvelope } from '../core/signals/signal.ts';
import { assertEventSize, invalidEventFromIssues } from '../core/signals/normalize.ts';
import { EventPublisher } from '../adapters/event-publisher.ts';
import { createRepositories } from '../adapters/dynamodb/repositories.ts';
import { loadRuntimeConfig, requireEnv } from '../adapters/runtime-config.ts';
import { ingestEnvelope, type IngestDependencies, type SignalOutcome } from './ingest.ts';

// Service name and namespace come from the house environment (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE).
const logger = new Logger();
// Its warnings go through the logger, so they are structured (and silent in local runs).
const metrics = new Metrics({ logger });

type ParsedEvent =
  { success: true; data: EventEnvelope } | { success: false; error: Error & { cause?: unknown }; originalEvent: unknown };

/** The dependencies of a deployed function: the baked-in configuration, the table and the bus. */
export function defaultDependencies(): IngestDependencies {
  const config = loadRuntimeConfig();
  return {
    incidents: createRepositories(new DynamoDBClient({}), requireEnv('TABLE_NAME')).incidents,
    publisher: new EventPublisher(new EventBridgeClient({}), requireEnv('EVENT_BUS_NAME')),
    classify: createClassifier(config),
    now: () => new Date(),
    reopenWindowMinutes: config.dedup.reopenWindowMinutes,
    eventRetentionDays: config.eventRetentionDays,
    customSources: config.sources.custom,
  };
}

/** Builds the Lambda handler around the given dependencies; tests and the local runtime pass their own. */
export type IngestResult = {
  eventId: string;
  outcomes: Array<
    Pick<SignalOutcome, 'outcome' | 'incidentId' | 'reason' | 'changes'> & Pick<Classification, 'rule' | 'severity' | 'category'>
  >;
};

export function createIngestHandler(dependencies: () => IngestDependencies) {
  return middy(async (event: ParsedEvent): Promise<IngestResult> => {
    if (!event.success) {
      // Thrown, not swallowed: Lambda retries, then the event lands in the dead-letter queue.
      assertEventSize(event.originalEvent);
      throw invalidEventFromIssues((event.error.cause as Parameters<typeof invalidEventFromIssues>[0]) ?? []);
    }
    assertEventSize(event.data);
    const outcomes = await ingestEnvelope(event.data, dependencies());
    for (const outcome of outcomes) {
      metrics.addMetric(`signal_${outcome.outcome}`, MetricUnit.Count, 1);
      // Titles and resources can carry IPs and user names: log only ids and the decision.
      logger.info('signal processed', {
        eventId: event.data.id,
        source: outcome.signal.source,
        kind: outcome.signal.kind,
        fingerprint: outcome.classification.fingerprint,
        rule: outcome.classification.rule,
        severity: outcome.classification.severity,
        outcome: outcome.outcome,
        incidentId: outcome.incidentId,
        reason: outcome.reason,
        retries: outcome.retries,
      });
    }
    return {
      eventId: event.data.id,
      outcomes: outcomes.map(({ outcome, incidentId, reason, changes, classification }) => ({
        outcome,
        incidentId,
        reason,
        changes,
        rule: classification.rule,
        severity: classification.severity,
        category: classification.category,
      })),
    };
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(parser({ schema: EventEnvelopeSchema, safeParse: true }))
    .onError(async (request) => {
      if (request.error instanceof InvalidEventError) {
        metrics.addMetric('event_invalid', MetricUnit.Count, 1);
        logger.error('invalid event, sent to the dead-letter queue after retries', {
          field: request.error.field,
          reason: request.error.reason,
          eventId: idOf(request.event),
        });
      }
    });
}

function idOf(event: ParsedEvent): string | undefined {
  const raw = event.success ? event.data : event.originalEvent;
  return typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
    ? (raw as { id: string }).id.slice(0, 256)
    : undefined;
}

let deployed: IngestDependencies | undefined;
export const handler = createIngestHandler(() => (deployed ??= defaultDependencies()));
