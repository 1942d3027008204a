import { describe, expect, it } from 'vitest';
import { assertEventSize, invalidEventFromIssues } from '../../../functions/core/signals/normalize.ts';
import { MonitorDetailSchema } from '../../../functions/core/signals/monitor-normalizer.ts';
import { normalizeEnvelope, normalizeEvent, type NormalizeOptions } from '../../../functions/core/signals/normalize-signals.ts';
import {
  EventEnvelopeSchema,
  InvalidEventError,
  MAX_EVENT_BYTES,
  UnsupportedSourceError,
  type Signal,
} from '../../../functions/core/signals/signal.ts';
import { fixture } from '../../support.ts';
import { monitorEvent, without, type Json } from '../helpers.ts';

/** Normalizes and expects exactly one signal. */
function only(raw: unknown, options?: NormalizeOptions): Signal {
  const { signals } = normalizeEvent(raw, options);
  expect(signals).toHaveLength(1);
  return signals[0]!;
}

/** Runs fn and returns the InvalidEventError it throws (fails the test otherwise). */
function invalid(fn: () => unknown): InvalidEventError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return error as InvalidEventError;
  }
  throw new Error('expected an InvalidEventError, nothing was thrown');
}

/** A deep copy of a fixture whose detail can be edited freely. */
function editable(name: string): Json {
  return structuredClone(fixture(name)) as never;
}

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

describe('normalizeEvent: GuardDuty', () => {
  it('maps the high sample (severity 8) to a firing high signal about the instance', () => {
    const s = only(fixture('guardduty-finding-ec2-high-wrapped.json'));
    expect(s).toMatchObject({
      source: 'aws.guardduty',
      kind: 'Backdoor:EC2/DenialOfService.Tcp',
      subject: 'i-99999999',
      account: '973743533182',
      region: 'us-east-2',
      severityHint: 'high',
      state: 'firing',
      observedAt: '2022-01-28T21:12:25.000Z',
    });
    expect(s.title).toMatch(/^EC2 instance i-99999999 is behaving in a manner/);
    expect(s.resources).toEqual([
      'i-99999999',
      'arn:aws:guardduty:us-east-2:973743533182:detector/37da5a0204286ccd967d2395320d4dcd/finding/04bf27df0ab8316b79d3f5ca5534b6f3',
    ]);
    expect(s.attributes).toEqual({
      findingType: 'Backdoor:EC2/DenialOfService.Tcp',
      resourceType: 'Instance',
      findingId: '04bf27df0ab8316b79d3f5ca5534b6f3',
      score: '8',
    });
    expect(s.url).toContain('fId=04bf27df0ab8316b79d3f5ca5534b6f3');
  });

  it('maps the AWS docs sample (severity 2) to low, not high', () => {
    const s = only(fixture('guardduty-finding-ec2-low-awsdocs-wrapped.json'));
    expect(s).toMatchObject({
      source: 'aws.guardduty',
      kind: 'UnauthorizedAccess:EC2/RDPBruteForce',
      subject: 'i-99999999',
      title: '198.51.100.0 is performing RDP brute force attacks against i-99999999.',
      severityHint: 'low',
      state: 'firing',
      account: '123456789012',
      region: 'us-west-2',
      observedAt: '2018-02-09T22:57:31.000Z',
    });
    expect(s.attributes.score).toBe('2');
  });

  it.each([
    [10, 'critical'],
    [9, 'critical'],
    [8.9, 'high'],
    [7, 'high'],
    [6.9, 'medium'],
    [4, 'medium'],
    [3.9, 'low'],
    [0, 'low'],
  ] as const)('maps score %s to %s', (score, hint) => {
    const event = editable('guardduty-finding-ec2-high-wrapped.json');
    event.detail.severity = score;
    expect(only(event).severityHint).toBe(hint);
  });

  it('treats an archived finding as a recovery', () => {
    const event = editable('guardduty-finding-ec2-high-wrapped.json');
    event.detail.service.archived = true;
    expect(only(event).state).toBe('recovered');
  });

  it('falls back to the access key, then the finding id, as the subject', () => {
    const event = editable('guardduty-finding-ec2-high-wrapped.json');
    event.detail.resource = { resourceType: 'AccessKey', accessKeyDetails: { accessKeyId: 'AKIAEXAMPLE', userName: 'ci' } };
    expect(only(event).subject).toBe('AKIAEXAMPLE');
    event.detail.resource = { resourceType: 'S3Bucket' };
    const s = only(event);
    expect(s.subject).toBe('04bf27df0ab8316b79d3f5ca5534b6f3');
    expect(s.resources).toEqual([event.detail.arn]);
  });

  it('rejects a severity sent as a string, naming detail.severity', () => {
    const event = editable('guardduty-finding-ec2-high-wrapped.json');
    event.detail.severity = '8';
    const error = invalid(() => normalizeEvent(event));
    expect(error.field).toBe('detail.severity');
    expect(error.message).toContain('detail.severity');
  });

  it('rejects a severity out of range', () => {
    const event = editable('guardduty-finding-ec2-high-wrapped.json');
    event.detail.severity = 11;
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.severity');
  });

  it('rejects a finding without id, naming detail.id', () => {
    const event = editable('guardduty-finding-ec2-high-wrapped.json');
    delete event.detail.id;
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.id');
  });

  it('rejects a finding without a resource type, naming the nested path', () => {
    const event = editable('guardduty-finding-ec2-high-wrapped.json');
    delete event.detail.resource.resourceType;
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.resource.resourceType');
  });
});

