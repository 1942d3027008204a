/**
 * Firebreak watching itself: the names of the platform alarms the stack creates, and what an alarm
 * state change of one of them means. Shared by the CDK construct (names) and ingest (recognition),
 * so the two cannot drift apart. Pure.
 */
import type { Severity, SeverityHint } from '../config.ts';

/** Every platform alarm's name starts with this; ingest recognises Firebreak's own alarms by it. */
export const PLATFORM_ALARM_PREFIX = 'firebreak-platform-';

/** The signal source of Firebreak's own alarms (the envelope still says `aws.cloudwatch`). */
export const PLATFORM_SOURCE = 'firebreak.platform';

/**
 * The tag every Firebreak function carries, valued with its stack's name: `firebreak dlq redrive`
 * re-sends a dead letter only to a function tagged with the stack it was given.
 */
export const STACK_TAG = 'firebreak:stack';

/** CloudWatch refuses alarm names over 255 characters. */
export const MAX_ALARM_NAME = 255;

/** What a platform alarm watches, by the metric it reads. */
export const PLATFORM_WATCHES = {
  'dead-letters': { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible' },
  errors: { namespace: 'AWS/Lambda', metricName: 'Errors' },
  throttles: { namespace: 'AWS/Lambda', metricName: 'Throttles' },
  'iterator-age': { namespace: 'AWS/Lambda', metricName: 'IteratorAge' },
} as const;
export type PlatformWatch = keyof typeof PLATFORM_WATCHES;

/**
 * The default classification of each watch, used when no configured rule claims the signal:
 * a dead letter is an event already lost to its consumer and a stream consumer falling behind
 * delays every announcement (SEV2); errors and throttles are still being retried (SEV3).
 */
export const PLATFORM_DEFAULTS: Readonly<Record<PlatformWatch | 'alarm', { severity: Severity; hint: SeverityHint }>> = {
  'dead-letters': { severity: 'SEV2', hint: 'high' },
  'iterator-age': { severity: 'SEV2', hint: 'high' },
  errors: { severity: 'SEV3', hint: 'medium' },
  throttles: { severity: 'SEV3', hint: 'medium' },
  alarm: { severity: 'SEV3', hint: 'medium' },
};

/**
 * `firebreak-platform-<stack>-<subject>-<watch>`, e.g. `firebreak-platform-Firebreak-ingest-errors`.
 * The stack name keeps two Firebreak stacks in one account apart; a name too long for CloudWatch
 * loses the end of its subject, never its prefix or its watch.
 */
export function platformAlarmName(stackName: string, subject: string, watch: PlatformWatch): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9_.-]+/g, '-');
  const head = `${PLATFORM_ALARM_PREFIX}${clean(stackName)}-`;
  const tail = `-${watch}`;
  return `${head}${clean(subject).slice(0, Math.max(1, MAX_ALARM_NAME - head.length - tail.length))}${tail}`.slice(
    0,
    MAX_ALARM_NAME,
  );
}

export const isPlatformAlarmName = (alarmName: string): boolean => alarmName.startsWith(PLATFORM_ALARM_PREFIX);

/** The watch a platform alarm's metric stands for; `alarm` for a prefixed alarm on any other metric. */
export function platformWatchOf(namespace: string | undefined, metricName: string | undefined): PlatformWatch | 'alarm' {
  const found = Object.entries(PLATFORM_WATCHES).find(([, m]) => m.namespace === namespace && m.metricName === metricName);
  return found ? (found[0] as PlatformWatch) : 'alarm';
}

/** A readable title: what is wrong, and with what (the queue or function the alarm's dimensions name). */
export function platformTitle(watch: PlatformWatch | 'alarm', resource: string | undefined, alarmName: string): string {
  const what = resource ?? alarmName;
  switch (watch) {
    case 'dead-letters':
      return `Firebreak platform: dead letters waiting in ${what}`;
    case 'errors':
      return `Firebreak platform: function ${what} is failing`;
    case 'throttles':
      return `Firebreak platform: function ${what} is throttled`;
    case 'iterator-age':
      return `Firebreak platform: stream consumer ${what} is falling behind`;
    default:
      return `Firebreak platform alarm ${alarmName}`;
  }
}
