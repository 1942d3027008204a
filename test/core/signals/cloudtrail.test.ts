import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.ts';
import { ingestRules } from '../../../functions/core/events/ingest-rules.ts';
import { createClassifier, FALLBACK, MONITOR_RULE_NAME, WATCH_RULE_NAME } from '../../../functions/core/signals/classify.ts';
import { describeRules, policyAllowsEveryone } from '../../../functions/core/signals/cloudtrail-request.ts';
import { WATCHED_ACTIONS, watchedAction } from '../../../functions/core/signals/cloudtrail-watch.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import type { EventEnvelope } from '../../../functions/core/signals/signal.ts';
import { matchesPattern } from '../../../functions/local/pattern-matcher.ts';
import { exampleConfig, fixture } from '../../support.ts';
import { configInput, monitorEvent } from '../helpers.ts';

const one = (event: unknown) => {
  const { signals } = normalizeEvent(event);
  expect(signals).toHaveLength(1);
  return signals[0]!;
};
const config = exampleConfig();
const classify = createClassifier(config);
const withDetail = (name: string, detail: Record<string, unknown>): EventEnvelope => {
  const event = fixture(name);
  return { ...event, detail: { ...event.detail, ...detail } };
};

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

describe('allow-lists', () => {
  it('suppresses CloudFormation acting for a caller by default', () => {
    const signal = one(fixture('cloudtrail-create-security-group-cloudformation-constructed.json'));
    expect(signal.attributes.invokedBy).toBe('cloudformation.amazonaws.com');
    expect(classify(signal)).toMatchObject({
      suppressed: true,
      rule: 'Allow-listed: CloudFormation applying a reviewed template',
    });
  });

  it("suppresses the deployment pipeline's role, only for the actions listed", () => {
    const pipeline = createClassifier(
      parseConfig(
        configInput({
          watch: {
            allow: [
              {
                name: 'deploy pipeline',
                sessionIssuer: '^arn:aws:iam::123456789012:role/deploy-pipeline$',
                actions: ['AttachRolePolicy'],
              },
            ],
          },
        }),
      ),
    );
    const attach = one(fixture('cloudtrail-attach-role-policy-pipeline-constructed.json'));
    expect(pipeline(attach)).toMatchObject({ suppressed: true, rule: 'Allow-listed: deploy pipeline' });
    expect(classify(attach)).toMatchObject({ suppressed: false, severity: 'SEV3' });
    const put = one(withDetail('cloudtrail-attach-role-policy-pipeline-constructed.json', { eventName: 'PutRolePolicy' }));
    expect(pipeline(put).suppressed).toBe(false);
    // An allow-list never reaches beyond CloudTrail: a monitor with the same attribute is not suppressed.
    const monitor = one(
      monitorEvent({ title: 'x', attributes: { sessionIssuer: 'arn:aws:iam::123456789012:role/deploy-pipeline' } }),
    );
    expect(pipeline(monitor).suppressed).toBe(false);
  });

  it('refuses an allow-list entry that names no actor, and bad patterns', () => {
    expect(() => parseConfig(configInput({ watch: { allow: [{ name: 'everyone', actions: ['CreateUser'] }] } }))).toThrow(
      /needs at least one of principalArn, sessionIssuer, invokedBy/,
    );
    expect(() => parseConfig(configInput({ watch: { allow: [{ name: 'x', principalArn: '(' }] } }))).toThrow(
      /regular expression/,
    );
  });

  it('takes severity overrides by watch id', () => {
    const strict = createClassifier(parseConfig(configInput({ watch: { severity: { 'network.ingress-world-admin': 'SEV1' } } })));
    expect(strict(one(fixture('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json'))).severity).toBe('SEV1');
  });
});

