import { describe, expect, it } from 'vitest';
import { planHash, type MitigationPlan, type MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import type { SlackMessage } from '../../../functions/core/slack/block-kit.ts';
import { expiryMessage, mitigationDecidedMessage } from '../../../functions/core/slack/mitigation-messages.ts';
import { renderMessageText } from '../../../functions/core/slack/message-text.ts';
import { blockProblems } from '../../../functions/local/block-kit-check.ts';

// The thread reply when a request's approval window ended unanswered, and the decided form it goes with.

const PLAN: MitigationPlan = {
  catalogId: 'block-ip',
  kind: 'command',
  document: 'Firebreak-BlockIp',
  documentVersion: '$DEFAULT',
  parameters: { ipAddress: '81.2.69.144' },
  targets: { type: 'instances', instanceIds: ['i-0aaaaaaaaaaaaaaa1'] },
  rateControl: { maxConcurrency: '10%', maxErrors: '1' },
  timeoutSeconds: 600,
};

function expired(overrides: Partial<MitigationRequest> = {}): MitigationRequest {
  const plan = overrides.plan ?? PLAN;
  return {
    id: 'MIT-0A1B2C3D4E',
    incidentId: 'INC-B2D7BC30C6',
    catalogId: plan.catalogId,
    title: 'Block an IP address',
    risk: 'medium',
    severity: 'SEV2',
    plan,
    planHash: planHash(plan),
    state: 'expired',
    requestedBy: 'slack:U0RESPOND01',
    requestedAt: '2026-03-01T10:05:00.000Z',
    expiresAt: '2026-03-01T11:05:00.000Z',
    escalateAt: '2026-03-01T10:20:00.000Z',
    seniorQuorum: 2,
    approvals: [],
    decidedAt: '2026-03-01T11:05:00.000Z',
    reason: 'approval window passed',
    version: 3,
    ...overrides,
  };
}

/** Every `<…>` sequence Slack would read as markup, anywhere in the message. */
const markup = (message: SlackMessage): string[] => (JSON.stringify(message).match(/<[^>]*>/g) ?? []).filter((m) => m !== '<>');

describe('expiryMessage', () => {
  it('says it expired unapproved, that nothing ran, and gives the requester the command to ask again', () => {
    const message = expiryMessage(expired());
    expect(message.text).toBe('Mitigation expired unapproved: Block an IP address (MIT-0A1B2C3D4E) for incident INC-B2D7BC30C6.');
    expect(renderMessageText(message)).toBe(
      [
        ':hourglass: *Block an IP address* (`MIT-0A1B2C3D4E`) expired unapproved: its approval window ended at 2026-03-01 11:05:00 UTC without a decision, and nothing ran.',
        '@U0RESPOND01 If it is still needed, request it again: `/firebreak mitigate INC-B2D7BC30C6 block-ip ipAddress=81.2.69.144`.',
        'Plan `' + planHash(PLAN).slice(0, 12) + '` · request `MIT-0A1B2C3D4E` · incident `INC-B2D7BC30C6`',
      ].join('\n'),
    );
    expect(markup(message)).toEqual(['<@U0RESPOND01>']);
    expect(blockProblems(message.blocks)).toEqual([]);
  });

  it('mentions nobody for a request made by policy, and counts senior approvals short of the quorum', () => {
    const message = expiryMessage(
      expired({
        requestedBy: 'policy:classification',
        approvals: [
          { userId: 'U0SENIOR001', role: 'senior', at: '2026-03-01T10:30:00.000Z', planHash: planHash(PLAN) },
          { userId: 'U0SENIOR002', role: 'senior', at: '2026-03-01T10:10:00.000Z', planHash: 'b'.repeat(64) },
        ],
      }),
    );
    expect(markup(message)).toEqual([]);
    expect(renderMessageText(message)).toContain('and nothing ran. It had 1 of the 2 senior approvals needed.');
    expect(renderMessageText(message)).toContain('If it is still needed, request it again: `/firebreak mitigate');
  });

  it('leaves out parameters that cannot be typed as one word, and says to give them', () => {
    const plan = { ...PLAN, catalogId: 'restart-service', parameters: { serviceName: 'nginx.service', note: 'two words' } };
    const shown = renderMessageText(expiryMessage(expired({ plan, catalogId: 'restart-service' })));
    expect(shown).toContain(
      'request it again: `/firebreak mitigate INC-B2D7BC30C6 restart-service` with the parameters shown on the request.',
    );
  });

  it('keeps untrusted text inert: a title or parameter carrying markup never becomes a mention or a link', () => {
    const plan = { ...PLAN, parameters: { ipAddress: '<!channel>`<https://evil.example|x>' } };
    const message = expiryMessage(expired({ title: 'Block <!channel> <@U123> <https://evil.example|Runbook>', plan }));
    expect(markup(message)).toEqual(['<@U0RESPOND01>']);
    expect(JSON.stringify(message)).not.toContain('<!channel>');
    expect(blockProblems(message.blocks)).toEqual([]);
  });
});

describe('the expired request message', () => {
  it('has no buttons and says when it expired', () => {
    const message = mitigationDecidedMessage(expired());
    expect(message.text).toBe('Mitigation expired: Block an IP address for incident INC-B2D7BC30C6.');
    expect(message.blocks.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
    expect(renderMessageText(message)).toContain('Expired at 2026-03-01 11:05:00 UTC without a decision.');
  });
});
