/**
 * A mitigation request's message (what runs, where, bound to which plan, who may approve, Slack's
 * limits), its decided form and the escalation to the seniors (harness: messages-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, parseMitigationButtonValue } from '../../../functions/core/slack/button-values.ts';
import {
  escalationMessage,
  mitigationDecidedMessage,
  mitigationRequestMessage,
} from '../../../functions/core/slack/mitigation-messages.ts';
import { renderMessageText } from '../../../functions/core/slack/message-text.ts';
import { planHash, type MitigationPlan, type MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import { blockProblems } from '../../../functions/local/block-kit-check.ts';
import { ABUSE, CTO, SENIORS, NOW, PLAN, request, strings, markup, actions } from './messages-harness.ts';

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