describe('console sign-ins', () => {
  it('reports an IAM user signing in without MFA', () => {
    const signal = one(fixture('signin-console-login-iam-user-no-mfa-constructed.json'));
    expect(signal).toMatchObject({
      source: 'aws.signin',
      title: 'Console sign-in without MFA: arn:aws:iam::123456789012:user/Alice',
    });
    expect(signal.attributes).toMatchObject({ watch: 'signin.no-mfa', mfa: 'no', sourceIp: '198.51.100.23' });
    expect(classify(signal).severity).toBe('SEV3');
    expect(
      normalizeEvent(
        withDetail('signin-console-login-iam-user-no-mfa-constructed.json', { additionalEventData: { MFAUsed: 'Yes' } }),
      ).signals,
    ).toEqual([]);
  });

  it('reports root sign-in even with MFA', () => {
    const signal = one(fixture('signin-console-login-root-constructed.json'));
    expect(signal.attributes).toMatchObject({ watch: 'signin.root', mfa: 'yes', principalType: 'Root' });
    expect(classify(signal).severity).toBe('SEV2');
  });

  it('groups failed sign-ins per user into one incident', () => {
    const signal = one(fixture('signin-console-login-failure-constructed.json'));
    expect(signal).toMatchObject({
      subject: 'signin.failed|Alice',
      title: 'Failed console sign-ins: Alice (Failed authentication)',
    });
    expect(signal.attributes.accessKeyId).toBeUndefined();
    const later = one(
      withDetail('signin-console-login-failure-constructed.json', { eventID: 'another', sourceIPAddress: '192.0.2.9' }),
    );
    expect(classify(later).fingerprint).toBe(classify(signal).fingerprint);
  });
});

describe('AWS Config compliance', () => {
  it('opens on NON_COMPLIANT and resolves on COMPLIANT', () => {
    const signal = one(fixture('config-rules-compliance-change-noncompliant-constructed.json'));
    expect(signal).toMatchObject({
      source: 'aws.config',
      kind: 'restricted-ssh',
      subject: 'AWS::EC2::SecurityGroup|sg-0123456789abcdef0',
      state: 'firing',
      resources: ['sg-0123456789abcdef0'],
    });
    expect(classify(signal)).toMatchObject({ severity: 'SEV3', category: 'compliance' });
    const compliant = one(
      withDetail('config-rules-compliance-change-noncompliant-constructed.json', {
        newEvaluationResult: { complianceType: 'COMPLIANT' },
      }),
    );
    expect(compliant.state).toBe('recovered');
    expect(classify(compliant).fingerprint).toBe(classify(signal).fingerprint);
    expect(
      normalizeEvent(
        withDetail('config-rules-compliance-change-noncompliant-constructed.json', {
          newEvaluationResult: { complianceType: 'NOT_APPLICABLE' },
        }),
      ).signals,
    ).toEqual([]);
  });
});

describe("a monitor's own severity", () => {
  it('maps to a Firebreak severity when no rule matches, instead of SEV4 unknown', () => {
    const severities = (['critical', 'high', 'medium', 'low', 'informational'] as const).map(
      (severity) =>
        classify(one(monitorEvent({ title: 'checkout errors', severity }, { source: 'firebreak.monitor.custom' }))).severity,
    );
    expect(severities).toEqual(['SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV4']);
    const high = classify(
      one(monitorEvent({ title: 'checkout errors', severity: 'high' }, { source: 'firebreak.monitor.custom' })),
    );
    expect(high).toMatchObject({ rule: MONITOR_RULE_NAME, category: 'availability', channel: config.slack.channels.default });
  });

  it('is configurable, and a matching rule still wins', () => {
    const custom = createClassifier(
      parseConfig(
        configInput({
          monitors: {
            severity: { critical: 'SEV1', high: 'SEV1', medium: 'SEV2', low: 'SEV3', informational: 'SEV4' },
            category: 'performance',
          },
        }),
      ),
    );
    expect(custom(one(monitorEvent({ title: 't', severity: 'high' }, { source: 'firebreak.monitor.custom' })))).toMatchObject({
      severity: 'SEV1',
      category: 'performance',
    });
    // The example configuration's Datadog rules still decide Datadog signals.
    expect(classify(one(monitorEvent({ title: 't', severity: 'low' }, { source: 'firebreak.monitor.datadog' })))).toMatchObject({
      rule: 'Datadog monitor, other',
      severity: 'SEV3',
    });
  });

  it('leaves AWS sources no rule claims at the SEV4 unknown fallback', () => {
    const health = fixture('health-ec2-issue.json');
    const unclaimed = createClassifier(parseConfig(configInput()))(one(health));
    expect(unclaimed).toMatchObject({ rule: null, severity: FALLBACK.severity, category: FALLBACK.category });
  });
});

