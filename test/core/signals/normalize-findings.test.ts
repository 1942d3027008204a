/**
 * normalizeEvent on the findings services' published samples and their abuse: GuardDuty, Security Hub
 * (batches, product names, controls) and Amazon Inspector, each rejection naming its field
 * (harness: normalize-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import {} from '../../../functions/core/signals/signal.ts';
import { fixture } from '../../support.ts';
import type { Json } from '../helpers.ts';
import { only, invalid, editable } from './normalize-harness.ts';

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
