import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MILESTONE_DIMENSIONS, MILESTONE_METRICS, SLACK_METRICS } from '../../functions/core/metrics/milestone-metrics.ts';
import { METRICS_NAMESPACE, type FirebreakFunction } from './firebreak-function.ts';

export interface OperationsDashboardProps {
  /** Every Firebreak function: errors and throttles, one line each. */
  readonly functions: readonly FirebreakFunction[];
  /** Every dead-letter queue of the stack, by a short name. */
  readonly deadLetterQueues: ReadonlyArray<{ readonly name: string; readonly queue: sqs.IQueue }>;
  /** The alarms whose state the dashboard shows at the top (the platform alarms). */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /** The period of the incident and Slack graphs. Default 1 hour. */
  readonly period?: Duration;
}

/** The dimension set the milestone metrics are emitted with (Powertools adds `service`). */
const MILESTONE_SCHEMA = `{${METRICS_NAMESPACE},${[...MILESTONE_DIMENSIONS].sort().join(',')},service}`;

/**
 * The stack's CloudWatch dashboard: incidents opened and resolved, time to acknowledge and resolve
 * (per severity and category), approvals, escalations and refusals, mitigation runs, failures and
 * success rate, dead letters, function errors and throttles, Slack API errors and rate limits.
 *
 * The milestone metrics carry Severity and Category dimensions (and `service`, the function that
 * emitted them), so the graphs use CloudWatch SEARCH expressions: totals are SUM(SEARCH(…)), and
 * the response times show one line per severity and category.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.period = props.period ?? Duration.hours(1);
    const stackName = Stack.of(this).stackName;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-operations`.slice(0, 255),
      defaultInterval: Duration.days(7),
    });
    const wide = 12;
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${stackName}: incident response\nMilestone metrics come from the audit trail as it is committed; \`firebreak stats --since 30d\` gives the exact medians and p90 from the table.`,
        width: 24,
        height: 2,
      }),
    );
    if (props.alarms?.length)
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'Platform alarms', alarms: [...props.alarms], width: 24, height: 3 }),
      );
    this.dashboard.addWidgets(
      this.graph(
        'Incidents opened and resolved',
        [this.total(MILESTONE_METRICS.opened, 'opened'), this.total(MILESTONE_METRICS.resolved, 'resolved')],
        wide,
      ),
      this.graph(
        'Approvals, escalations and refusals',
        [
          this.total(MILESTONE_METRICS.approvals, 'approvals'),
          this.total(MILESTONE_METRICS.escalations, 'escalations to senior engineers'),
          this.search(
            MILESTONE_METRICS.refusals,
            `{${METRICS_NAMESPACE},Category,Reason,Severity,service}`,
            "refused (${PROP('Dim.Reason')}, ${PROP('Dim.Severity')})",
          ),
        ],
        wide,
      ),
    );
    this.dashboard.addWidgets(
      this.graph('Time to acknowledge (p90, minutes)', [this.minutes(MILESTONE_METRICS.timeToAcknowledge)], wide),
      this.graph('Time to resolve (p90, minutes)', [this.minutes(MILESTONE_METRICS.timeToResolve)], wide),
    );
    const succeeded = this.total(MILESTONE_METRICS.mitigationsSucceeded, 'succeeded');
    const failed = this.total(MILESTONE_METRICS.mitigationsFailed, 'failed');
    const cancelled = this.total(MILESTONE_METRICS.mitigationsCancelled, 'cancelled');
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Mitigation runs and failures',
        left: [succeeded, failed, cancelled],
        right: [
          new cloudwatch.MathExpression({
            expression: '100 * s / (s + f + c)',
            usingMetrics: { s: succeeded, f: failed, c: cancelled },
            label: 'success rate (%)',
            period: this.period,
          }),
        ],
        rightYAxis: { min: 0, max: 100, label: '%', showUnits: false },
        width: wide,
        height: 6,
      }),
      this.graph('Time to approval (p90, minutes)', [this.minutes(MILESTONE_METRICS.timeToApproval)], wide),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Dead letters (messages waiting)',
        left: props.deadLetterQueues.map(({ name, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ label: name, period: Duration.minutes(5), statistic: 'Maximum' }),
        ),
        width: wide,
        height: 6,
      }),
      this.graph(
        'Slack API errors and rate limits',
        [
          this.search(
            SLACK_METRICS.errors,
            `{${METRICS_NAMESPACE},Error,Method,service}`,
            "${PROP('Dim.Method')} failed: ${PROP('Dim.Error')}",
          ),
          this.search(
            SLACK_METRICS.rateLimited,
            `{${METRICS_NAMESPACE},Method,service}`,
            "${PROP('Dim.Method')} rate limited (429)",
          ),
        ],
        wide,
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: props.functions.map((fn) =>
          fn.metricErrors({ label: fn.serviceName, period: Duration.minutes(5), statistic: 'Sum' }),
        ),
        width: wide,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function throttles',
        left: props.functions.map((fn) =>
          fn.metricThrottles({ label: fn.serviceName, period: Duration.minutes(5), statistic: 'Sum' }),
        ),
        width: wide,
        height: 6,
      }),
    );
  }

  private graph(title: string, left: cloudwatch.IMetric[], width: number): cloudwatch.GraphWidget {
    return new cloudwatch.GraphWidget({ title, left, width, height: 6 });
  }

  /** One line: the sum over every severity, category and emitting function. */
  private total(metricName: string, label: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SUM(SEARCH('${MILESTONE_SCHEMA} MetricName="${metricName}"', 'Sum', ${this.period.toSeconds()}))`,
      usingMetrics: {},
      label,
      period: this.period,
    });
  }

  /** One line per dimension combination (a refusal's reason and severity, a Slack method and error), labelled by them. */
  private search(metricName: string, schema: string, label: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SEARCH('${schema} MetricName="${metricName}"', 'Sum', ${this.period.toSeconds()})`,
      usingMetrics: {},
      label,
      period: this.period,
    });
  }

  /** The p90 of a duration metric in minutes, one line per severity and category. */
  private minutes(metricName: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SEARCH('${MILESTONE_SCHEMA} MetricName="${metricName}"', 'p90', ${this.period.toSeconds()}) / 60000`,
      usingMetrics: {},
      label: "${PROP('Dim.Severity')} ${PROP('Dim.Category')}",
      period: this.period,
    });
  }
}
