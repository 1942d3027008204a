import { describe, expect, it } from 'vitest';
import type { IncidentEventDetail } from '../../../functions/core/events/incident-events.ts';
import { ACTION_IDS, parseMitigationButtonValue } from '../../../functions/core/slack/button-values.ts';
import { ephemeral, type SlackMessage } from '../../../functions/core/slack/block-kit.ts';
import {
  escalationMessage,
  mitigationDecidedMessage,
  mitigationRequestMessage,
} from '../../../functions/core/slack/mitigation-messages.ts';
import { incidentMessage, incidentThreadReply, threadChangeFor } from '../../../functions/core/slack/incident-messages.ts';
import { renderMessageText } from '../../../functions/core/slack/message-text.ts';
import { planHash, type MitigationPlan, type MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import { type RosterMember } from '../../../functions/core/approval/roster.ts';
import { code, escapeSlackText, formatDuration, link, mention, safeText, truncate } from '../../../functions/core/slack/text.ts';
import { blockProblems } from '../../../functions/local/block-kit-check.ts';

const ABUSE = 'Alarm <!channel> <@U123> <https://evil.example|Runbook> &lt; done';
const CTO: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };
const SENIORS: RosterMember[] = [
  { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' },
  { slackUserId: 'U0SENIOR002', name: 'Mateo <!here> Alvarez', role: 'senior' },
];
const NOW = '2026-03-01T10:06:00.000Z';

function detail(overrides: Partial<IncidentEventDetail> = {}): IncidentEventDetail {
  return {
    incidentId: 'INC-B2D7BC30C6',
    version: 2,
    changes: ['opened'],
    status: 'open',
    severity: 'SEV2',
    category: 'security',
    title: 'GuardDuty: UnauthorizedAccess:EC2/SSHBruteForce',
    channel: 'C0INCIDENTS',
    fingerprint: 'f'.repeat(64),
    source: 'aws.guardduty',
    account: '123456789012',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0aaaaaaaaaaaaaaa1'],
    signalCount: 3,
    firstSeen: '2026-03-01T10:00:00.000Z',
    lastSeen: '2026-03-01T10:02:00.000Z',
    mitigations: ['isolate-instance'],
    ...overrides,
  };
}

const PLAN: MitigationPlan = {
  catalogId: 'isolate-instance',
  kind: 'command',
  document: 'Firebreak-IsolateInstance',
  documentVersion: '$DEFAULT',
  parameters: { Reason: 'brute force', Mode: 'quarantine' },
  targets: { type: 'instances', instanceIds: ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'] },
  rateControl: { maxConcurrency: '10%', maxErrors: '1' },
  timeoutSeconds: 1800,
};

function request(overrides: Partial<MitigationRequest> = {}): MitigationRequest {
  const plan = overrides.plan ?? PLAN;
  return {
    id: 'MIT-0A1B2C3D4E',
    incidentId: 'INC-B2D7BC30C6',
    catalogId: plan.catalogId,
    title: 'Isolate the instance',
    risk: 'high',
    severity: 'SEV2',
    plan,
    planHash: planHash(plan),
    state: 'awaiting_approval',
    requestedBy: 'slack:U0RESPOND01',
    requestedAt: '2026-03-01T10:05:00.000Z',
    expiresAt: '2026-03-01T11:05:00.000Z',
    escalateAt: '2026-03-01T10:20:00.000Z',
    seniorQuorum: 2,
    approvals: [],
    version: 1,
    ...overrides,
  };
}

/** Every string anywhere in a message. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Every `<…>` sequence Slack would read as markup. */
const markup = (message: SlackMessage): string[] => strings(message).flatMap((s) => s.match(/<[^>]*>/g) ?? []);

function actions(message: SlackMessage): Array<Record<string, unknown>> {
  const block = (message.blocks as Array<Record<string, unknown>>).find((b) => b.type === 'actions');
  return (block?.elements as Array<Record<string, unknown>> | undefined) ?? [];
}

describe('slack-text', () => {
  it('escapes &, < and > so nothing becomes markup', () => {
    expect(escapeSlackText('<!channel> & <@U1> &lt;')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; &amp;lt;');
  });

  it('truncates with an ellipsis, never inside an escape or a surrogate pair', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    const cut = safeText('a<<<<<<<<', 8);
    expect(cut.length).toBeLessThanOrEqual(8);
    expect(cut).toBe('a&lt;…');
  });

  it('mentions only well-formed user ids', () => {
    expect(mention('U0CTO000001')).toBe('<@U0CTO000001>');
    expect(mention('W0ABC')).toBe('<@W0ABC>');
    expect(mention('!channel')).toBe('!channel');
    expect(mention('U1> <!channel')).toBe('U1&gt; &lt;!channel');
  });

  it('keeps inline code on one line and closed', () => {
    const c = code('a`b\nc <!here>');
    expect(c).toBe('`aˋb↵c &lt;!here&gt;`');
    expect(c.match(/`/g)).toHaveLength(2);
    expect(code('')).toBe('_(empty)_');
  });

  it('links only plain https URLs', () => {
    expect(link('https://console.aws.amazon.com/x?a=1&b=2', 'Open')).toBe('<https://console.aws.amazon.com/x?a=1&amp;b=2|Open>');
    for (const bad of [
      'http://example.com',
      'javascript:alert(1)',
      'https://evil|Runbook',
      'https://a.example/<x>',
      'https://a.example/ b',
      'https://u:p@a.example/',
      'not a url',
      undefined,
    ]) {
      expect(link(bad, 'Open')).toBeUndefined();
    }
  });

  it('formats durations', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(1800)).toBe('30 min');
    expect(formatDuration(5400)).toBe('1 h 30 min');
    expect(formatDuration(172_800)).toBe('2 d');
  });
});

describe('incidentMessage', () => {
  it('renders untrusted text inert: no mention, no disguised link, entities shown as typed', () => {
    const message = incidentMessage(detail({ title: ABUSE, resources: [ABUSE], source: ABUSE }), undefined);
    expect(markup(message)).toEqual([]);
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U123>');
    expect(json).not.toContain('<https://evil');
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).toContain('&amp;lt;');
    const shown = renderMessageText(message);
    expect(shown).toContain('Alarm <!channel> <@U123> <https://evil.example|Runbook> &lt; done');
    expect(blockProblems(message.blocks)).toEqual([]);
  });

  it('has a header, the fields, and Acknowledge / Resolve buttons carrying the incident id', () => {
    const message = incidentMessage(detail());
    const header = message.blocks[0] as { type: string; text: { type: string; text: string } };
    expect(header.type).toBe('header');
    expect(header.text.text).toBe('SEV2 · security · GuardDuty: UnauthorizedAccess:EC2/SSHBruteForce');
    const shown = renderMessageText(message);
    for (const line of [
      'Severity: SEV2',
      'Category: security',
      'Status: open',
      'Signals: 3',
      'Account / region: `123456789012` / `us-east-1`',
      'First seen: 2026-03-01 10:00:00 UTC',
      'Last seen: 2026-03-01 10:02:00 UTC',
      'Incident: `INC-B2D7BC30C6`',
    ]) {
      expect(shown).toContain(line);
    }
    expect(shown).toContain('[Acknowledge] [Resolve]');
    expect(actions(message).map((a) => [a.action_id, a.value, a.style])).toEqual([
      [ACTION_IDS.incidentAck, 'INC-B2D7BC30C6', 'primary'],
      [ACTION_IDS.incidentResolve, 'INC-B2D7BC30C6', undefined],
    ]);
    expect(message.text).toContain('INC-B2D7BC30C6');
  });

  it('truncates a 10,000-character title within the header and text limits', () => {
    const message = incidentMessage({ ...detail({ title: 'x'.repeat(10_000) }), description: '<'.repeat(10_000) });
    const header = (message.blocks[0] as { text: { text: string } }).text.text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header.endsWith('…')).toBe(true);
    expect(message.text.length).toBeLessThanOrEqual(3000);
    expect(blockProblems(message.blocks)).toEqual([]);
    // The description is cut between escapes, never inside one.
    expect(JSON.stringify(message.blocks)).not.toMatch(/&l…|&lt…|&…/);
  });

  it('shows the first resources and +N more, within 50 blocks', () => {
    const resources = Array.from({ length: 60 }, (_, i) => `i-0${String(i).padStart(16, '0')}`);
    const message = incidentMessage(detail({ resources }));
    const shown = renderMessageText(message);
    expect(shown).toContain('Resources* (60)');
    expect(shown).toContain('`i-00000000000000000`');
    expect(shown).not.toContain('i-00000000000000059');
    expect(shown).toContain('+55 more');
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });

  it('links the source only when it is a plain https URL', () => {
    const good = incidentMessage({
      ...detail(),
      url: 'https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=abc',
    });
    expect(markup(good)).toEqual([
      '<https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=abc|Open in console>',
    ]);
    for (const url of [
      'https://evil.example|Runbook',
      'http://console.aws.amazon.com/',
      'javascript:alert(1)',
      'https://x.example/<!channel>',
    ]) {
      const message = incidentMessage({ ...detail(), url });
      expect(markup(message)).toEqual([]);
      expect(renderMessageText(message)).not.toContain('Open in console');
    }
  });

  it('has no buttons once resolved or closed, and says so', () => {
    for (const status of ['resolved', 'closed'] as const) {
      const message = incidentMessage({ ...detail({ status }), resolvedBy: 'U0SENIOR001' });
      expect(actions(message)).toEqual([]);
      expect(renderMessageText(message)).toMatch(status === 'resolved' ? /Resolved by @U0SENIOR001/ : /Closed by @U0SENIOR001/);
    }
    expect(renderMessageText(incidentMessage(detail({ status: 'resolved' })))).toContain(
      'Resolved: every affected resource recovered',
    );
  });

  it('drops Acknowledge once acknowledged and names who did', () => {
    const message = incidentMessage({ ...detail({ status: 'acknowledged' }), acknowledgedBy: 'U0SENIOR001' });
    expect(actions(message).map((a) => a.action_id)).toEqual([ACTION_IDS.incidentResolve]);
    expect(renderMessageText(message)).toContain('Acknowledged by @U0SENIOR001.');
  });

  it('escapes an acknowledging actor that is not a Slack user id', () => {
    const message = incidentMessage({ ...detail({ status: 'acknowledged' }), acknowledgedBy: '<!channel>' });
    expect(markup(message)).toEqual([]);
  });
});

describe('incident thread replies', () => {
  it('are short, for meaningful changes only', () => {
    expect(threadChangeFor(detail({ changes: ['signal'] }))).toBeUndefined();
    expect(threadChangeFor(detail({ changes: ['signal', 'severity_raised'] }))).toBe('severity_raised');
    expect(threadChangeFor(detail({ changes: ['reopened'] }))).toBe('reopened');
    expect(threadChangeFor(detail({ changes: ['acknowledged'] }))).toBe('acknowledged');

    expect(renderMessageText(incidentThreadReply(detail({ severity: 'SEV1', signalCount: 12 }), 'severity_raised'))).toBe(
      ':arrow_up: Severity raised to *SEV1* (12 signals so far).',
    );
    expect(incidentThreadReply(detail(), 'acknowledged', 'U0SENIOR001').text).toBe(':eyes: Acknowledged by <@U0SENIOR001>.');
    expect(renderMessageText(incidentThreadReply(detail(), 'resolved'))).toContain('every affected resource recovered');
    expect(markup(incidentThreadReply(detail(), 'resolved', '<!channel>'))).toEqual([]);
  });
});

describe('mitigationRequestMessage', () => {
  const roster = { cto: CTO, seniors: SENIORS };

  it('says what runs, where, how, bound to which plan, with Approve / Reject buttons', () => {
    const req = request();
    const message = mitigationRequestMessage(req, roster, NOW);
    const shown = renderMessageText(message);
    expect(shown).toContain('Document: `Firebreak-IsolateInstance` version `$DEFAULT`');
    expect(shown).toContain('Kind: Run Command');
    expect(shown).toContain('2 instances: `i-0aaaaaaaaaaaaaaa1`, `i-0aaaaaaaaaaaaaaa2`');
    expect(shown).toContain('`Mode = quarantine`\n`Reason = brute force`');
    expect(shown).toContain('Rate control: max concurrency `10%`, max errors `1`');
    expect(shown).toContain('Timeout: 30 min');
    expect(shown).toContain('Risk: high');
    expect(shown).toContain(`Plan hash: \`${req.planHash.slice(0, 12)}\``);
    expect(shown).toContain(`sha256 \`${req.planHash}\``);
    expect(shown).toContain('Expires: 2026-03-01 11:05:00 UTC');
    expect(shown).toContain('[Approve] [Reject]');
    expect(actions(message).map((a) => [a.action_id, a.value, a.style])).toEqual([
      [ACTION_IDS.mitigationApprove, `INC-B2D7BC30C6|MIT-0A1B2C3D4E|${req.planHash.slice(0, 12)}`, 'primary'],
      [ACTION_IDS.mitigationReject, `INC-B2D7BC30C6|MIT-0A1B2C3D4E|${req.planHash.slice(0, 12)}`, 'danger'],
    ]);
    // The buttons carry the plan they were shown with, so a click cannot approve a later plan.
    expect(parseMitigationButtonValue(`INC-B2D7BC30C6|MIT-0A1B2C3D4E|${req.planHash.slice(0, 12)}`)).toEqual({
      incidentId: 'INC-B2D7BC30C6',
      requestId: 'MIT-0A1B2C3D4E',
      planHash: req.planHash.slice(0, 12),
    });
    expect(parseMitigationButtonValue('INC-B2D7BC30C6|MIT-0A1B2C3D4E')).toEqual({
      incidentId: 'INC-B2D7BC30C6',
      requestId: 'MIT-0A1B2C3D4E',
    });
    expect(blockProblems(message.blocks)).toEqual([]);
  });

  it('mentions the CTO in the fallback text, the one mention there', () => {
    const message = mitigationRequestMessage(request(), roster, NOW);
    expect(message.text).toMatch(/^<@U0CTO000001> a mitigation awaits your approval: Isolate the instance/);
    expect(message.text.match(/<[^>]*>/g)).toEqual(['<@U0CTO000001>']);
    // Seniors are listed by (escaped) name, not pinged, before the CTO is unavailable.
    expect(markup(message).every((m) => m === '<@U0CTO000001>' || m === '<@U0RESPOND01>')).toBe(true);
    expect(renderMessageText(message)).toContain('2 of the senior engineers (Priya Raman, Mateo <!here> Alvarez)');
  });

  it('says who may approve: the CTO alone, or the senior quorum when the CTO is away or silent', () => {
    expect(renderMessageText(mitigationRequestMessage(request(), roster, NOW))).toContain(
      'The CTO @U0CTO000001 approves alone. If the CTO is away or does not answer by 2026-03-01 10:20:00 UTC, 2 of the senior engineers',
    );
    const away = renderMessageText(
      mitigationRequestMessage(request(), { cto: { ...CTO, awayUntil: '2026-03-02T00:00:00.000Z' }, seniors: SENIORS }, NOW),
    );
    expect(away).toContain('is away until 2026-03-02 00:00:00 UTC, so 2 of the senior engineers');
    const silent = renderMessageText(
      mitigationRequestMessage(request({ escalatedAt: '2026-03-01T10:20:00.000Z' }), roster, '2026-03-01T10:21:00.000Z'),
    );
    expect(silent).toContain('did not answer by 2026-03-01 10:20:00 UTC: the CTO, or 2 of the senior engineers');
  });

  it('counts only approvals of the current plan and lists older ones as for an earlier plan', () => {
    const old = planHash({ ...PLAN, parameters: { ...PLAN.parameters, Mode: 'full' } });
    const req = request({
      escalatedAt: '2026-03-01T10:20:00.000Z',
      approvals: [
        { userId: 'U0SENIOR001', role: 'senior', at: '2026-03-01T10:21:00.000Z', planHash: old },
        { userId: 'U0SENIOR002', role: 'senior', at: '2026-03-01T10:22:00.000Z', planHash: planHash(PLAN) },
      ],
    });
    const shown = renderMessageText(mitigationRequestMessage(req, roster, '2026-03-01T10:23:00.000Z'));
    expect(shown).toContain('@U0SENIOR002 (senior) at 2026-03-01 10:22:00 UTC');
    expect(shown).toContain('1 of 2 senior approvals.');
    expect(shown).toContain(
      `@U0SENIOR001 (senior) at 2026-03-01 10:21:00 UTC~ for an earlier plan (\`${old.slice(0, 12)}\`); it no longer counts`,
    );
    expect(renderMessageText(mitigationRequestMessage(request(), roster, NOW))).toContain('*Approvals*\nNone yet.');
  });

  it('escapes parameters: backticks and newlines cannot break out of the code span', () => {
    const plan: MitigationPlan = { ...PLAN, parameters: { Reason: 'a`b <!channel>\n*bold* `', Note: '<https://evil|Runbook>' } };
    const message = mitigationRequestMessage(request({ plan, title: ABUSE }), roster, NOW);
    expect(markup(message).every((m) => /^<@U0[A-Z0-9]+>$/.test(m))).toBe(true);
    const section = strings(message.blocks).find((s) => s.startsWith('*Parameters*'))!;
    const lines = section.split('\n').slice(1);
    expect(lines).toEqual(['`Note = &lt;https://evil|Runbook&gt;`', '`Reason = aˋb &lt;!channel&gt;↵*bold* ˋ`']);
    for (const line of lines) expect(line.match(/`/g)).toHaveLength(2);
  });

  it('targets by tag and resource group, truncated', () => {
    const values = Array.from({ length: 30 }, (_, i) => `web-${i}`);
    const tagged = renderMessageText(
      mitigationRequestMessage(request({ plan: { ...PLAN, targets: { type: 'tags', key: 'Role', values } } }), roster, NOW),
    );
    expect(tagged).toContain('instances tagged `Role` = `web-0` or `web-1`');
    expect(tagged).toContain('or +20 more');
    const group = renderMessageText(
      mitigationRequestMessage(
        request({ plan: { ...PLAN, targets: { type: 'resource-group', name: 'prod-web' } } }),
        roster,
        NOW,
      ),
    );
    expect(group).toContain('resource group `prod-web`');
  });

  it('stays within Slack limits with huge parameters', () => {
    const parameters = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`P${i}`, 'v'.repeat(1024)]));
    const message = mitigationRequestMessage(request({ plan: { ...PLAN, parameters }, title: 't'.repeat(10_000) }), roster, NOW);
    expect(blockProblems(message.blocks)).toEqual([]);
    expect(message.text.length).toBeLessThanOrEqual(3000);
    expect(renderMessageText(message)).toMatch(/\+\d+ more parameters/);
  });

  it('gives the decided form when the request is no longer awaiting approval', () => {
    const message = mitigationRequestMessage(request({ state: 'expired', decidedAt: '2026-03-01T11:05:00.000Z' }), roster, NOW);
    expect(actions(message)).toEqual([]);
  });
});

describe('mitigationDecidedMessage', () => {
  it('replaces the buttons by who decided and when', () => {
    const hash = planHash(PLAN);
    const cases: Array<[Partial<MitigationRequest>, string]> = [
      [
        {
          state: 'approved',
          decidedBy: ['U0SENIOR001', 'U0SENIOR002'],
          decidedAt: '2026-03-01T10:25:00.000Z',
          approvals: [
            { userId: 'U0SENIOR001', role: 'senior', at: '2026-03-01T10:21:00.000Z', planHash: hash },
            { userId: 'U0SENIOR002', role: 'senior', at: '2026-03-01T10:25:00.000Z', planHash: hash },
          ],
        },
        'Approved by @U0SENIOR001 and @U0SENIOR002 at 2026-03-01 10:25:00 UTC.',
      ],
      [
        {
          state: 'rejected',
          decidedBy: ['U0CTO000001'],
          decidedAt: '2026-03-01T10:07:00.000Z',
          reason: 'wrong host <!channel> & co',
        },
        'Rejected by @U0CTO000001 at 2026-03-01 10:07:00 UTC: wrong host <!channel> & co.',
      ],
      [{ state: 'expired', decidedAt: '2026-03-01T11:05:00.000Z' }, 'Expired at 2026-03-01 11:05:00 UTC without a decision.'],
      [
        { state: 'cancelled', decidedBy: ['U0CTO000001'], decidedAt: '2026-03-01T10:08:00.000Z' },
        'Cancelled by @U0CTO000001 at 2026-03-01 10:08:00 UTC.',
      ],
      [
        {
          state: 'approved',
          requestedBy: 'policy:classification',
          decidedBy: ['policy'],
          decidedAt: '2026-03-01T10:05:00.000Z',
          reason: 'pre-approved low-risk countermeasure',
        },
        'Approved by policy (pre-approved low-risk countermeasure) at 2026-03-01 10:05:00 UTC.',
      ],
    ];
    for (const [overrides, line] of cases) {
      const message = mitigationDecidedMessage(request(overrides));
      expect(actions(message)).toEqual([]);
      expect((message.blocks as Array<{ type: string }>).some((b) => b.type === 'actions')).toBe(false);
      expect(renderMessageText(message)).toContain(line);
      expect(markup(message).every((m) => /^<@U0[A-Z0-9]+>$/.test(m))).toBe(true);
      expect(message.text).not.toMatch(/</);
      expect(blockProblems(message.blocks)).toEqual([]);
    }
  });

  it('says why a run failed, naming the failed instances, escaped', () => {
    const reason = `2 of 5 instances failed or timed out: i-00000000000000002, ${ABUSE}`;
    const message = mitigationDecidedMessage(
      request({ state: 'failed', decidedBy: ['U0CTO000001'], decidedAt: '2026-03-01T10:07:00.000Z', reason }),
    );
    const text = renderMessageText(message);
    expect(text).toContain('Status: *failed*');
    expect(text).toContain(`*Why it failed*\n2 of 5 instances failed or timed out: i-00000000000000002, ${ABUSE}`);
    expect(markup(message).every((m) => /^<@U0[A-Z0-9]+>$/.test(m))).toBe(true);
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
    expect(blockProblems(message.blocks)).toEqual([]);
    // Only a failure says why: a succeeded or cancelled request shows no such section.
    for (const state of ['succeeded', 'running'] as const)
      expect(renderMessageText(mitigationDecidedMessage(request({ state, reason: 'x' })))).not.toContain('Why it failed');
  });

  it('shows the run status after approval', () => {
    const message = mitigationDecidedMessage(
      request({ state: 'running', decidedBy: ['U0CTO000001'], decidedAt: '2026-03-01T10:07:00.000Z' }),
    );
    expect(renderMessageText(message)).toContain('Approved by @U0CTO000001 at 2026-03-01 10:07:00 UTC. · Status: *running*');
  });
});

describe('escalationMessage', () => {
  it('mentions each senior, says why, and how many approvals are needed', () => {
    const silent = escalationMessage(request(), SENIORS, 'cto_silent');
    expect(silent.text).toMatch(/^<@U0SENIOR001> <@U0SENIOR002> The CTO did not answer within 15 min: 2 senior approvals needed/);
    expect(renderMessageText(silent)).toContain('2 senior approvals are needed to run *Isolate the instance*');
    expect(escalationMessage(request(), SENIORS, 'cto_away').text).toContain('The CTO is away');
    expect(markup(silent).every((m) => m === '<@U0SENIOR001>' || m === '<@U0SENIOR002>')).toBe(true);
    expect(renderMessageText(escalationMessage(request(), SENIORS.slice(0, 1), 'cto_silent'))).toContain(
      'Only 1 senior engineer can be asked, fewer than the 2 needed',
    );
  });
});

describe('ephemeral', () => {
  it('escapes the reply', () => {
    expect(ephemeral('No <!channel> here & there')).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'No &lt;!channel&gt; here &amp; there',
    });
  });
});

describe('renderMessageText', () => {
  it('shows mentions as @id, links as label (url), escapes as the characters, buttons in brackets', () => {
    const shown = renderMessageText({
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'A &amp; B' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'Hi <@U0CTO000001>, see <https://a.example/?x=1&amp;y=2|the doc> &lt;3' },
        },
        { type: 'divider' },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Approve' } },
            { type: 'button', text: { type: 'plain_text', text: 'Reject' } },
          ],
        },
      ],
    });
    expect(shown).toBe('A & B\nHi @U0CTO000001, see the doc (https://a.example/?x=1&y=2) <3\n---\n[Approve] [Reject]');
    expect(renderMessageText({ text: 'plain &lt;b&gt;' })).toBe('plain <b>');
  });
});
