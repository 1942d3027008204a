/**
 * CloudTrail API calls the watch list names: who changed what and how, graded by exposure, refused
 * calls as attempts, root use, dedup keys, hostile or huge requests bounded, and deliveries that are
 * not CloudTrail records refused (harness: cloudtrail-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { WATCH_RULE_NAME } from '../../../functions/core/signals/classify.ts';
import { describeRules, policyAllowsEveryone } from '../../../functions/core/signals/cloudtrail-request.ts';
import { WATCHED_ACTIONS, watchedAction } from '../../../functions/core/signals/cloudtrail-watch.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { fixture } from '../../support.ts';
import { one, classify, withDetail } from './cloudtrail-harness.ts';

describe('CloudTrail API calls', () => {
  it('says who opened which security group to the world, and how', () => {
    const signal = one(fixture('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json'));
    expect(signal).toMatchObject({
      source: 'aws.ec2',
      kind: 'AuthorizeSecurityGroupIngress',
      subject: 'arn:aws:iam::123456789012:user/Alice|AuthorizeSecurityGroupIngress|sg-0123456789abcdef0',
      title: 'Security group opened to the world on an administrative port: sg-0123456789abcdef0 (tcp/22 from 0.0.0.0/0)',
      resources: [
        'sg-0123456789abcdef0',
        'security-group-rule/sgr-0abcdef1234567890',
        'iam-user/Alice',
        'iam-access-key/AKIAIOSFODNN7EXAMPLE',
      ],
      severityHint: 'high',
      state: 'firing',
      region: 'us-east-1',
    });
    expect(signal.attributes).toMatchObject({
      watch: 'network.ingress-world-admin',
      principalArn: 'arn:aws:iam::123456789012:user/Alice',
      principalType: 'IAMUser',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      mfa: 'no',
      sourceIp: '203.0.113.7',
      change: 'tcp/22 from 0.0.0.0/0',
      target: 'sg-0123456789abcdef0',
    });
    expect(signal.description).toContain('by arn:aws:iam::123456789012:user/Alice (IAMUser, key AKIAIOSFODNN7EXAMPLE, MFA no)');
    expect(signal.description).toContain('from 203.0.113.7 using aws-cli/2.15.30');
    expect(classify(signal)).toMatchObject({ rule: WATCH_RULE_NAME, severity: 'SEV2', category: 'security', suppressed: false });
  });

  it('grades ingress by exposure: admin port to the world, other port to the world, anything else', () => {
    const ingress = (ipPermissions: unknown) =>
      one(
        withDetail('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json', {
          requestParameters: { groupId: 'sg-0123456789abcdef0', ipPermissions },
        }),
      ).attributes;
    const rule = (ipProtocol: string, fromPort: number, toPort: number, cidr: string, v6 = false) => ({
      items: [
        {
          ipProtocol,
          fromPort,
          toPort,
          ...(v6 ? { ipv6Ranges: { items: [{ cidrIpv6: cidr }] } } : { ipRanges: { items: [{ cidrIp: cidr }] } }),
        },
      ],
    });
    expect(ingress(rule('tcp', 443, 443, '0.0.0.0/0'))).toMatchObject({
      watch: 'network.ingress-world',
      change: 'tcp/443 from 0.0.0.0/0',
    });
    expect(ingress(rule('tcp', 3000, 3400, '::/0', true)).watch).toBe('network.ingress-world-admin'); // covers 3306 and 3389
    expect(ingress(rule('-1', -1, -1, '0.0.0.0/0'))).toMatchObject({
      watch: 'network.ingress-world-admin',
      change: 'all from 0.0.0.0/0',
    });
    expect(ingress(rule('tcp', 22, 22, '10.0.0.0/8'))).toMatchObject({
      watch: 'network.ingress-changed',
      change: 'tcp/22 from 10.0.0.0/8',
    });
    expect(ingress(rule('icmp', -1, -1, '0.0.0.0/0')).watch).toBe('network.ingress-world');
  });

  it('reads the legacy single-rule request form too', () => {
    expect(describeRules({ groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: '0.0.0.0/0' })).toBe(
      'tcp/22 from 0.0.0.0/0',
    );
    expect(
      watchedAction('ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress', { cidrIp: '0.0.0.0/0', ipProtocol: '-1' })?.id,
    ).toBe('network.ingress-world-admin');
  });

  it('never turns a read-only call into a signal', () => {
    expect(normalizeEvent(fixture('cloudtrail-describe-security-groups-readonly-constructed.json')).signals).toEqual([]);
  });

  it('ignores write calls the watch list does not name, and harmless variants of watched ones', () => {
    expect(normalizeEvent(withDetail('cloudtrail-stop-logging-constructed.json', { eventName: 'StartLogging' })).signals).toEqual(
      [],
    );
    const enableGuardDuty = {
      version: '0',
      id: 'x',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.guardduty',
      account: '123456789012',
      time: '2026-03-02T10:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        eventSource: 'guardduty.amazonaws.com',
        eventName: 'UpdateDetector',
        requestParameters: { detectorId: 'd1', enable: true },
      },
    };
    expect(normalizeEvent(enableGuardDuty).signals).toEqual([]);
    const disable = {
      ...enableGuardDuty,
      detail: { ...enableGuardDuty.detail, requestParameters: { detectorId: 'd1', enable: false } },
    };
    expect(classify(one(disable))).toMatchObject({ severity: 'SEV1', category: 'security' });
  });

  it('reports CloudTrail logging stopped as SEV1 in the region it happened', () => {
    const signal = one(fixture('cloudtrail-stop-logging-constructed.json'));
    expect(signal).toMatchObject({ region: 'eu-west-1', attributes: { watch: 'logging.cloudtrail-stopped' } });
    expect(classify(signal).severity).toBe('SEV1');
  });

  it('counts a refused call as an attempt by its actor, not as a change', () => {
    const signal = one(fixture('cloudtrail-attach-role-policy-admin-access-denied-constructed.json'));
    expect(signal).toMatchObject({
      subject: 'failed-attempts|arn:aws:iam::123456789012:user/Alice',
      title: 'Refused attempts at watched changes by arn:aws:iam::123456789012:user/Alice: AccessDenied on AttachUserPolicy',
      attributes: { watch: 'failed-attempts', errorCode: 'AccessDenied' },
    });
    expect(classify(signal).severity).toBe('SEV4');
    // Every refused attempt by one actor lands on one incident, whatever it tried.
    const other = one(
      withDetail('cloudtrail-attach-role-policy-admin-access-denied-constructed.json', {
        eventName: 'PutUserPolicy',
        errorCode: 'AccessDenied',
      }),
    );
    expect(classify(other).fingerprint).toBe(classify(signal).fingerprint);
  });

  it('dedups by actor + action + resource', () => {
    const base = 'cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json';
    const again = classify(one(withDetail(base, { eventID: 'another' }))).fingerprint;
    expect(again).toBe(classify(one(fixture(base))).fingerprint);
    const otherGroup = one(
      withDetail(base, {
        requestParameters: {
          groupId: 'sg-0fedcba9876543210',
          ipPermissions: {
            items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }],
          },
        },
      }),
    );
    expect(classify(otherGroup).fingerprint).not.toBe(again);
    const otherActor = one(withDetail(base, { userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/Bob' } }));
    expect(classify(otherActor).fingerprint).not.toBe(again);
  });

  it('reports root use of any write call, at least SEV2', () => {
    const root = { type: 'Root', principalId: '123456789012', arn: 'arn:aws:iam::123456789012:root', accountId: '123456789012' };
    const unwatched = one(
      withDetail('cloudtrail-stop-logging-constructed.json', {
        eventName: 'CreateBucket',
        eventSource: 's3.amazonaws.com',
        userIdentity: root,
      }),
    );
    expect(unwatched).toMatchObject({ title: 'Root account used: CreateBucket', attributes: { watch: 'root.used' } });
    expect(classify(unwatched).severity).toBe('SEV2');
    // A SEV1 action by root keeps its own (worse) severity.
    expect(classify(one(withDetail('cloudtrail-stop-logging-constructed.json', { userIdentity: root }))).severity).toBe('SEV1');
  });

  it('names every watched action once per id, with events from the service it watches', () => {
    expect(new Set(WATCHED_ACTIONS.map((a) => a.id)).size).toBe(WATCHED_ACTIONS.length);
    for (const action of WATCHED_ACTIONS) expect(action.eventSource).toMatch(/^[a-z0-9]+\.amazonaws\.com$/);
  });

  it('recognises bucket policies that allow everyone', () => {
    expect(policyAllowsEveryone({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }] })).toBe(true);
    expect(policyAllowsEveryone(JSON.stringify({ Statement: { Effect: 'Allow', Principal: { AWS: ['*'] } } }))).toBe(true);
    expect(
      policyAllowsEveryone({
        Statement: [{ Effect: 'Allow', Principal: '*', Condition: { StringEquals: { 'aws:SourceVpce': 'v' } } }],
      }),
    ).toBe(false);
    expect(policyAllowsEveryone({ Statement: [{ Effect: 'Deny', Principal: '*' }] })).toBe(false);
    expect(policyAllowsEveryone('not json')).toBe(false);
  });

  it('keeps what hostile or huge requests carry bounded (and null request parameters are fine)', () => {
    const items = Array.from({ length: 2_000 }, (_, i) => ({
      ipProtocol: 'tcp',
      fromPort: i,
      toPort: i,
      ipRanges: { items: [{ cidrIp: '0.0.0.0/0', description: '<!channel>' }] },
    }));
    const huge = one(
      withDetail('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json', {
        requestParameters: { groupId: `sg-<!channel>${'x'.repeat(5_000)}`, ipPermissions: { items } },
      }),
    );
    expect(Buffer.byteLength(huge.title)).toBeLessThanOrEqual(300);
    expect(Buffer.byteLength(huge.subject)).toBeLessThanOrEqual(256);
    expect(Buffer.byteLength(huge.description ?? '')).toBeLessThanOrEqual(768);
    for (const value of Object.values(huge.attributes)) expect(Buffer.byteLength(value)).toBeLessThanOrEqual(256);
    const bare = one(
      withDetail('cloudtrail-stop-logging-constructed.json', { requestParameters: null, userIdentity: undefined }),
    );
    expect(bare).toMatchObject({ title: 'CloudTrail logging stopped', resources: [] });
  });

  it('refuses a delivery whose detail is not a CloudTrail record, naming the field', () => {
    expect(() => normalizeEvent(withDetail('cloudtrail-stop-logging-constructed.json', { eventName: 42 }))).toThrow(
      /detail\.eventName/,
    );
  });

  it('does not let a custom monitor pass itself off as CloudTrail', () => {
    const spoof = { ...fixture('cloudtrail-stop-logging-constructed.json'), source: 'firebreak.monitor.evil' };
    expect(() => normalizeEvent(spoof)).toThrow(/detail\.title/);
  });
});
