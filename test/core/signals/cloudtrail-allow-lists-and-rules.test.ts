/**
 * What the watch lets through and where: allow-lists (CloudFormation, the deployment pipeline's role),
 * severity overrides, and the ingest rule patterns the watch list builds (harness: cloudtrail-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.ts';
import { ingestRules } from '../../../functions/core/events/ingest-rules.ts';
import { createClassifier } from '../../../functions/core/signals/classify.ts';
import { matchesPattern } from '../../../functions/local/pattern-matcher.ts';
import { fixture } from '../../support.ts';
import { configInput, monitorEvent } from '../helpers.ts';
import { one, config, classify, withDetail } from './cloudtrail-harness.ts';

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
