import { acknowledgeControlTower } from '../policy/control-tower.ts';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { platformAlarmName, type PlatformWatch } from '../../functions/core/platform/platform-alarms.ts';
import { FirebreakFunction } from './firebreak-function.ts';

/** The thresholds a platform engineer can tune; the defaults are stated in the README ("Operating"). */
export interface PlatformAlarmThresholds {
  /** A function's `Errors` (Sum) in one period that raise its alarm. Default 5 in 5 minutes. */
  readonly errors?: number;
  /** A function's `Throttles` (Sum) in one period that raise its alarm. Default 5 in 5 minutes. */
  readonly throttles?: number;
  /** The period of the errors and throttles alarms. Default 5 minutes. */
  readonly functionPeriod?: Duration;
}

export interface PlatformAlarmsProps extends PlatformAlarmThresholds {
  /** Every dead-letter queue of the stack: any visible message raises the queue's alarm. */
  readonly deadLetterQueues: ReadonlyArray<{ readonly name: string; readonly queue: sqs.IQueue }>;
  /** Every Firebreak function: its `Errors` and `Throttles` are watched (see {@link firebreakFunctionsIn}). */
  readonly functions: readonly FirebreakFunction[];
}

/**
 * Firebreak watching itself: a CloudWatch alarm on every dead-letter queue (any visible message),
 * on every function's errors and throttles, and, through {@link watchStreamConsumer}, on a stream
 * consumer's iterator age.
 *
 * The alarms have no actions: every alarm state change reaches the default bus as `CloudWatch
 * Alarm State Change`, where ingest's CloudWatch rule already listens. Their names start with
 * `firebreak-platform-` (`platformAlarmName`, shared with ingest), which is how ingest tells them
 * from the user's alarms and opens `platform` incidents for them. Missing data is not breaching: an
 * idle queue or function publishes nothing.
 */
export class PlatformAlarms extends Construct {
  /** The alarm of each dead-letter queue, by the name given in the props. */
  readonly deadLetterAlarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** The errors and throttles alarms of each watched function, by the function's construct path. */
  readonly functionAlarms: ReadonlyMap<string, { readonly errors: cloudwatch.Alarm; readonly throttles: cloudwatch.Alarm }>;
  /** The iterator-age alarm of each watched stream consumer, by the function's construct path. */
  readonly streamConsumerAlarms: ReadonlyMap<string, cloudwatch.Alarm>;

  private readonly stackName: string;
  private readonly thresholds: Required<PlatformAlarmThresholds>;
  private readonly deadLetters = new Map<string, cloudwatch.Alarm>();
  private readonly functionsWatched = new Map<string, { errors: cloudwatch.Alarm; throttles: cloudwatch.Alarm }>();
  private readonly consumers = new Map<string, cloudwatch.Alarm>();

  constructor(scope: Construct, id: string, props: PlatformAlarmsProps) {
    super(scope, id);
    this.stackName = Stack.of(this).stackName;
    this.thresholds = {
      errors: props.errors ?? 5,
      throttles: props.throttles ?? 5,
      functionPeriod: props.functionPeriod ?? Duration.minutes(5),
    };
    this.deadLetterAlarms = this.deadLetters;
    this.functionAlarms = this.functionsWatched;
    this.streamConsumerAlarms = this.consumers;
    for (const { name, queue } of props.deadLetterQueues) this.watchDeadLetterQueue(name, queue);
    for (const fn of props.functions) this.watchFunction(fn);
  }

  /** Alarms as soon as one message is visible in `queue`: each one is an event a consumer never handled. */
  watchDeadLetterQueue(name: string, queue: sqs.IQueue): cloudwatch.Alarm {
    const existing = this.deadLetters.get(name);
    if (existing) return existing;
    const alarm = this.alarm(`${idOf(name)}DeadLetters`, name, 'dead-letters', {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      description: `Firebreak: messages are waiting in the dead-letter queue (${name}): events a Firebreak function never handled. List them with \`firebreak dlq list\`, redrive with \`firebreak dlq redrive\`.`,
    });
    this.deadLetters.set(name, alarm);
    return alarm;
  }

