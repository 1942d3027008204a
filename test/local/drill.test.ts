import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { runDrill } from '../../functions/local/drill/run.ts';
import { loadScenario, ScenarioSchema, ScenarioError } from '../../functions/local/drill/scenario.ts';
import { exampleConfig, fixture } from '../support.ts';
import { renderDrillHtml } from '../../functions/local/drill/html-report.ts';

const VOID_ELEMENTS = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** A structural check of a page: every element that opens closes, in order; SVG's self-closing ones count as closed. */
function expectWellFormed(html: string): void {
  const open: string[] = [];
  for (const [, closing, name, selfClosing] of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(\/?)>/g)) {
    const tag = name!.toLowerCase();
    if (selfClosing || VOID_ELEMENTS.has(tag)) continue;
    if (!closing) open.push(tag);
    else expect(`</${tag}> closing <${open.pop()}>`).toBe(`</${tag}> closing <${tag}>`);
  }
  expect(open).toEqual([]);
  expect(html.startsWith('<!doctype html>')).toBe(true);
}

const config = exampleConfig();
const endpoint = () => inject('dynamoEndpoint');
let tables = 0;
const tableName = () => `drill-${process.pid}-${++tables}`;

describe('drills', () => {
  it('runs the bundled default scenario and meets every expectation', async () => {
    const { scenario, baseDir } = loadScenario('drills/default.json');
    const outcome = await runDrill(scenario, { config, baseDir, endpoint: endpoint(), tableName: tableName() });
    expect(outcome.checks.filter((c) => !c.passed)).toEqual([]);
    expect(outcome.passed).toBe(true);
    expect(outcome.deadLetters).toHaveLength(1);
    expect(outcome.transcript.some((line) => line.results.some((r) => r.includes('reopened')))).toBe(true);
    // The request nobody answers expires on time, by its schedule.
    const results = outcome.transcript.flatMap((line) => line.results);
    expect(results.filter((r) => /^⏰ expire-MIT-[0-9A-F]{10}-\d{14}: expired$/.test(r))).toHaveLength(1);
    expect(results.filter((r) => r.startsWith('✉ Slack thread reply') && r.includes('expired unapproved'))).toHaveLength(1);

    // It ends with a postmortem of the GuardDuty incident, shared in its thread, and a report page.
    const guardDuty = outcome.incidents.find((i) => i.source === 'aws.guardduty')!;
    expect(outcome.files.map((f) => f.filename)).toEqual([`${guardDuty.id}-postmortem.md`]);
    expect(outcome.files[0]!.content).toMatch(
      /## Timeline\n[\s\S]*Priya Raman \(senior engineer\) \| MIT-[0-9A-F]{10}: approval refused \(cto available\)/,
    );
    const html = renderDrillHtml(outcome, scenario.start, config.roster);
    expectWellFormed(html);
    expect(html.match(/<tr class="(pass|fail)">/g)).toHaveLength(outcome.checks.length);
    expect(html).not.toContain('<tr class="fail">');
    expect(html.match(/<article class="incident" id="INC-[0-9A-F]{10}">/g)).toHaveLength(outcome.incidents.length);
    expect(html.match(/<svg /g)).toHaveLength(outcome.incidents.length);
    expect(html).toContain('data-passed="true"');
    expect(html).toContain(`<summary>Postmortem draft · ${guardDuty.id}`);
    expect(html.match(/<section id="transcript">[\s\S]*<\/section>/)![0].match(/<tr><td>T\+/g)).toHaveLength(
      scenario.steps.length,
    );
    expect(html).not.toMatch(/<script|<img|<iframe|<link|<a |\s(href|src)=/i);
  });

  it('expires a request nobody answers once the clock passes its window, and says so when it has not', async () => {
    const drill = (advance: string) =>
      ScenarioSchema.parse({
        name: 'unanswered request',
        start: '2026-11-23T09:00:00Z',
        steps: [{ inject: fixture('guardduty-finding-ec2-high-wrapped.json') }, { advance }],
        expect: {
          mitigations: [{ catalogId: 'isolate-instance', state: 'expired', escalated: true }],
          slack: [
            { contains: 'Approval needed', count: 0 },
            { contains: 'expired unapproved', count: 1 },
          ],
        },
      });
    const expired = await runDrill(drill('61m'), { config, baseDir: '.', endpoint: endpoint(), tableName: tableName() });
    expect(expired.checks.filter((c) => !c.passed)).toEqual([]);
    // The incident message's own refreshes (notify follows coalesced repeats) are not the request's timers.
    expect(expired.transcript.at(-1)!.results.filter((r) => r.startsWith('⏰') && !r.startsWith('⏰ refresh-'))).toEqual([
      expect.stringMatching(/^⏰ escalate-MIT-[0-9A-F]{10}: escalated$/),
      expect.stringMatching(/^⏰ expire-MIT-[0-9A-F]{10}-20261123100000: expired$/),
    ]);

    const early = await runDrill(drill('59m'), { config, baseDir: '.', endpoint: endpoint(), tableName: tableName() });
    expect(early.checks.filter((c) => !c.passed).map((c) => c.expectation)).toEqual([
      'mitigation isolate-instance',
      'Slack messages containing "Approval needed" = 0',
      'Slack messages containing "expired unapproved" = 1',
    ]);
  });

  it('a failed isolation names its instance: the automation child fails, the request and the summary say which', async () => {
    const scenario = ScenarioSchema.parse({
      name: 'isolation fails',
      start: '2026-11-23T09:00:00Z',
      steps: [
        { inject: fixture('guardduty-finding-ec2-high-wrapped.json') },
        { fleet: { instances: 1, fail: 1 } },
        { slack: 'approve {{request:isolate-instance}}', as: 'U0CTO000001' },
      ],
      expect: {
        mitigations: [
          {
            catalogId: 'isolate-instance',
            state: 'failed',
            decidedBy: ['U0CTO000001'],
            progress: { succeeded: 0, failed: 1, timed_out: 0 },
          },
          { catalogId: 'collect-diagnostics', state: 'succeeded', progress: { succeeded: 1, failed: 0 } },
        ],
        ssm: [{ document: 'Firebreak-IsolateInstance', count: 1, targets: 'ParameterValues=i-99999999' }],
        slack: [
          { contains: 'Why it failed', count: 1 },
          { contains: '1 of 1 instance failed or timed out: i-99999999', count: 2 },
          { contains: 'Failed or timed out: `i-99999999`', count: 1 },
        ],
      },
    });
    const outcome = await runDrill(scenario, { config, baseDir: '.', endpoint: endpoint(), tableName: tableName() });
    expect(outcome.checks.filter((c) => !c.passed)).toEqual([]);
    expect(outcome.passed).toBe(true);
  });

  it('fails, naming each expectation that did not hold', async () => {
    const scenario = ScenarioSchema.parse({
      name: 'wrong expectations',
      steps: [{ inject: fixture('guardduty-finding-ec2-high-wrapped.json') }],
      expect: {
        incidents: [
          { match: { source: 'aws.guardduty' }, severity: 'SEV1', status: 'resolved' },
          { match: { source: 'aws.health' } },
        ],
        incidentCount: 2,
        emitted: { 'Incident Opened': 1 },
      },
    });
    const outcome = await runDrill(scenario, { config, baseDir: '.', endpoint: endpoint(), tableName: tableName() });
    expect(outcome.passed).toBe(false);
    const failed = outcome.checks.filter((c) => !c.passed).map((c) => `${c.expectation}: ${c.detail}`);
    expect(failed).toEqual([
      'incident source~"aws.guardduty": severity is SEV2, expected SEV1; status is open, expected resolved',
      'incident source~"aws.health": expected exactly one matching incident, found 0',
      'incident count = 2: found 1',
    ]);
  });

  it('repeats, redelivers and advances the clock as the format says', async () => {
    const scenario = ScenarioSchema.parse({
      name: 'flapping alarm',
      start: '2026-11-23T09:00:00Z',
      steps: [
        { inject: fixture('cloudwatch-alarm-state-change-alarm.json') },
        { inject: fixture('cloudwatch-alarm-state-change-alarm.json'), times: 3 },
        { redeliver: true },
        { advance: '5m' },
        { inject: fixture('cloudwatch-alarm-state-change-ok-derived.json') },
        { advance: '2h' },
        { inject: { ...fixture('cloudwatch-alarm-state-change-alarm.json'), id: 'late' } },
      ],
      expect: {
        statusCounts: { closed: 1, open: 1 },
        // The three repeats come within a minute of the opening and change nothing but the count: they
        // coalesce, and the resolution announces the count they reached.
        emitted: { 'Incident Opened': 2, 'Incident Updated': 0, 'Incident Resolved': 1 },
      },
    });
    const outcome = await runDrill(scenario, { config, baseDir: '.', endpoint: endpoint(), tableName: tableName() });
    // The old incident (4 signals, then resolved) was closed when the late alarm opened a new one.
    expect(outcome.checks.filter((c) => !c.passed)).toEqual([]);
    expect(outcome.incidents.find((i) => i.status === 'closed')).toMatchObject({
      signalCount: 5,
      title: 'CloudWatch alarm ServerCpuTooHigh',
    });
    expect(outcome.incidents.find((i) => i.status === 'open')).toMatchObject({
      signalCount: 1,
      title: 'CloudWatch alarm ServerCpuTooHigh',
    });
  });

  it("closes work items on the tracker stand-in under the scenario's own config, and names a work item left open", async () => {
    const scenario = ScenarioSchema.parse({
      name: 'tracker closures',
      config: { tracker: { github: { tokenSecret: 'gh', defaultRepository: 'acme/search' } } },
      steps: [
        { tracker: { github: { 'acme/search#12': 'open', 'acme/search#13': 'open' } } },
        { deploy: { service: 'search', version: 'v1', environment: 'production', status: 'succeeded', commit: 'Fixes #12' } },
      ],
      expect: { trackers: { 'acme/search#12': 'closed', 'acme/search#13': 'closed' } },
    });
    const outcome = await runDrill(scenario, { config, baseDir: '.', endpoint: endpoint(), tableName: tableName() });
    expect(outcome.transcript.flatMap((l) => l.results)).toContain('→ work items: 1 closed, 0 already closed, 0 failed to close');
    expect(outcome.checks.filter((c) => !c.passed).map((c) => `${c.expectation}: ${c.detail}`)).toEqual([
      'work item acme/search#13 = closed: found open',
    ]);
    // The overlay is checked like any configuration, before anything starts.
    const invalid = ScenarioSchema.parse({ name: 'bad', config: { tracker: { github: {} } }, steps: [{ note: 'x' }] });
    await expect(runDrill(invalid, { config, baseDir: '.', endpoint: endpoint(), tableName: tableName() })).rejects.toThrow(
      /tokenSecret/,
    );
  });

  it('rejects a scenario file with a clear reason', () => {
    expect(() => loadScenario('test/fixtures/events/SOURCES.md')).toThrow(ScenarioError);
    expect(ScenarioSchema.safeParse({ name: 'x', steps: [{ advance: '5 minutes' }] }).success).toBe(false);
  });
});

