import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditEntry } from '../../core/audit/chain.ts';
import type { Incident } from '../../core/incidents/incident.ts';
import { milestoneMetrics } from '../../core/metrics/milestone-metrics.ts';
import { metrics } from './observability.ts';

/** Called by the incident repository once a commit has succeeded, with what it wrote. */
export type CommittedHook = (incident: Incident, committed: readonly AuditEntry[]) => void;

/**
 * Emits an incident's milestone metrics (CloudWatch EMF, namespace POWERTOOLS_METRICS_NAMESPACE).
 * Each point is its own EMF record (`singleMetric`), because its dimensions (Severity, Category,
 * Reason) differ from the function's own per-invocation metrics. Never throws: a metric must not
 * fail a commit that already happened.
 */
export function milestoneMetricsEmitter(sink: Pick<Metrics, 'singleMetric'> = metrics): CommittedHook {
  return (incident, committed) => {
    try {
      for (const point of milestoneMetrics(incident, committed)) {
        const single = sink.singleMetric();
        single.addDimensions({ ...point.dimensions });
        single.addMetric(point.name, point.unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, point.value);
      }
    } catch {
      // Metrics are best effort; the audit trail (and `firebreak stats`) remain the record.
    }
  };
}
