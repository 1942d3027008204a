/**
 * normalizeEvent on state changes' published samples and their abuse: CloudWatch alarms, AWS Health
 * and EC2 instance state, each rejection naming its field (harness: normalize-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import {} from '../../../functions/core/signals/signal.ts';
import { fixture } from '../../support.ts';
import { only, invalid, editable } from './normalize-harness.ts';

describe('normalizeEvent: CloudWatch alarms', () => {
  it('turns the ALARM sample into a firing medium signal about the alarm and its instance', () => {
    const { envelope, signals } = normalizeEvent(fixture('cloudwatch-alarm-state-change-alarm.json'));
    expect(envelope.id).toBe('c4c1c1c9-6542-e61b-6ef0-8c4d36933a92');
    expect(signals).toHaveLength(1);
    const s = signals[0]!;
    const arn = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh';
    expect(s).toMatchObject({
      source: 'aws.cloudwatch',
      kind: 'alarm',
      subject: arn,
      title: 'CloudWatch alarm ServerCpuTooHigh',
      description: 'Goes into alarm when server CPU utilization is too high!',
      account: '123456789012',
      region: 'us-east-1',
      severityHint: 'medium',
      state: 'firing',
      observedAt: '2019-10-02T17:04:40.000Z',
    });
    expect(s.resources).toEqual([arn, 'i-12345678901234567']);
    expect(s.attributes).toEqual({
      alarmName: 'ServerCpuTooHigh',
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      stateValue: 'ALARM',
    });
    expect(s.url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\/.*ServerCpuTooHigh$/);
  });

  it('turns the derived OK sample into a recovery of the same subject with the same resources', () => {
    const alarm = only(fixture('cloudwatch-alarm-state-change-alarm.json'));
    const ok = only(fixture('cloudwatch-alarm-state-change-ok-derived.json'));
    expect(ok.state).toBe('recovered');
    expect(ok.severityHint).toBe('low');
    expect(ok.subject).toBe(alarm.subject);
    expect(ok.kind).toBe(alarm.kind);
    expect(ok.resources).toEqual(alarm.resources);
    expect(ok.attributes.stateValue).toBe('OK');
    // observedAt comes from the envelope time, not the (earlier) state.timestamp of the derived sample.
    expect(ok.observedAt).toBe('2019-10-02T17:04:40.000Z');
  });

  it('accepts the canary OK sample with its non-numeric account and encodes the alarm name in the url', () => {
    const s = only(fixture('cloudwatch-alarm-state-change-ok-canary.json'));
    const name = 'SO0143-[MyDemoApplication2]-[MyDemoRepo2]-MTTR';
    expect(s).toMatchObject({
      source: 'aws.cloudwatch',
      kind: 'alarm',
      subject: `arn:aws:cloudwatch:us-east-1:xxxxxxxxxxxx:alarm:${name}`,
      title: `CloudWatch alarm ${name}`,
      account: 'xxxxxxxxxxxx',
      state: 'recovered',
      severityHint: 'low',
      observedAt: '2020-09-29T06:05:01.000Z',
    });
    // No InstanceId dimension (only CanaryName): the alarm ARN is the only resource.
    expect(s.resources).toEqual([`arn:aws:cloudwatch:us-east-1:xxxxxxxxxxxx:alarm:${name}`]);
    expect(s.attributes).toMatchObject({ namespace: 'CloudWatchSynthetics', metricName: 'SuccessPercent', alarmName: name });
    // No configuration.description: the state reason describes it.
    expect(s.description).toMatch(/^Threshold Crossed/);
    expect(s.url).toContain(encodeURIComponent(name));
    expect(s.url).not.toContain('[');
  });

  it('builds the alarm ARN when the envelope has no resources, and trims instance dimensions', () => {
    const event = editable('cloudwatch-alarm-state-change-alarm.json');
    event.resources = [];
    event.detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId = '  i-0abcdef1234567890 ';
    const s = only(event);
    expect(s.subject).toBe('arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh');
    expect(s.resources).toEqual(['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh', 'i-0abcdef1234567890']);
  });

  it('copes with an alarm without configuration (metric math, composite)', () => {
    const event = editable('cloudwatch-alarm-state-change-alarm.json');
    delete event.detail.configuration;
    const s = only(event);
    expect(s.attributes).toEqual({ alarmName: 'ServerCpuTooHigh', stateValue: 'ALARM' });
    expect(s.description).toMatch(/^Threshold Crossed/);
  });

  it('rejects an unknown alarm state naming detail.state.value', () => {
    const event = editable('cloudwatch-alarm-state-change-alarm.json');
    event.detail.state.value = 'BROKEN';
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.state.value');
  });

  it('rejects an alarm without a name naming detail.alarmName', () => {
    const event = editable('cloudwatch-alarm-state-change-alarm.json');
    delete event.detail.alarmName;
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.alarmName');
  });
});

describe('normalizeEvent: AWS Health', () => {
  it('maps the EC2 issue to a firing high signal about the Health event', () => {
    const s = only(fixture('health-ec2-issue.json'));
    const arn = 'arn:aws:health:us-west-2::event/AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED_90353408594353980';
    expect(s).toMatchObject({
      source: 'aws.health',
      kind: 'AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED',
      subject: arn,
      title: 'AWS Health: EC2 AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED',
      description: 'A description of the event will be provided here',
      account: '123456789012',
      region: 'us-west-2',
      severityHint: 'high',
      state: 'firing',
      observedAt: '2016-06-05T06:27:57.000Z',
    });
    // The instance is both an affected entity and an envelope resource: listed once.
    expect(s.resources).toEqual(['i-abcd1111']);
    expect(s.attributes).toEqual({
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED',
      eventTypeCategory: 'issue',
    });
    expect(s.url).toContain(encodeURIComponent(arn));
  });

  it.each([
    ['scheduledChange', 'low'],
    ['accountNotification', 'informational'],
  ] as const)('maps category %s to %s', (category, hint) => {
    const event = editable('health-ec2-issue.json');
    event.detail.eventTypeCategory = category;
    expect(only(event).severityHint).toBe(hint);
  });

  it('treats statusCode closed as a recovery', () => {
    const event = editable('health-ec2-issue.json');
    event.detail.statusCode = 'closed';
    expect(only(event).state).toBe('recovered');
  });
});

describe('normalizeEvent: EC2 instance state', () => {
  it('trims the leading space of the published instance id', () => {
    const s = only(fixture('ec2-instance-state-change-terminated.json'));
    expect(s).toMatchObject({
      source: 'aws.ec2',
      kind: 'instance-state',
      subject: 'i-1234567890abcdef0',
      title: 'EC2 instance i-1234567890abcdef0 is terminated',
      account: '111122223333',
      region: 'us-west-1',
      severityHint: 'low',
      state: 'firing',
      observedAt: '2017-12-22T18:43:48.000Z',
    });
    expect(s.resources).toEqual(['i-1234567890abcdef0', 'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0']);
    expect(s.attributes).toEqual({ state: 'terminated' });
    expect(s.url).toMatch(/instanceId=i-1234567890abcdef0$/);
    expect(s.url).not.toContain(' ');
  });

  it('rejects an instance id that is not one, naming detail.instance-id', () => {
    const event = editable('ec2-instance-state-change-terminated.json');
    event.detail['instance-id'] = 'i-<script>';
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.instance-id');
  });
});
