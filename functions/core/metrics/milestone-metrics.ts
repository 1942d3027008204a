/**
 * The response metrics of incidents, derived from what a commit just recorded: the incident as
 * committed and the audit entries written with it. Pure: the repository emits the points (CloudWatch
 * EMF through Powertools Metrics) once its transaction has succeeded, so a metric is never counted
 * for a change that did not happen. Names are shared with the dashboard construct.
 */
import type { AuditEntry } from '../audit/chain.ts';
import type { Incident } from '../incidents/incident.ts';

export const MILESTONE_METRICS = {
  opened: 'IncidentsOpened',
  resolved: 'IncidentsResolved',
  timeToAcknowledge: 'TimeToAcknowledge',
  timeToApproval: 'TimeToApproval',
  timeToResolve: 'TimeToResolve',
  approvals: 'Approvals',
  escalations: 'Escalations',
  refusals: 'Refusals',
  mitigationsSucceeded: 'MitigationsSucceeded',
  mitigationsFailed: 'MitigationsFailed',
  mitigationsCancelled: 'MitigationsCancelled',
  signalsPerIncident: 'SignalsPerIncident',
} as const;

/** The Slack Web API metrics notify and deployments emit (dimensions Method, and Error for a failure). */
export const SLACK_METRICS = { errors: 'SlackApiErrors', rateLimited: 'SlackRateLimited' } as const;

export type MilestoneMetricName = (typeof MILESTONE_METRICS)[keyof typeof MILESTONE_METRICS];

/** The dimensions every milestone metric carries (a refusal adds its `Reason`). */
export const MILESTONE_DIMENSIONS = ['Severity', 'Category'] as const;

export interface MetricPoint {
  readonly name: MilestoneMetricName;
  readonly unit: 'Count' | 'Milliseconds';
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Refusal reasons come from the policy; anything else is folded so a dimension cannot grow without bound. */
const REASON = /^[a-z_]{1,40}$/;

/**
 * The points of one commit. Durations are measured from detection (the incident's `openedAt`):
 * time to acknowledge, to each approval that lets a mitigation run (the policy's included), and to
 * the first resolution (a reopened incident's later resolutions count as resolved, not timed again).
 */
export function milestoneMetrics(incident: Incident, committed: readonly AuditEntry[]): MetricPoint[] {
  const dimensions = { Severity: incident.severity, Category: incident.category };
  const since = (at: string) => Math.max(0, Date.parse(at) - Date.parse(incident.openedAt));
  const count = (name: MilestoneMetricName, extra: Record<string, string> = {}): MetricPoint => ({
    name,
    unit: 'Count',
    value: 1,
    dimensions: { ...dimensions, ...extra },
  });
  const time = (name: MilestoneMetricName, at: string): MetricPoint => ({
    name,
    unit: 'Milliseconds',
    value: since(at),
    dimensions,
  });
  const points: MetricPoint[] = [];
  for (const entry of committed) {
    if (entry.incidentId !== incident.id) continue;
    switch (entry.action) {
      case 'incident.opened':
        points.push(count(MILESTONE_METRICS.opened));
        break;
      case 'incident.acknowledged':
        points.push(time(MILESTONE_METRICS.timeToAcknowledge, entry.at));
        break;
      case 'mitigation.approved':
        points.push(count(MILESTONE_METRICS.approvals), time(MILESTONE_METRICS.timeToApproval, entry.at));
        break;
      case 'mitigation.escalated':
        points.push(count(MILESTONE_METRICS.escalations));
        break;
      case 'mitigation.approve_refused':
      case 'mitigation.reject_refused': {
        const reason = typeof entry.data.refusal === 'string' && REASON.test(entry.data.refusal) ? entry.data.refusal : 'other';
        points.push(count(MILESTONE_METRICS.refusals, { Reason: reason }));
        break;
      }
      case 'mitigation.succeeded':
        points.push(count(MILESTONE_METRICS.mitigationsSucceeded));
        break;
      case 'mitigation.failed':
        points.push(count(MILESTONE_METRICS.mitigationsFailed));
        break;
      case 'mitigation.cancelled':
        points.push(count(MILESTONE_METRICS.mitigationsCancelled));
        break;
      case 'incident.resolved':
        points.push(count(MILESTONE_METRICS.resolved), {
          name: MILESTONE_METRICS.signalsPerIncident,
          unit: 'Count',
          value: incident.signalCount,
          dimensions,
        });
        if (incident.reopenCount === 0) points.push(time(MILESTONE_METRICS.timeToResolve, entry.at));
        break;
    }
  }
  return points;
}