  /** Alarms on the function's errors and throttles (idempotent: a function is watched once). */
  watchFunction(fn: FirebreakFunction): { readonly errors: cloudwatch.Alarm; readonly throttles: cloudwatch.Alarm } {
    const existing = this.functionsWatched.get(fn.node.path);
    if (existing) return existing;
    const subject = shortName(fn);
    const period = this.thresholds.functionPeriod;
    const alarms = {
      errors: this.alarm(`${idOf(subject)}Errors`, subject, 'errors', {
        metric: fn.metricErrors({ period, statistic: 'Sum' }),
        threshold: this.thresholds.errors,
        description: `Firebreak: the ${fn.serviceName} function failed at least ${this.thresholds.errors} times in ${period.toHumanString()}. Its log group has the errors; what it gave up on is in the dead-letter queue.`,
      }),
      throttles: this.alarm(`${idOf(subject)}Throttles`, subject, 'throttles', {
        metric: fn.metricThrottles({ period, statistic: 'Sum' }),
        threshold: this.thresholds.throttles,
        description: `Firebreak: the ${fn.serviceName} function was throttled at least ${this.thresholds.throttles} times in ${period.toHumanString()} (account concurrency, or its reserved concurrency).`,
      }),
    };
    this.functionsWatched.set(fn.node.path, alarms);
    return alarms;
  }

  /**
   * For a function fed by a stream (the DynamoDB Streams relay): alarms when its `IteratorAge`
   * (Maximum) stays at or above `maxAge` for 3 consecutive minutes, i.e. announcements are late.
   * Also watches its errors and throttles.
   */
  watchStreamConsumer(fn: FirebreakFunction | lambda.Function, maxAge: Duration = Duration.minutes(5)): cloudwatch.Alarm {
    const existing = this.consumers.get(fn.node.path);
    if (existing) return existing;
    if (fn instanceof FirebreakFunction) this.watchFunction(fn);
    const subject = fn instanceof FirebreakFunction ? shortName(fn) : fn.node.id;
    const alarm = this.alarm(`${idOf(subject)}IteratorAge`, subject, 'iterator-age', {
      metric: fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: maxAge.toMilliseconds(),
      evaluationPeriods: 3,
      description: `Firebreak: the stream consumer ${subject} is ${maxAge.toHumanString()} or more behind its stream for 3 minutes: events are announced late.`,
    });
    this.consumers.set(fn.node.path, alarm);
    return alarm;
  }

  private alarm(
    id: string,
    subject: string,
    watch: PlatformWatch,
    options: { metric: cloudwatch.IMetric; threshold: number; description: string; evaluationPeriods?: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: platformAlarmName(this.stackName, subject, watch),
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.evaluationPeriods ?? 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    acknowledgeControlTower(alarm, {
      cloudwatch_alarm_action_check:
        'Its state changes reach Firebreak through EventBridge (the CloudWatchAlarm rule, as every alarm does) and open a firebreak.platform incident in Slack; an SNS action would be a second, unwatched path.',
    });
    return alarm;
  }
}

/** Every Firebreak function under `scope` (the whole stack, when the stack composes the alarms last). */
export function firebreakFunctionsIn(scope: IConstruct): FirebreakFunction[] {
  return scope.node.findAll().filter((c): c is FirebreakFunction => c instanceof FirebreakFunction);
}

/** `firebreak-ingest` -> `ingest`: the stack name already says Firebreak. */
function shortName(fn: FirebreakFunction): string {
  return fn.serviceName.replace(/^firebreak-/, '');
}

/** A construct id from a name: `dead-letter-queue` -> `DeadLetterQueue`. */
function idOf(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
