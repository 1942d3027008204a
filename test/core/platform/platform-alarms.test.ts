import { describe, expect, it } from 'vitest';
import { PLATFORM_SOURCE, platformWatchOf } from '../../../functions/core/platform/platform-alarms.ts';
import { createClassifier, PLATFORM_RULE_NAME } from '../../../functions/core/signals/classify.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import type { Signal } from '../../../functions/core/signals/signal.ts';
import { exampleConfig, fixture } from '../../support.ts';
import { buildConfig, type Json } from '../helpers.ts';

const DLQ_ALARM = 'cloudwatch-alarm-state-change-firebreak-dlq-derived.json';
const ALARM_ARN = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:firebreak-platform-Firebreak-shared-dead-letters';

const editable = (): Json => structuredClone(fixture(DLQ_ALARM)) as Json;
const signalOf = (event: unknown): Signal => {
  const { signals } = normalizeEvent(event);
  expect(signals).toHaveLength(1);
  return signals[0]!;
};

/** The DLQ alarm event turned into another platform alarm: Lambda metric, function dimension, name. */
function functionAlarm(metricName: string, watch: string, stateValue = 'ALARM'): Json {
  const event = editable();
  const name = `firebreak-platform-Firebreak-notify-${watch}`;
  event.detail.alarmName = name;
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`];
  event.detail.configuration.metrics[0].metricStat.metric = {
    namespace: 'AWS/Lambda',
    name: metricName,
    dimensions: { FunctionName: 'Firebreak-notify' },
  };
  event.detail.state.value = stateValue;
  return event;
}

describe('normalizing a Firebreak platform alarm', () => {
  it('turns the dead-letter alarm into a firebreak.platform dead-letters signal about the alarm', () => {
    expect(signalOf(fixture(DLQ_ALARM))).toEqual({
      source: PLATFORM_SOURCE,
      kind: 'dead-letters',
      subject: ALARM_ARN,
      title: 'Firebreak platform: dead letters waiting in Firebreak-IngestionDeadLetterQueueEB97306D-AbCdEf123456',
      description: expect.stringContaining('firebreak dlq list'),
      account: '123456789012',
      region: 'us-east-1',
      resources: [ALARM_ARN, 'Firebreak-IngestionDeadLetterQueueEB97306D-AbCdEf123456'],
      severityHint: 'high',
      observedAt: '2019-10-02T17:04:40.000Z',
      state: 'firing',
      attributes: {
        alarmName: 'firebreak-platform-Firebreak-shared-dead-letters',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        stateValue: 'ALARM',
        resource: 'Firebreak-IngestionDeadLetterQueueEB97306D-AbCdEf123456',
      },
      url: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/firebreak-platform-Firebreak-shared-dead-letters',
    });
  });

  it('reads the watch from the metric: errors, throttles, iterator age; anything else is a plain platform alarm', () => {
    expect(signalOf(functionAlarm('Errors', 'errors'))).toMatchObject({
      kind: 'errors',
      title: 'Firebreak platform: function Firebreak-notify is failing',
    });
    expect(signalOf(functionAlarm('Throttles', 'throttles')).kind).toBe('throttles');
    expect(signalOf(functionAlarm('IteratorAge', 'iterator-age')).title).toBe(
      'Firebreak platform: stream consumer Firebreak-notify is falling behind',
    );
    expect(signalOf(functionAlarm('Duration', 'duration'))).toMatchObject({
      kind: 'alarm',
      title: 'Firebreak platform alarm firebreak-platform-Firebreak-notify-duration',
    });
    expect(platformWatchOf('AWS/SQS', 'Errors')).toBe('alarm');
  });

  it('recovers on OK, like any alarm', () => {
    const event = editable();
    event.detail.state.value = 'OK';
    expect(signalOf(event)).toMatchObject({ source: PLATFORM_SOURCE, state: 'recovered', severityHint: 'low' });
  });

  it("leaves the user's alarms alone, even ones on the same metrics or with a similar name", () => {
    const event = editable();
    event.detail.alarmName = 'my-firebreak-platform-copy';
    expect(signalOf(event)).toMatchObject({ source: 'aws.cloudwatch', kind: 'alarm' });
    event.detail.alarmName = 'Firebreak-Platform-shared-dead-letters';
    expect(signalOf(event).source).toBe('aws.cloudwatch');
  });
});

describe('classifying a Firebreak platform alarm', () => {
  const classify = createClassifier(exampleConfig());

  it('opens a SEV2 platform incident for dead letters with the shipped configuration, on the default channel', () => {
    expect(classify(signalOf(fixture(DLQ_ALARM)))).toMatchObject({
      rule: PLATFORM_RULE_NAME,
      suppressed: false,
      severity: 'SEV2',
      category: 'platform',
      channel: 'C0INCIDENTS',
      mitigations: [],
    });
  });

  it('gives errors and throttles SEV3, iterator age SEV2', () => {
    expect(classify(signalOf(functionAlarm('Errors', 'errors'))).severity).toBe('SEV3');
    expect(classify(signalOf(functionAlarm('Throttles', 'throttles'))).severity).toBe('SEV3');
    expect(classify(signalOf(functionAlarm('IteratorAge', 'iterator-age'))).severity).toBe('SEV2');
  });

  it('suppresses a platform alarm without data yet (every new alarm starts there)', () => {
    const event = editable();
    event.detail.state.value = 'INSUFFICIENT_DATA';
    expect(classify(signalOf(event))).toMatchObject({ suppressed: true, category: 'platform' });
  });

  it('posts to the platform channel when one is configured, and a configured rule overrides the default', () => {
    const withChannel = createClassifier(buildConfig([], { channels: { platform: 'C0PLATFORM1' } }));
    expect(withChannel(signalOf(fixture(DLQ_ALARM)))).toMatchObject({ channel: 'C0PLATFORM1', severity: 'SEV2' });
    const overridden = createClassifier(
      buildConfig([
        {
          name: 'platform dead letters are SEV1 here',
          match: { source: 'firebreak.platform', kind: 'dead-letters' },
          severity: 'SEV1',
          category: 'platform',
        },
      ]),
    );
    expect(overridden(signalOf(fixture(DLQ_ALARM)))).toMatchObject({
      rule: 'platform dead letters are SEV1 here',
      severity: 'SEV1',
    });
  });

  it('keys every state change of one alarm to one fingerprint, whatever dedup.fingerprint says', () => {
    const byAccount = createClassifier(buildConfig([], { dedup: { fingerprint: ['account'] } }));
    const alarm = signalOf(fixture(DLQ_ALARM));
    const ok = signalOf({ ...editable(), detail: { ...editable().detail, state: { value: 'OK' } } });
    const other = signalOf(functionAlarm('Errors', 'errors'));
    expect(byAccount(alarm).fingerprint).toBe(byAccount(ok).fingerprint);
    expect(byAccount(alarm).fingerprint).not.toBe(byAccount(other).fingerprint);
  });
});