describe('normalizeEvent: Security Hub', () => {
  it('maps the AFSBP critical control failure to a firing critical signal keyed on the control', () => {
    const s = only(fixture('securityhub-findings-imported-afsbp-critical-wrapped.json'));
    expect(s).toMatchObject({
      source: 'aws.securityhub',
      kind: 'EC2.1',
      subject: 'AWS::::Account:111111111111',
      title: 'EC2.1 EBS snapshots should not be public, determined by the ability to be restorable by anyone',
      account: '111111111111',
      region: 'us-east-1',
      severityHint: 'critical',
      state: 'firing',
      observedAt: '2021-02-17T12:55:31.000Z',
      url: 'https://docs.aws.amazon.com/console/securityhub/EC2.1/remediation',
    });
    expect(s.resources).toEqual(['AWS::::Account:111111111111']);
    expect(s.attributes).toMatchObject({ productName: 'Security Hub', complianceStatus: 'FAILED', controlId: 'EC2.1' });
    expect(s.attributes.findingId).toMatch(/EC2\.1\/finding\/863e6dda-dd2e-4fd3-89a5-973d430599f4$/);
  });

  it('maps the GuardDuty copy to a medium signal whose productName comes from ProductFields', () => {
    const s = only(fixture('securityhub-findings-imported-guardduty-ec2-wrapped.json'));
    expect(s).toMatchObject({
      source: 'aws.securityhub',
      kind: 'TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce',
      subject: 'arn:aws:ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356',
      severityHint: 'medium',
      state: 'firing',
      account: '193043430472',
      observedAt: '2020-09-30T12:14:00.000Z',
    });
    expect(s.attributes.productName).toBe('GuardDuty');
    // No Compliance block: the attribute is absent, not an empty string.
    expect(s.attributes).not.toHaveProperty('complianceStatus');
    expect(s.attributes).not.toHaveProperty('controlId');
    expect(s.url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/guardduty\//);
  });

  it('turns each finding of a batch into its own signal', () => {
    const event = editable('securityhub-findings-imported-afsbp-critical-wrapped.json');
    const second = structuredClone(event.detail.findings[0]);
    second.Id = 'finding-2';
    second.Resources = [{ Type: 'AwsEc2Instance', Id: 'arn:aws:ec2:us-east-1:111111111111:instance/i-0bbbbbbbbbbbbbbb2' }];
    second.Compliance = { Status: 'PASSED' };
    event.detail.findings.push(second);
    const { signals } = normalizeEvent(event);
    expect(signals.map((s) => [s.subject, s.state])).toEqual([
      ['AWS::::Account:111111111111', 'firing'],
      ['arn:aws:ec2:us-east-1:111111111111:instance/i-0bbbbbbbbbbbbbbb2', 'recovered'],
    ]);
    expect(signals[1]!.attributes.findingId).toBe('finding-2');
  });

  it.each([
    ['RecordState ARCHIVED', (f: Json) => (f.RecordState = 'ARCHIVED')],
    ['Workflow RESOLVED', (f: Json) => (f.Workflow = { Status: 'RESOLVED' })],
    ['Workflow SUPPRESSED', (f: Json) => (f.Workflow = { Status: 'SUPPRESSED' })],
    ['Compliance PASSED', (f: Json) => (f.Compliance = { Status: 'PASSED' })],
  ])('treats %s as a recovery', (_label, edit) => {
    const event = editable('securityhub-findings-imported-afsbp-critical-wrapped.json');
    edit(event.detail.findings[0]);
    expect(only(event).state).toBe('recovered');
  });

  it.each([
    [95, 'critical'],
    [70, 'high'],
    [40, 'medium'],
    [1, 'low'],
    [0, 'informational'],
  ] as const)('falls back to Normalized %s -> %s without a Label', (normalized, hint) => {
    const event = editable('securityhub-findings-imported-afsbp-critical-wrapped.json');
    event.detail.findings[0].Severity = { Normalized: normalized };
    expect(only(event).severityHint).toBe(hint);
  });

  it('prefers Compliance.SecurityControlId over ProductFields.ControlId as the kind', () => {
    const event = editable('securityhub-findings-imported-afsbp-critical-wrapped.json');
    event.detail.findings[0].Compliance = { Status: 'FAILED', SecurityControlId: 'EC2.1-consolidated' };
    expect(only(event).kind).toBe('EC2.1-consolidated');
  });

  it('rejects an empty findings array and a finding without resources', () => {
    const event = editable('securityhub-findings-imported-afsbp-critical-wrapped.json');
    const finding = event.detail.findings[0];
    event.detail.findings = [];
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.findings');
    event.detail.findings = [{ ...finding, Resources: [] }];
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.findings[0].Resources');
  });

  it('rejects an unknown severity label, naming the finding index', () => {
    const event = editable('securityhub-findings-imported-afsbp-critical-wrapped.json');
    event.detail.findings.push({ ...event.detail.findings[0], Severity: { Label: 'SEVERE' } });
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.findings[1].Severity.Label');
  });
});

describe('normalizeEvent: Amazon Inspector', () => {
  it('maps the ACTIVE sample to a firing medium signal about the CVE, timed by the envelope', () => {
    const s = only(fixture('inspector2-finding-ec2-package-vulnerability-active.json'));
    expect(s).toMatchObject({
      source: 'aws.inspector2',
      kind: 'PACKAGE_VULNERABILITY',
      subject: 'CVE-2022-3303',
      title: 'CVE-2022-3303 - linux-image-aws',
      account: '111122223333',
      region: 'us-east-1',
      severityHint: 'medium',
      state: 'firing',
      // The detail's "Jan 19, 2023, 10:46:15 PM" dates are not used: the envelope time is.
      observedAt: '2023-01-19T22:46:15.000Z',
    });
    expect(s.resources).toEqual(['i-0c2a343f1948d5205']);
    expect(s.attributes).toEqual({
      findingType: 'PACKAGE_VULNERABILITY',
      vulnerabilityId: 'CVE-2022-3303',
      fixAvailable: 'YES',
      exploitAvailable: 'YES',
      resourceType: 'AWS_EC2_INSTANCE',
    });
    // The published description starts with a newline and indentation: trimmed.
    expect(s.description).toMatch(/^It was discovered/);
  });

  it('maps the CLOSED sample (backticks in the ARN, invalid IPs) to a recovery of its instance', () => {
    const s = only(fixture('inspector2-finding-ec2-package-vulnerability-closed.json'));
    expect(s).toMatchObject({
      source: 'aws.inspector2',
      kind: 'PACKAGE_VULNERABILITY',
      subject: 'CVE-2024-29069',
      title: 'CVE-2024-29069 - snapd',
      account: '123456789012',
      region: 'eu-central-1',
      severityHint: 'medium',
      state: 'recovered',
      observedAt: '2024-09-04T17:00:36.000Z',
    });
    expect(s.resources).toEqual(['i-12345678901234567']);
    expect(s.attributes.exploitAvailable).toBe('NO');
  });

  it('treats SUPPRESSED as a recovery and UNTRIAGED as informational', () => {
    const event = editable('inspector2-finding-ec2-package-vulnerability-active.json');
    event.detail.status = 'SUPPRESSED';
    event.detail.severity = 'UNTRIAGED';
    const s = only(event);
    expect(s.state).toBe('recovered');
    expect(s.severityHint).toBe('informational');
  });

  it('falls back to the finding ARN as subject when there is no vulnerability id', () => {
    const event = editable('inspector2-finding-ec2-package-vulnerability-closed.json');
    delete event.detail.packageVulnerabilityDetails;
    event.detail.type = 'NETWORK_REACHABILITY';
    const s = only(event);
    expect(s.subject).toBe('arn:aws:inspector2:eu-central-1:123456789012:finding/`FINDING_ID`');
    expect(s.attributes).not.toHaveProperty('vulnerabilityId');
  });

  it('lists every affected resource of a multi-resource finding', () => {
    const event = editable('inspector2-finding-ec2-package-vulnerability-active.json');
    event.detail.resources.push({ ...event.detail.resources[0], id: 'i-0ddddddddddddddd4' });
    expect(only(event).resources).toEqual(['i-0c2a343f1948d5205', 'i-0ddddddddddddddd4']);
  });

  it('rejects an unknown status naming detail.status', () => {
    const event = editable('inspector2-finding-ec2-package-vulnerability-active.json');
    event.detail.status = 'OPEN';
    expect(invalid(() => normalizeEvent(event)).field).toBe('detail.status');
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

describe('normalizeEvent: custom monitors', () => {
  it('applies the documented defaults to a minimal monitor event', () => {
    const s = only(monitorEvent({ title: 'Checkout latency p99 above 2s' }));
    expect(s).toEqual({
      source: 'firebreak.monitor.synthetics',
      kind: 'Synthetic Check Failed',
      subject: 'Checkout latency p99 above 2s',
      title: 'Checkout latency p99 above 2s',
      account: '123456789012',
      region: 'eu-west-1',
      resources: [],
      severityHint: 'medium',
      observedAt: '2026-03-01T10:00:00.000Z',
      state: 'firing',
      attributes: {},
    });
  });

  it('uses every field of a full monitor event', () => {
    const s = only(
      monitorEvent(
        {
          title: 'Checkout 5xx rate above 5%',
          severity: 'critical',
          state: 'recovered',
          subject: 'checkout-api',
          kind: 'error-rate',
          description: 'From Datadog monitor 123',
          resources: ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa1'],
          attributes: { monitorId: '123', team: 'payments' },
          url: 'https://app.datadoghq.com/monitors/123',
        },
        {
          source: 'firebreak.monitor.datadog',
          resources: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/checkout/1'],
        },
      ),
    );
    expect(s).toMatchObject({
      source: 'firebreak.monitor.datadog',
      kind: 'error-rate',
      subject: 'checkout-api',
      severityHint: 'critical',
      state: 'recovered',
      description: 'From Datadog monitor 123',
      url: 'https://app.datadoghq.com/monitors/123',
      attributes: { monitorId: '123', team: 'payments' },
    });
    // Detail resources first, then envelope resources; duplicates dropped.
    expect(s.resources).toEqual([
      'i-0aaaaaaaaaaaaaaa1',
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/checkout/1',
    ]);
  });

  it('defaults the subject to the first resource', () => {
    expect(only(monitorEvent({ title: 'Disk full', resources: ['i-0bbbbbbbbbbbbbbb2', 'i-0ccccccccccccccc3'] })).subject).toBe(
      'i-0bbbbbbbbbbbbbbb2',
    );
    expect(only(monitorEvent({ title: 'Disk full' }, { resources: ['i-0ddddddddddddddd4'] })).subject).toBe(
      'i-0ddddddddddddddd4',
    );
  });

  it('accepts a source listed in customSources and rejects it otherwise', () => {
    const event = monitorEvent({ title: 'Build broken' }, { source: 'com.acme.ci' });
    const error = invalid(() => normalizeEvent(event));
    expect(error).toBeInstanceOf(UnsupportedSourceError);
    expect(error.field).toBe('source');
    expect(only(event, { customSources: ['com.acme.ci'] }).source).toBe('com.acme.ci');
  });

  it.each(['http://example.com/runbook', 'javascript:alert(1)', 'ftp://example.com/x', 'not a url'])(
    'rejects the url %s, naming detail.url',
    (url) => {
      expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', url }))).field).toBe('detail.url');
    },
  );

  it('rejects a bad severity, state, title and attribute name, naming each', () => {
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', severity: 'urgent' }))).field).toBe('detail.severity');
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', state: 'ok' }))).field).toBe('detail.state');
    expect(invalid(() => normalizeEvent(monitorEvent({ title: '' }))).field).toBe('detail.title');
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x'.repeat(301) }))).field).toBe('detail.title');
    expect(invalid(() => normalizeEvent(monitorEvent({ severity: 'high' }))).field).toBe('detail.title');
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', attributes: { 'bad key': 'v' } }))).field).toMatch(
      /^detail\.attributes/,
    );
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', attributes: { team: 7 } }))).field).toBe(
      'detail.attributes.team',
    );
    expect(
      invalid(() => normalizeEvent(monitorEvent({ title: 'x', resources: Array.from({ length: 101 }, (_, i) => `r${i}`) })))
        .field,
    ).toBe('detail.resources');
  });

  it('MonitorDetailSchema documents the same defaults', () => {
    expect(MonitorDetailSchema.parse({ title: 't' })).toEqual({
      title: 't',
      severity: 'medium',
      state: 'firing',
      resources: [],
      attributes: {},
    });
    expect(MonitorDetailSchema.safeParse({ title: 't', url: 'https://example.com/x' }).success).toBe(true);
    expect(MonitorDetailSchema.safeParse({ title: 't', url: 'http://example.com/x' }).success).toBe(false);
  });

  it('bounds the title after trimming and keeps the first resources that fit the cap, counting the rest', () => {
    const all = Array.from({ length: 150 }, (_, i) => `arn:aws:s3:::bucket-${i}`);
    const s = only(monitorEvent({ title: '  padded  ' }, { resources: all }));
    expect(s.title).toBe('padded');
    // 10 names of 21 bytes and 79 of 22 (plus 1 byte each) fill 2,048 bytes as far as they fit.
    expect(s.resources).toEqual(all.slice(0, 89));
    expect(s.resourcesOmitted).toBe(61);
  });

  it('trims resources and the subject taken from them, dropping duplicates after trimming', () => {
    const s = only(
      monitorEvent({ title: 'Disk full', resources: [' i-0aaaaaaaaaaaaaaa1 ', 'i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2\n'] }),
    );
    expect(s.resources).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2']);
    expect(s.subject).toBe('i-0aaaaaaaaaaaaaaa1');
  });
});

describe('normalizeEvent: envelope abuse', () => {
  it('rejects an unknown source with UnsupportedSourceError naming source', () => {
    const event = { ...fixture('ec2-instance-state-change-terminated.json'), source: 'aws.codedeploy' };
    const error = invalid(() => normalizeEvent(event));
    expect(error).toBeInstanceOf(UnsupportedSourceError);
    expect(error.field).toBe('source');
    expect(error.reason).toContain('aws.codedeploy');
  });

  it('rejects a supported source with an unknown detail-type', () => {
    const event = { ...fixture('guardduty-finding-ec2-high-wrapped.json'), 'detail-type': 'GuardDuty Malware Scan' };
    expect(invalid(() => normalizeEvent(event))).toBeInstanceOf(UnsupportedSourceError);
  });

  it('does not take Firebreak\'s own "firebreak" source for a monitor', () => {
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x' }, { source: 'firebreak' })))).toBeInstanceOf(
      UnsupportedSourceError,
    );
  });

  it.each(['id', 'detail-type', 'source', 'account', 'time', 'region', 'detail'])(
    'rejects an envelope without %s, naming it',
    (field) => {
      const event: Record<string, unknown> = structuredClone(fixture('health-ec2-issue.json'));
      delete event[field];
      expect(invalid(() => normalizeEvent(event)).field).toBe(field);
    },
  );

  it('rejects wrong envelope types, naming the field', () => {
    const event = fixture('health-ec2-issue.json');
    expect(invalid(() => normalizeEvent({ ...event, detail: 'text' })).field).toBe('detail');
    expect(invalid(() => normalizeEvent({ ...event, detail: null })).field).toBe('detail');
    expect(invalid(() => normalizeEvent({ ...event, resources: 'i-abcd1111' })).field).toBe('resources');
    expect(invalid(() => normalizeEvent({ ...event, account: 123456789012 })).field).toBe('account');
  });

  it.each([null, undefined, 'event', 42, []])('rejects a non-object delivery %j as (event)', (raw) => {
    expect(invalid(() => normalizeEvent(raw)).field).toBe('(event)');
  });

  it('rejects an unparsable time naming time', () => {
    const error = invalid(() => normalizeEvent({ ...fixture('health-ec2-issue.json'), time: 'yesterday at noon' }));
    expect(error.field).toBe('time');
    expect(error.reason).toContain('yesterday at noon');
  });

  it('rejects a 1 MB payload as (event) before looking at anything else', () => {
    const event = {
      ...fixture('health-ec2-issue.json'),
      source: 'not.even.supported',
      detail: { blob: 'x'.repeat(1024 * 1024) },
    };
    const error = invalid(() => normalizeEvent(event));
    expect(error).not.toBeInstanceOf(UnsupportedSourceError);
    expect(error.field).toBe('(event)');
    expect(error.reason).toContain(String(MAX_EVENT_BYTES));
  });

  it('defaults missing envelope resources to none', () => {
    const { envelope } = normalizeEvent(without(fixture('guardduty-finding-ec2-high-wrapped.json'), 'resources'));
    expect(envelope.resources).toEqual([]);
  });
});

describe('assertEventSize', () => {
  it('accepts exactly 256 KB and rejects one byte more', () => {
    // JSON.stringify adds two quotes around a string.
    expect(() => assertEventSize('a'.repeat(MAX_EVENT_BYTES - 2))).not.toThrow();
    expect(() => assertEventSize('a'.repeat(MAX_EVENT_BYTES - 1))).toThrow(InvalidEventError);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const chars = MAX_EVENT_BYTES / 2; // 'é' is two bytes in UTF-8
    expect(() => assertEventSize('é'.repeat(chars))).toThrow(/bytes/);
  });

  it('measures exactly whatever the shape: escapes, nesting, many keys, dates', () => {
    // Each control character becomes a 6-byte \u escape in JSON.
    expect(() => assertEventSize({ d: '\u0001'.repeat(Math.floor(MAX_EVENT_BYTES / 6)) })).toThrow(InvalidEventError);
    const nested = { detail: { items: Array.from({ length: 1_800 }, (_, i) => ({ [`key${i}`]: 'x'.repeat(120) })) } };
    const size = Buffer.byteLength(JSON.stringify(nested));
    expect(size).toBeLessThan(MAX_EVENT_BYTES);
    expect(() => assertEventSize(nested)).not.toThrow();
    const over = { ...nested, pad: 'y'.repeat(MAX_EVENT_BYTES - size) };
    expect(() => assertEventSize(over)).toThrow(InvalidEventError);
    // Within the nesting limit (32; deeper is refused by the structure check, test/core/signals/event-structure.test.ts).
    const deep = JSON.parse('{"a":'.repeat(30) + '1' + '}'.repeat(30)) as unknown;
    expect(() => assertEventSize(deep)).not.toThrow();
    expect(() => assertEventSize({ at: new Date(0), pad: 'z'.repeat(MAX_EVENT_BYTES - 40) })).toThrow(InvalidEventError);
  });

  it('accepts null and undefined', () => {
    expect(() => assertEventSize(undefined)).not.toThrow();
    expect(() => assertEventSize(null)).not.toThrow();
  });
});

describe('normalizeEnvelope', () => {
  it('normalizes an envelope already parsed by the middleware the same way', () => {
    const raw = fixture('guardduty-finding-ec2-high-wrapped.json');
    const envelope = EventEnvelopeSchema.parse(raw);
    expect(normalizeEnvelope(envelope)).toEqual(normalizeEvent(raw).signals);
  });

  it('still rejects a bad time and an unsupported source', () => {
    const envelope = EventEnvelopeSchema.parse(fixture('health-ec2-issue.json'));
    expect(invalid(() => normalizeEnvelope({ ...envelope, time: 'soon' })).field).toBe('time');
    expect(invalid(() => normalizeEnvelope({ ...envelope, source: 'aws.s3' })).field).toBe('source');
  });

  it('passes customSources through', () => {
    const envelope = EventEnvelopeSchema.parse(monitorEvent({ title: 'x' }, { source: 'io.pagerduty' }));
    expect(normalizeEnvelope(envelope, { customSources: ['io.pagerduty'] })[0]!.source).toBe('io.pagerduty');
  });
});

describe('invalidEventFromIssues', () => {
  it('names the first issue with a formatted path', () => {
    const error = invalidEventFromIssues([
      { message: 'expected number', path: ['detail', 'findings', 0, 'Severity'] },
      { message: 'ignored', path: ['id'] },
    ]);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.field).toBe('detail.findings[0].Severity');
    expect(error.reason).toBe('expected number');
  });

  it('accepts Standard Schema path segments ({ key })', () => {
    expect(invalidEventFromIssues([{ message: 'm', path: [{ key: 'detail' }, { key: 'resources' }, { key: 3 }] }]).field).toBe(
      'detail.resources[3]',
    );
  });

  it('uses (event) for a root issue or no issues at all', () => {
    expect(invalidEventFromIssues([{ message: 'expected object' }]).field).toBe('(event)');
    expect(invalidEventFromIssues([{ message: 'expected object', path: [] }]).field).toBe('(event)');
    expect(invalidEventFromIssues([]).field).toBe('(event)');
  });
});
