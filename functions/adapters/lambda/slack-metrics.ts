import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { SLACK_METRICS } from '../../core/metrics/milestone-metrics.ts';
import type { SlackCallObserver } from '../slack-poster.ts';
import { metrics } from './observability.ts';

/**
 * Counts failed Slack calls (by method and error) and 429s (by method) as CloudWatch EMF records.
 * Never throws: a metric must not turn a Slack answer into a failure.
 */
export function slackCallMetrics(sink: Pick<Metrics, 'singleMetric'> = metrics): SlackCallObserver {
  const emit = (name: string, dimensions: Record<string, string>) => {
    try {
      const single = sink.singleMetric();
      single.addDimensions(dimensions);
      single.addMetric(name, MetricUnit.Count, 1);
    } catch {
      // best effort
    }
  };
  return {
    failed: (method, error) => emit(SLACK_METRICS.errors, { Method: method, Error: error }),
    rateLimited: (method) => emit(SLACK_METRICS.rateLimited, { Method: method }),
  };
}
