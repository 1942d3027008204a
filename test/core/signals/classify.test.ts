import { describe, expect, it } from 'vitest';
import { createClassifier, FALLBACK, fingerprint, MONITOR_RULE_NAME } from '../../../functions/core/signals/classify.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import type { Signal } from '../../../functions/core/signals/signal.ts';
import { exampleConfig, fixture } from '../../support.ts';
import { buildConfig, makeSignal } from '../helpers.ts';

const signalOf = (name: string): Signal => normalizeEvent(fixture(name)).signals[0]!;

describe('createClassifier with hand-built rules', () => {
  it('lets the first matching rule win, whatever comes later', () => {
    const rules = [
      {
        name: 'specific',
        match: { source: 'firebreak.monitor.test', severityHint: 'high' },
        severity: 'SEV1',
        category: 'availability',
      },
      { name: 'broad', match: { source: 'firebreak.monitor.test' }, severity: 'SEV3', category: 'performance' },
    ];
    const classify = createClassifier(buildConfig(rules));
    expect(classify(makeSignal({ severityHint: 'high' }))).toMatchObject({
      rule: 'specific',
      severity: 'SEV1',
      category: 'availability',
    });
    expect(classify(makeSignal({ severityHint: 'low' }))).toMatchObject({
      rule: 'broad',
      severity: 'SEV3',
      category: 'performance',
    });
    // Reversed, the broad rule shadows the specific one.
    const reversed = createClassifier(buildConfig([...rules].reverse()));
    expect(reversed(makeSignal({ severityHint: 'high' }))).toMatchObject({ rule: 'broad', severity: 'SEV3' });
  });

  it('falls back to SEV4 unknown on the default channel when no rule matches', () => {
    const classify = createClassifier(
      buildConfig([{ name: 'other', match: { source: 'aws.health' }, severity: 'SEV1', category: 'security' }]),
    );
    // An AWS source no rule claims (a custom monitor's own severity decides instead:
    // test/core/signals/sign-ins-config-and-monitor-severity.test.ts).
    const result = classify(makeSignal({ source: 'aws.inspector2' }));
    expect(FALLBACK).toEqual({ severity: 'SEV4', category: 'unknown' });
    expect(result).toMatchObject({
      rule: null,
      suppressed: false,
      severity: 'SEV4',
      category: 'unknown',
      channel: 'C0INCIDENTS',
      mitigations: [],
    });
    expect(result.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sends the fallback to an "unknown" channel when one is configured', () => {
    const classify = createClassifier(buildConfig([], { channels: { unknown: 'C0TRIAGE001' } }));
    expect(classify(makeSignal({ source: 'aws.health' })).channel).toBe('C0TRIAGE001');
  });

  it('an empty match matches everything', () => {
    const classify = createClassifier(buildConfig([{ name: 'catch-all', severity: 'SEV2', category: 'availability' }]));
    expect(classify(makeSignal({ source: 'anything', kind: 'x', severityHint: 'informational' })).rule).toBe('catch-all');
  });

  describe('match fields', () => {
    const one = (match: Record<string, unknown>) =>
      createClassifier(buildConfig([{ name: 'r', match, severity: 'SEV2', category: 'availability' }]));
    const matches = (match: Record<string, unknown>, signal: Signal) => one(match)(signal).rule === 'r';

    it('source: a single value or a list', () => {
      expect(matches({ source: 'firebreak.monitor.test' }, makeSignal())).toBe(true);
      expect(matches({ source: 'firebreak.monitor' }, makeSignal())).toBe(false);
      expect(matches({ source: ['aws.health', 'firebreak.monitor.test'] }, makeSignal())).toBe(true);
      expect(matches({ source: ['aws.health', 'aws.ec2'] }, makeSignal())).toBe(false);
    });

    it('kind: exact, case-sensitive, single or list', () => {
      expect(matches({ kind: 'check' }, makeSignal())).toBe(true);
      expect(matches({ kind: 'Check' }, makeSignal())).toBe(false);
      expect(matches({ kind: ['alarm', 'check'] }, makeSignal())).toBe(true);
    });

    it('state', () => {
      expect(matches({ state: 'firing' }, makeSignal())).toBe(true);
      expect(matches({ state: 'recovered' }, makeSignal())).toBe(false);
      expect(matches({ state: 'recovered' }, makeSignal({ state: 'recovered' }))).toBe(true);
    });

    it('severityHint: single and list', () => {
      expect(matches({ severityHint: 'high' }, makeSignal())).toBe(true);
      expect(matches({ severityHint: 'critical' }, makeSignal())).toBe(false);
      expect(matches({ severityHint: ['low', 'informational'] }, makeSignal({ severityHint: 'informational' }))).toBe(true);
      expect(matches({ severityHint: ['low', 'informational'] }, makeSignal({ severityHint: 'medium' }))).toBe(false);
    });

    it('title: a case-insensitive regular expression', () => {
      expect(matches({ title: 'checkout api' }, makeSignal())).toBe(true);
      expect(matches({ title: '^CHECKOUT' }, makeSignal())).toBe(true);
      expect(matches({ title: 'latency$' }, makeSignal())).toBe(false);
      // Stateless across calls (no lastIndex surprises).
      const classify = one({ title: 'error' });
      expect([1, 2, 3].map(() => classify(makeSignal()).rule)).toEqual(['r', 'r', 'r']);
    });

    it('attributes: every listed attribute must match its case-insensitive regex', () => {
      const signal = makeSignal({ attributes: { namespace: 'AWS/EC2', metricName: 'CPUUtilization' } });
      expect(matches({ attributes: { namespace: '^aws/ec2$' } }, signal)).toBe(true);
      expect(matches({ attributes: { namespace: '^AWS/EC2$', metricName: 'cpu' } }, signal)).toBe(true);
      expect(matches({ attributes: { namespace: '^AWS/EC2$', metricName: 'Memory' } }, signal)).toBe(false);
    });

    it('a missing attribute never matches, not even a pattern that matches the empty string', () => {
      const signal = makeSignal({ attributes: {} });
      expect(matches({ attributes: { team: '.*' } }, signal)).toBe(false);
      expect(matches({ attributes: { team: '^$' } }, signal)).toBe(false);
      expect(matches({ attributes: { team: '.*' } }, makeSignal({ attributes: { team: 'payments' } }))).toBe(true);
    });

    it('all fields together must hold', () => {
      const match = {
        source: 'firebreak.monitor.test',
        kind: 'check',
        state: 'firing',
        severityHint: ['high'],
        title: 'error',
        attributes: { team: 'pay' },
      };
      const signal = makeSignal({ attributes: { team: 'payments' } });
      expect(matches(match, signal)).toBe(true);
      expect(matches(match, { ...signal, kind: 'other' })).toBe(false);
      expect(matches(match, { ...signal, state: 'recovered' })).toBe(false);
      expect(matches(match, { ...signal, title: 'fine' })).toBe(false);
      expect(matches(match, { ...signal, attributes: { team: 'search' } })).toBe(false);
    });
  });

  it('suppress rules report the rule and stop later rules from matching', () => {
    const classify = createClassifier(
      buildConfig([
        { name: 'drop informational', match: { severityHint: 'informational' }, suppress: true },
        { name: 'everything', severity: 'SEV2', category: 'availability' },
      ]),
    );
    expect(classify(makeSignal({ severityHint: 'informational' }))).toMatchObject({
      rule: 'drop informational',
      suppressed: true,
    });
    expect(classify(makeSignal({ severityHint: 'low' }))).toMatchObject({
      rule: 'everything',
      suppressed: false,
      severity: 'SEV2',
    });
  });

  it('maps the category to its channel, the default channel otherwise, and lets a rule override it', () => {
    const classify = createClassifier(
      buildConfig(
        [
          { name: 'sec', match: { kind: 'sec' }, severity: 'SEV2', category: 'security' },
          { name: 'perf', match: { kind: 'perf' }, severity: 'SEV3', category: 'performance' },
          { name: 'sec-override', match: { kind: 'sec2' }, severity: 'SEV2', category: 'security', channel: 'C0REDTEAM01' },
        ],
        { channels: { security: 'C0SECURITY1' } },
      ),
    );
    expect(classify(makeSignal({ kind: 'sec' })).channel).toBe('C0SECURITY1');
    expect(classify(makeSignal({ kind: 'perf' })).channel).toBe('C0INCIDENTS');
    expect(classify(makeSignal({ kind: 'sec2' })).channel).toBe('C0REDTEAM01');
  });

  it('carries the rule mitigations', () => {
    const classify = createClassifier(
      buildConfig([{ name: 'r', severity: 'SEV2', category: 'security', mitigations: ['isolate-instance'] }], {
        mitigations: [
          {
            id: 'isolate-instance',
            title: 'Isolate the instance',
            document: 'Firebreak-IsolateInstance',
            kind: 'automation',
            targets: { type: 'incident-instances' },
            risk: 'high',
          },
        ],
      }),
    );
    expect(classify(makeSignal()).mitigations).toEqual(['isolate-instance']);
  });
});

describe('fingerprint', () => {
  const parts = ['source', 'kind', 'subject'] as const;

  it('is 32 lower-case hex characters and never contains the raw text', () => {
    const signal = makeSignal({ subject: 'deadbeef', kind: 'abc' });
    const fp = fingerprint(signal, parts);
    expect(fp).toMatch(/^[0-9a-f]{32}$/);
    for (const text of [signal.source, signal.kind, signal.subject]) expect(fp).not.toContain(text);
  });

  it('is stable for the same parts, and ignores what the parts leave out', () => {
    const a = makeSignal();
    expect(fingerprint(a, parts)).toBe(fingerprint({ ...a }, parts));
    expect(fingerprint(a, parts)).toBe(
      fingerprint({ ...a, title: 'another title', observedAt: '2030-01-01T00:00:00.000Z', resources: [] }, parts),
    );
  });

  it('changes with the subject, source, kind, account or region when they are parts', () => {
    const a = makeSignal();
    const base = fingerprint(a, parts);
    expect(fingerprint({ ...a, subject: 'other' }, parts)).not.toBe(base);
    expect(fingerprint({ ...a, source: 'firebreak.monitor.other' }, parts)).not.toBe(base);
    expect(fingerprint({ ...a, kind: 'other' }, parts)).not.toBe(base);
    expect(fingerprint({ ...a, account: '210987654321' }, [...parts, 'account'])).not.toBe(fingerprint(a, [...parts, 'account']));
    expect(fingerprint({ ...a, region: 'eu-west-1' }, [...parts, 'region'])).not.toBe(fingerprint(a, [...parts, 'region']));
    // Not a part: no effect.
    expect(fingerprint({ ...a, region: 'eu-west-1' }, parts)).toBe(base);
  });

  it('depends on the parts chosen and their names, not only the values', () => {
    const a = makeSignal({ kind: 'x', subject: 'x' });
    expect(fingerprint(a, ['kind'])).not.toBe(fingerprint(a, ['subject']));
    expect(fingerprint(a, ['source', 'kind'])).not.toBe(fingerprint(a, ['kind', 'source']));
  });

  it('uses attr: parts, a missing attribute counting as empty', () => {
    const a = makeSignal({ attributes: { namespace: 'AWS/EC2' } });
    const withAttr = ['source', 'attr:namespace'] as const;
    expect(fingerprint(a, withAttr)).toBe(fingerprint({ ...a, subject: 'different' }, withAttr));
    expect(fingerprint(a, withAttr)).not.toBe(fingerprint({ ...a, attributes: { namespace: 'AWS/RDS' } }, withAttr));
    expect(fingerprint({ ...a, attributes: {} }, withAttr)).toBe(fingerprint({ ...a, attributes: { namespace: '' } }, withAttr));
    expect(fingerprint({ ...a, attributes: {} }, withAttr)).not.toBe(fingerprint(a, withAttr));
  });

  it('follows the config dedup.fingerprint, and a rule fingerprint overrides it', () => {
    const config = buildConfig(
      [
        {
          name: 'per-namespace',
          match: { kind: 'grouped' },
          severity: 'SEV3',
          category: 'performance',
          fingerprint: ['source', 'attr:namespace'],
        },
        { name: 'default', severity: 'SEV3', category: 'performance' },
      ],
      { dedup: { fingerprint: ['source', 'subject'] } },
    );
    const classify = createClassifier(config);
    const a = makeSignal({ kind: 'grouped', subject: 'i-1', attributes: { namespace: 'AWS/EC2' } });
    const b = { ...a, subject: 'i-2' };
    expect(classify(a).fingerprint).toBe(fingerprint(a, ['source', 'attr:namespace']));
    expect(classify(a).fingerprint).toBe(classify(b).fingerprint);
    const c = makeSignal({ kind: 'plain', subject: 'i-1' });
    expect(classify(c).fingerprint).toBe(fingerprint(c, ['source', 'subject']));
    // dedup.fingerprint has no kind: two kinds about one subject share a fingerprint.
    expect(classify(c).fingerprint).toBe(classify({ ...c, kind: 'also-plain' }).fingerprint);
    expect(classify(c).fingerprint).not.toBe(classify({ ...c, subject: 'i-2' }).fingerprint);
  });
});

describe('createClassifier with the example firebreak.config.json', () => {
  const config = exampleConfig();
  const classify = createClassifier(config);

  it.each([
    ['guardduty-finding-ec2-high-wrapped.json', 'SEV2', 'security', 'C0SECURITY1', 'GuardDuty high finding'],
    ['guardduty-finding-ec2-low-awsdocs-wrapped.json', 'SEV4', 'security', 'C0SECURITY1', 'GuardDuty low finding'],
    ['cloudwatch-alarm-state-change-alarm.json', 'SEV3', 'performance', 'C0INCIDENTS', 'CloudWatch saturation or latency alarm'],
    ['cloudwatch-alarm-state-change-ok-canary.json', 'SEV2', 'availability', 'C0INCIDENTS', 'CloudWatch Synthetics canary alarm'],
    [
      'inspector2-finding-ec2-package-vulnerability-active.json',
      'SEV4',
      'security',
      'C0SECURITY1',
      'Inspector medium or low vulnerability',
    ],
    [
      'securityhub-findings-imported-afsbp-critical-wrapped.json',
      'SEV2',
      'compliance',
      'C0INCIDENTS',
      'Security Hub control failed, critical',
    ],
    ['health-ec2-issue.json', 'SEV2', 'availability', 'C0INCIDENTS', 'AWS Health issue'],
    ['ec2-instance-state-change-terminated.json', 'SEV4', 'availability', 'C0INCIDENTS', 'EC2 instance stopped or terminated'],
  ])('%s -> %s %s', (name, severity, category, channel, rule) => {
    expect(classify(signalOf(name))).toMatchObject({ suppressed: false, severity, category, channel, rule });
  });

  it('suppresses the Security Hub copy of a GuardDuty finding', () => {
    const result = classify(signalOf('securityhub-findings-imported-guardduty-ec2-wrapped.json'));
    expect(result.suppressed).toBe(true);
    expect(result.rule).toMatch(/^Security Hub copy of a GuardDuty\/Inspector finding/);
  });

  it('gives an alarm and its recovery the same fingerprint', () => {
    const alarm = classify(signalOf('cloudwatch-alarm-state-change-alarm.json'));
    const ok = classify(signalOf('cloudwatch-alarm-state-change-ok-derived.json'));
    expect(ok.fingerprint).toBe(alarm.fingerprint);
    expect(ok.rule).toBe(alarm.rule);
  });

  it('gives the Inspector CVE one fingerprint across instances and another per CVE', () => {
    const active = normalizeEvent(fixture('inspector2-finding-ec2-package-vulnerability-active.json')).signals[0]!;
    const otherHost = { ...active, resources: ['i-0eeeeeeeeeeeeeee5'] };
    const closed = signalOf('inspector2-finding-ec2-package-vulnerability-closed.json');
    expect(classify(otherHost).fingerprint).toBe(classify(active).fingerprint);
    expect(classify(closed).fingerprint).not.toBe(classify(active).fingerprint);
  });

  it('classifies the GuardDuty critical band as SEV1 and unknown monitors by their own severity', () => {
    expect(classify(makeSignal({ source: 'aws.guardduty', severityHint: 'critical' }))).toMatchObject({
      severity: 'SEV1',
      category: 'security',
    });
    expect(classify(makeSignal({ source: 'firebreak.monitor.datadog', severityHint: 'low' }))).toMatchObject({
      rule: 'Datadog monitor, other',
      severity: 'SEV3',
    });
    expect(classify(makeSignal({ source: 'firebreak.monitor.homegrown', severityHint: 'high' }))).toMatchObject({
      rule: MONITOR_RULE_NAME,
      severity: 'SEV2',
      category: 'availability',
      channel: 'C0INCIDENTS',
    });
  });

  it('a CloudWatch alarm named with sev1 beats the metric-based rules', () => {
    const alarm = signalOf('cloudwatch-alarm-state-change-alarm.json');
    const renamed = { ...alarm, attributes: { ...alarm.attributes, alarmName: 'checkout-sev1-cpu' } };
    expect(classify(renamed)).toMatchObject({ severity: 'SEV1', category: 'availability' });
    const notAWord = { ...alarm, attributes: { ...alarm.attributes, alarmName: 'noncritical-cpu' } };
    expect(classify(notAWord).severity).toBe('SEV3');
  });
});
