/**
 * The signals beside CloudTrail's API calls: console sign-ins (no MFA, root, failures grouped), AWS
 * Config compliance changes, and a custom monitor's own severity when no rule matches
 * (harness: cloudtrail-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.ts';
import { createClassifier, FALLBACK, MONITOR_RULE_NAME } from '../../../functions/core/signals/classify.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { fixture } from '../../support.ts';
import { configInput, monitorEvent } from '../helpers.ts';
import { one, config, classify, withDetail } from './cloudtrail-harness.ts';

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
