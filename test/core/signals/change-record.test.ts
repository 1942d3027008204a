import { describe, expect, it } from 'vitest';
import { changeLines, changeRecordOf, recentChanges } from '../../../functions/core/signals/change-record.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { fixture } from '../../support.ts';

const signalOf = (name: string, detail: Record<string, unknown> = {}) => {
  const event = fixture(name);
  return normalizeEvent({ ...event, detail: { ...event.detail, ...detail } }).signals[0]!;
};

describe('"What changed?": watched configuration and access changes', () => {
  it('records who changed what, capped, for watched changes only (not refused calls, sign-ins or Config)', () => {
    const record = changeRecordOf(signalOf('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json'), {
      incidentId: 'INC-1',
    });
    expect(record).toEqual({
      at: expect.stringMatching(/^2026-03-02T09:14:07/),
      account: '123456789012',
      region: 'us-east-1',
      watch: 'network.ingress-world-admin',
      what: expect.stringContaining('sg-0123456789abcdef0'),
      actor: 'arn:aws:iam::123456789012:user/Alice',
      change: 'tcp/22 from 0.0.0.0/0',
      incidentId: 'INC-1',
    });
    expect(JSON.stringify(record).length).toBeLessThan(1024);
    for (const name of [
      'cloudtrail-attach-role-policy-admin-access-denied-constructed.json',
      'signin-console-login-failure-constructed.json',
      'config-rules-compliance-change-noncompliant-constructed.json',
    ])
      expect(changeRecordOf(signalOf(name), { incidentId: 'INC-2' }), name).toBeUndefined();
    const huge = changeRecordOf(
      signalOf('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json', {
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::123456789012:user/${'x'.repeat(5000)}` },
      }),
      { incidentId: 'INC-3' },
    );
    expect(huge!.actor!.length).toBeLessThanOrEqual(200);
  });

  it('keeps the hour before the incident in its account, newest first, never the incident itself', () => {
    const change = (at: string, account = '123456789012', incidentId = 'INC-A') => ({
      at,
      account,
      region: 'us-east-1',
      watch: 'iam.policy-attached',
      what: `IAM policy attached at ${at}`,
      incidentId,
    });
    const records = [
      change('2026-11-23T08:10:00.000Z'),
      change('2026-11-23T08:40:00.000Z'),
      change('2026-11-23T07:30:00.000Z'),
      change('2026-11-23T08:50:00.000Z', '111122223333'),
      change('2026-11-23T08:55:00.000Z', '123456789012', 'INC-SELF'),
      change('2026-11-23T09:01:00.000Z'),
    ];
    const incident = {
      id: 'INC-SELF',
      account: '123456789012',
      firstSeen: '2026-11-23T09:00:00.000Z',
      openedAt: '2026-11-23T09:00:05.000Z',
    };
    expect(recentChanges(records, incident).map((r) => r.at)).toEqual(['2026-11-23T08:40:00.000Z', '2026-11-23T08:10:00.000Z']);
    const lines = changeLines(Array.from({ length: 7 }, (_, i) => change(`2026-11-23T08:0${i}:00.000Z`)));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('IAM policy attached at 2026-11-23T08:00:00.000Z at 2026-11-23 08:00:00 UTC (us-east-1, INC-A)');
    expect(lines[5]).toBe('+2 more');
  });
});