describe('firebreak CLI', () => {
  const run = async (args: string[], input?: string) => {
    const child = promisify(execFile)(resolve('node_modules/.bin/tsx'), ['bin/firebreak.ts', ...args], { encoding: 'utf8' });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    try {
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('ingest --dry-run prints the signal, classification and fingerprint of each event', async () => {
    const out = await run([
      'ingest',
      '--dry-run',
      'test/fixtures/events/securityhub-findings-imported-afsbp-critical-wrapped.json',
    ]);
    expect(out.code).toBe(0);
    const printed = JSON.parse(out.stdout);
    expect(printed.results[0]).toMatchObject({
      signal: { source: 'aws.securityhub', kind: 'EC2.1', severityHint: 'critical' },
      classification: { severity: 'SEV2', category: 'compliance', rule: 'Security Hub control failed, critical' },
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('ingest --dry-run reads a JSON array from standard input and exits 2 naming each invalid event', async () => {
    const events = [fixture('health-ec2-issue.json'), { ...fixture('health-ec2-issue.json'), detail: { service: 'EC2' } }];
    const out = await run(['ingest', '--dry-run', '-'], JSON.stringify(events));
    expect(out.code).toBe(2);
    expect(out.stdout).toContain('"eventId": "7bf73129-1428-4cd3-a780-95db273d1602"');
    expect(out.stderr.trim().split('\n')).toEqual([
      'firebreak: event[1]: invalid event: detail.eventArn: Invalid input: expected string, received undefined',
    ]);
  });

  it('exits 2 with a one-line reason on bad usage or unreadable input', async () => {
    expect((await run(['ingest', '--dry-run', 'no-such-file.json'])).code).toBe(2);
    expect((await run(['ingest', '--dry-run', '-'], 'not json')).stderr).toMatch(/^firebreak: cannot read standard input: /);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['ingest', 'x.json'])).stderr).toMatch(/--dry-run/);
  });
});