describe('watch rule patterns', () => {
  const rules = ingestRules(config);
  const WATCHED = [
    ['cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json', 'CloudTrailEc2'],
    ['cloudtrail-attach-role-policy-pipeline-constructed.json', 'CloudTrailIam'],
    ['cloudtrail-attach-role-policy-admin-access-denied-constructed.json', 'CloudTrailIam'],
    ['cloudtrail-stop-logging-constructed.json', 'CloudTrailCloudtrail'],
    ['cloudtrail-create-security-group-cloudformation-constructed.json', 'CloudTrailEc2'],
    ['signin-console-login-iam-user-no-mfa-constructed.json', 'ConsoleSignIn'],
    ['signin-console-login-failure-constructed.json', 'ConsoleSignIn'],
    ['signin-console-login-root-constructed.json', 'ConsoleSignIn'],
    ['config-rules-compliance-change-noncompliant-constructed.json', 'ConfigCompliance'],
    ['cloudtrail-delete-public-access-block-constructed.json', 'CloudTrailS3'],
    ['cloudtrail-schedule-key-deletion-constructed.json', 'CloudTrailKms'],
    ['cloudtrail-delete-detector-constructed.json', 'CloudTrailGuardduty'],
    ['cloudtrail-disable-security-hub-constructed.json', 'CloudTrailSecurityhub'],
    ['cloudtrail-stop-configuration-recorder-constructed.json', 'CloudTrailConfig'],
    ['cloudtrail-detach-policy-organizations-constructed.json', 'CloudTrailOrganizations'],
    ['cloudtrail-create-bucket-root-constructed.json', 'CloudTrailRootUse'],
  ] as const;

  const EXPECTED: Record<string, [string, string]> = {
    'cloudtrail-delete-public-access-block-constructed.json': ['s3.public-access-block-removed', 'SEV2'],
    'cloudtrail-schedule-key-deletion-constructed.json': ['kms.key-disabled', 'SEV2'],
    'cloudtrail-delete-detector-constructed.json': ['detection.guardduty-disabled', 'SEV1'],
    'cloudtrail-disable-security-hub-constructed.json': ['detection.securityhub-disabled', 'SEV2'],
    'cloudtrail-stop-configuration-recorder-constructed.json': ['detection.config-stopped', 'SEV2'],
    'cloudtrail-detach-policy-organizations-constructed.json': ['organizations.policy-changed', 'SEV2'],
    'cloudtrail-create-bucket-root-constructed.json': ['root.used', 'SEV2'],
  };
  it.each(Object.entries(EXPECTED))('%s is watch %s', (file, [watch, severity]) => {
    const signal = one(fixture(file));
    expect(signal.attributes.watch).toBe(watch);
    expect(classify(signal).severity).toBe(severity);
  });

  it.each(WATCHED)('%s reaches exactly %s', (file, id) => {
    expect(rules.filter((r) => matchesPattern(r.pattern, fixture(file))).map((r) => r.id)).toEqual([id]);
  });

  it('never routes a read-only call, and routes root use of an unwatched call to the root rule only', () => {
    expect(
      rules.filter((r) => matchesPattern(r.pattern, fixture('cloudtrail-describe-security-groups-readonly-constructed.json'))),
    ).toEqual([]);
    const root = withDetail('cloudtrail-stop-logging-constructed.json', {
      eventName: 'CreateBucket',
      eventSource: 's3.amazonaws.com',
      userIdentity: { type: 'Root', accountId: '123456789012' },
    });
    expect(rules.filter((r) => matchesPattern(r.pattern, { ...root, source: 'aws.s3' })).map((r) => r.id)).toEqual([
      'CloudTrailRootUse',
    ]);
  });

  it('has no watch rules when the watch is off', () => {
    const off = ingestRules({ ...config, watch: { ...config.watch, enabled: false } });
    expect(off.map((r) => r.id)).not.toContain('CloudTrailIam');
    expect(off.length).toBeLessThan(rules.length);
  });

  it('keeps every pattern well under the EventBridge size limit', () => {
    for (const rule of rules) expect(JSON.stringify(rule.pattern).length, rule.id).toBeLessThan(2048);
  });
});
