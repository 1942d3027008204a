import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../../functions/core/signals/classify.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { burstKeys } from '../../../functions/core/signals/signin-bursts.ts';
import { matchesPattern } from '../../../functions/local/pattern-matcher.ts';
import { ingestRules } from '../../../functions/core/events/ingest-rules.ts';
import { exampleConfig, fixture } from '../../support.ts';

// Console sign-in records exactly as AWS's CloudTrail user guide publishes them (see SOURCES.md).
const classify = createClassifier(exampleConfig());

describe('console sign-ins as AWS publishes them', () => {
  it('reach ingest: the deployed rules on the default bus match both', () => {
    const rules = ingestRules(exampleConfig()).filter((rule) => rule.bus === 'default');
    for (const name of [
      'signin-console-login-failure-awsdocs-wrapped.json',
      'signin-console-login-root-no-mfa-awsdocs-wrapped.json',
    ])
      expect(
        rules.filter((rule) => matchesPattern(rule.pattern, fixture(name))).map((rule) => rule.id),
        name,
      ).not.toEqual([]);
  });

  it('a failed IAM user sign-in: counted by its user name and source IP for the burst threshold', () => {
    const [signal, ...rest] = normalizeEvent(fixture('signin-console-login-failure-awsdocs-wrapped.json')).signals;
    expect(rest).toEqual([]);
    expect(signal).toMatchObject({
      source: 'aws.signin',
      account: '111122223333',
      subject: 'signin.failed|anaya',
      title: 'Failed console sign-ins: anaya (Failed authentication)',
      attributes: { watch: 'signin.failed', sourceIp: '192.0.2.0', target: 'anaya', eventName: 'ConsoleLogin' },
    });
    expect(burstKeys(signal!).map((k) => k.key)).toEqual(['ip#192.0.2.0', 'user#anaya']);
    expect(classify(signal!)).toMatchObject({ severity: 'SEV3', category: 'security' });
  });

  it('a root sign-in without MFA', () => {
    const [signal] = normalizeEvent(fixture('signin-console-login-root-no-mfa-awsdocs-wrapped.json')).signals;
    expect(signal).toMatchObject({
      attributes: { watch: 'signin.root', mfa: 'no', principalType: 'Root', principalArn: 'arn:aws:iam::111122223333:root' },
    });
    expect(classify(signal!)).toMatchObject({ severity: 'SEV2' });
  });
});
