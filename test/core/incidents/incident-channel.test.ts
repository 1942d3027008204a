import { describe, expect, it } from 'vitest';
import { CategorySchema, parseConfig } from '../../../functions/core/config.ts';
import {
  channelInvitees,
  channelSlug,
  incidentChannelName,
  incidentChannelSummary,
  inviteProblemsText,
  wantsIncidentChannel,
} from '../../../functions/core/incidents/incident-channel.ts';
import { INVITE_KEYS } from '../../../functions/core/incidents/incident-channel-config.ts';
import { exampleConfig } from '../../support.ts';

const incident = { id: 'INC-1A2B3C4D5E', title: 'CPU high on web-1', openedAt: '2026-11-23T23:59:59.000Z' };
const roster = [
  { slackUserId: 'U0CTO000001', role: 'cto' as const },
  { slackUserId: 'U0SENIOR001', role: 'senior' as const },
  { slackUserId: 'U0SENIOR002', role: 'senior' as const },
  { slackUserId: 'U0RESPOND01', role: 'responder' as const },
];

describe('incident channel names', () => {
  it('is inc-<yyyymmdd>-<slug> of the UTC day it opened', () => {
    expect(incidentChannelName(incident)).toBe('inc-20261123-cpu-high-on-web-1');
  });

  it.each([
    ['<!channel> DoS from <@U0CTO000001>', 'channel-dos-from-u0cto000001'],
    ['Ça brûle — Überlast!!', 'ca-brule-uberlast'],
    ['***', ''],
    ['🔥🔥 db_primary   down 🔥', 'db_primary-down'],
    ['<https://evil.example|Runbook> &amp; more', 'https-evil-example-runbook-amp-more'],
  ])('neutralizes %j to Slack channel-name rules', (title, slug) => {
    expect(channelSlug(title)).toBe(slug);
    expect(incidentChannelName({ ...incident, title })).toMatch(/^inc-20261123-[a-z0-9_-]+$/);
  });

  it('falls back to the incident id when nothing of the title is left, and stays within 80 characters with any suffix', () => {
    expect(incidentChannelName({ ...incident, title: '!!!' })).toBe('inc-20261123-inc-1a2b3c4d5e');
    const long = { ...incident, title: 'word '.repeat(40) };
    for (const attempt of [1, 2, 5, 6]) {
      const name = incidentChannelName(long, attempt);
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).not.toMatch(/--|-$/);
    }
    expect(incidentChannelName(long, 2)).toMatch(/-2$/);
    expect(incidentChannelName(long, 6)).toMatch(/-inc-1a2b3c4d5e$/);
  });
});

describe('who gets a channel and who is invited', () => {
  it('takes active incidents at or above the severity, only when enabled', () => {
    const on = { enabled: true, minSeverity: 'SEV2' as const };
    expect(wantsIncidentChannel({ severity: 'SEV1', status: 'open' }, on)).toBe(true);
    expect(wantsIncidentChannel({ severity: 'SEV2', status: 'acknowledged' }, on)).toBe(true);
    expect(wantsIncidentChannel({ severity: 'SEV3', status: 'open' }, on)).toBe(false);
    expect(wantsIncidentChannel({ severity: 'SEV1', status: 'resolved' }, on)).toBe(false);
    expect(wantsIncidentChannel({ severity: 'SEV1', status: 'open' }, { ...on, enabled: false })).toBe(false);
  });

  it('expands roles, keeps roster members only, each once, with default for unlisted categories', () => {
    const invite = {
      security: ['cto' as const, 'U0SENIOR001', 'senior' as const, 'U0NOTONROSTER'],
      default: ['responder' as const],
    };
    expect(channelInvitees('security', { invite }, roster)).toEqual(['U0CTO000001', 'U0SENIOR001', 'U0SENIOR002']);
    expect(channelInvitees('availability', { invite }, roster)).toEqual(['U0RESPOND01']);
    expect(channelInvitees('availability', { invite: {} }, roster)).toEqual([]);
  });
});

describe('the summary line and notices', () => {
  it('escapes the title and mentions only the channel', () => {
    const line = incidentChannelSummary(
      {
        id: 'INC-1A2B3C4D5E',
        severity: 'SEV1',
        category: 'security',
        status: 'open',
        title: '<!channel> *pwned* <@U0CTO000001>',
      },
      { id: 'C0INC000001', archived: false },
    );
    expect(line.text).toBe(
      ':rotating_light: *INC-1A2B3C4D5E* SEV1 security · open · runs in <#C0INC000001> · &lt;!channel&gt; ∗pwned∗ &lt;@U0CTO000001&gt;',
    );
    expect(
      incidentChannelSummary(
        { ...incident, severity: 'SEV1', category: 'security', status: 'resolved' },
        { id: 'C0INC000001', archived: true },
      ).text,
    ).toContain(':white_check_mark: *INC-1A2B3C4D5E* SEV1 security · resolved · ran in <#C0INC000001> (archived)');
  });

  it('names refused invitees by mention and Slack code only', () => {
    expect(
      inviteProblemsText([
        { user: 'U0SENIOR001', error: 'user_not_found' },
        { user: '<!here>', error: 'x<y>' },
      ]),
    ).toBe(':warning: Could not invite <@U0SENIOR001> (user_not_found), &lt;!here&gt; (xy) to this channel.');
  });
});

describe('configuration', () => {
  it('is off by default, so existing configurations stay valid', () => {
    expect(exampleConfig().incidentChannels).toEqual({ enabled: false, minSeverity: 'SEV1', invite: {} });
  });

  it('invites per category or default only, by role or user id', () => {
    const raw = (incidentChannels: unknown) => ({ ...structuredClone(exampleConfig()), incidentChannels });
    expect(parseConfig(raw({ enabled: true, invite: { security: ['cto', 'U0123ABCDEF'] } })).incidentChannels).toMatchObject({
      enabled: true,
      minSeverity: 'SEV1',
    });
    expect(() => parseConfig(raw({ enabled: true, invite: { securty: ['cto'] } }))).toThrow(/incidentChannels/);
    expect(() => parseConfig(raw({ enabled: true, invite: { security: ['ceo'] } }))).toThrow(/incidentChannels/);
    expect(() => parseConfig(raw({ enabled: true, minSeverity: 'SEV0' }))).toThrow(/incidentChannels/);
  });

  it('knows exactly the categories config.ts knows', () => {
    expect([...INVITE_KEYS].sort()).toEqual(['default', ...CategorySchema.options].sort());
  });
});
