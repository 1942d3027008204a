import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { EventEnvelopeSchema, type EventEnvelope } from '../core/signals/signal.ts';
import type { Execution } from '../workflow/execution.ts';
import { deployedExecution } from '../workflow/execution-environment.ts';

const logger = new Logger();
const metrics = new Metrics({ logger });

/** SSM's status events: per-instance progress, coalesced posts, the final outcome. */
export function createTrackHandler(execution: () => Execution) {
  return middy(async (event: EventEnvelope) => {
    const result = await execution().onStatusEvent(event);
    metrics.addMetric(`track_${result.outcome.replace(/\W+/g, '_')}`, MetricUnit.Count, 1);
    return result;
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(parser({ schema: EventEnvelopeSchema }));
}

let deployed: Execution | undefined;
export const handler = createTrackHandler(() => (deployed ??= deployedExecution()));
