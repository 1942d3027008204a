import { describe, expect, it } from 'vitest';
import { FIREBREAK_BUS_NAME, FIREBREAK_SOURCE, MONITOR_SOURCE_PREFIX } from '../../../functions/core/events/bus.ts';
import { ingestRules } from '../../../functions/core/events/ingest-rules.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { matchesPattern } from '../../../functions/local/pattern-matcher.ts';
import { exampleConfig, fixture } from '../../support.ts';

const INGESTED = [
  'cloudwatch-alarm-state-change-alarm.json',
  'cloudwatch-alarm-state-change-ok-derived.json',
  'cloudwatch-alarm-state-change-ok-canary.json',
  'guardduty-finding-ec2-high-wrapped.json',
  'guardduty-finding-ec2-low-awsdocs-wrapped.json',
  'securityhub-findings-imported-afsbp-critical-wrapped.json',
  'securityhub-findings-imported-guardduty-ec2-wrapped.json',
  'inspector2-finding-ec2-package-vulnerability-active.json',
  'inspector2-finding-ec2-package-vulnerability-closed.json',
  'health-ec2-issue.json',
  'ec2-instance-state-change-terminated.json',
];

describe('ingestRules', () => {
  const rules = ingestRules(exampleConfig());

  it('has unique ids and a description for each rule', () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) expect(r.description.length).toBeGreaterThan(0);
  });

  it('puts AWS sources on the default bus and custom monitors on the firebreak bus', () => {
    const byId = Object.fromEntries(rules.map((r) => [r.id, r]));
    expect(byId.CustomMonitor!.bus).toBe('firebreak');
    for (const r of rules.filter((x) => x.id !== 'CustomMonitor')) {
      expect(r.bus).toBe('default');
      const [source] = r.pattern.source as Array<string | { prefix: string }>;
      expect(typeof source === 'string' ? source : source!.prefix).toMatch(/^aws\./);
    }
    expect(FIREBREAK_BUS_NAME).toBe('firebreak');
  });

  it("never listens to Firebreak's own events on its bus", () => {
    const monitor = rules.find((r) => r.id === 'CustomMonitor')!;
    const own = { source: FIREBREAK_SOURCE, 'detail-type': 'Incident Opened', detail: {} };
    expect(matchesPattern(monitor.pattern, own)).toBe(false);
    expect(matchesPattern(monitor.pattern, { source: `${MONITOR_SOURCE_PREFIX}.datadog`, 'detail-type': 'x', detail: {} })).toBe(
      true,
    );
  });

  it('passes the configured EC2 states into the EC2 pattern', () => {
    const ec2 = (states: Array<'running' | 'stopped' | 'terminated'>) =>
      ingestRules({ sources: { custom: [], ec2States: states } }).find((r) => r.id === 'Ec2StateChange')!;
    expect(ec2(['stopped', 'terminated']).pattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['stopped', 'terminated'] },
    });
    expect((ec2(['running']).pattern.detail as { state: string[] }).state).toEqual(['running']);
    const terminated = fixture('ec2-instance-state-change-terminated.json');
    expect(matchesPattern(ec2(['stopped', 'terminated']).pattern, terminated)).toBe(true);
    expect(matchesPattern(ec2(['running']).pattern, terminated)).toBe(false);
  });

  it('passes custom sources into the monitor pattern next to the prefix', () => {
    const monitor = ingestRules({ sources: { custom: ['com.acme.ci', 'io.pagerduty'], ec2States: ['stopped'] } }).find(
      (r) => r.id === 'CustomMonitor',
    )!;
    expect(monitor.pattern).toEqual({ source: [{ prefix: MONITOR_SOURCE_PREFIX }, 'com.acme.ci', 'io.pagerduty'] });
    expect(matchesPattern(monitor.pattern, { source: 'io.pagerduty', detail: {} })).toBe(true);
    expect(matchesPattern(monitor.pattern, { source: 'io.other', detail: {} })).toBe(false);
  });

  it('routes every sample ingest normalizes to exactly one rule', () => {
    for (const name of INGESTED) {
      const event = fixture(name);
      const matching = rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.id);
      expect(matching, name).toHaveLength(1);
      expect(normalizeEvent(event).signals.length, name).toBeGreaterThan(0);
    }
  });

  it('does not route deployment events to ingest', () => {
    for (const name of [
      'codedeploy-deployment-success.json',
      'codepipeline-pipeline-execution-failed.json',
      'ecs-deployment-failed.json',
    ]) {
      expect(
        rules.filter((r) => matchesPattern(r.pattern, fixture(name))),
        name,
      ).toEqual([]);
    }
  });
});
