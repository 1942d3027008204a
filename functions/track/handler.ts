import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventEnvelopeSchema } from '../core/signals/signal.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { metrics } from '../adapters/lambda/observability.ts';
import { deployedExecution } from '../compose/execution.ts';
import type { Execution } from '../workflow/execution.ts';

/** SSM's status events: per-instance progress, coalesced posts, the final outcome. */
export function createTrackHandler(execution: () => Execution) {
  return houseHandler({
    schema: EventEnvelopeSchema,
    handle: async (event) => {
      const result = await execution().onStatusEvent(event);
      metrics.addMetric(`track_${result.outcome.replace(/\W+/g, '_')}`, MetricUnit.Count, 1);
      return result;
    },
  });
}

export const handler = createTrackHandler(deployedExecution);
