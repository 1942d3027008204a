import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config.ts';
import { maySilence, parseSilenceTarget, silences, type Silence } from '../../functions/core/silences/silence.ts';
import { SILENCES_DEFAULTS } from '../../functions/core/silences/silence-config.ts';
import { parseCommand } from '../../functions/core/slack/commands.ts';
import { configInput } from './helpers.ts';

const FP = '0123456789abcdef0123456789abcdef';
const silence: Silence = {
  id: 'SIL-0123456789',
  target: { kind: 'fingerprint', fingerprint: FP },
  reason: 'noisy',
  createdBy: 'U0SENIOR001',
  createdAt: '2026-11-23T09:00:00.000Z',
  endsAt: '2026-11-23T10:00:00.000Z',
  state: 'active',
  version: 1,
};

describe('silence policy', () => {
  it('matches its incident or fingerprint only while active and before its end', () => {
    const incident = { id: 'INC-0123456789', fingerprint: FP };
    expect(silences(silence, incident, '2026-11-23T09:59:59.000Z')).toBe(true);
    expect(silences(silence, incident, '2026-11-23T10:00:00.000Z')).toBe(false);
    expect(silences({ ...silence, state: 'expired' }, incident, '2026-11-23T09:30:00.000Z')).toBe(false);
    expect(silences(silence, { ...incident, fingerprint: 'f'.repeat(32) }, '2026-11-23T09:30:00.000Z')).toBe(false);
    const byIncident = { ...silence, target: { kind: 'incident', incidentId: 'INC-0123456789' } } as const;
    expect(silences(byIncident, { id: 'INC-0123456789', fingerprint: 'x' }, '2026-11-23T09:30:00.000Z')).toBe(true);
    expect(silences(byIncident, { id: 'INC-9999999999', fingerprint: FP }, '2026-11-23T09:30:00.000Z')).toBe(false);
  });

  it('allows the configured roles and whoever acknowledged the incident; refuses strangers and overlong silences', () => {
    const config = SILENCES_DEFAULTS;
    const responder = { slackUserId: 'U0RESPOND01', role: 'responder' } as const;
    expect(maySilence({ member: { slackUserId: 'U0CTO000001', role: 'cto' }, incident: undefined, minutes: 60, config })).toEqual(
      { allowed: true },
    );
    expect(
      maySilence({ member: { slackUserId: 'U0SENIOR001', role: 'senior' }, incident: undefined, minutes: 60, config }),
    ).toEqual({ allowed: true });
    expect(maySilence({ member: responder, incident: {}, minutes: 60, config })).toEqual({
      allowed: false,
      refusal: 'not_allowed',
    });
    expect(maySilence({ member: responder, incident: { acknowledgedBy: 'U0RESPOND01' }, minutes: 60, config })).toEqual({
      allowed: true,
    });
    expect(
      maySilence({
        member: responder,
        incident: { acknowledgedBy: 'U0RESPOND01' },
        minutes: 60,
        config: { ...config, incidentResponders: false },
      }),
    ).toEqual({ allowed: false, refusal: 'not_allowed' });
    expect(
      maySilence({ member: responder, incident: undefined, minutes: 60, config: { ...config, roles: ['responder'] } }),
    ).toEqual({ allowed: true });
    expect(maySilence({ member: undefined, incident: undefined, minutes: 60, config })).toEqual({
      allowed: false,
      refusal: 'not_on_roster',
    });
    expect(
      maySilence({ member: { slackUserId: 'U0CTO000001', role: 'cto' }, incident: undefined, minutes: 7 * 24 * 60 + 1, config }),
    ).toEqual({
      allowed: false,
      refusal: 'too_long',
    });
  });

  it('is configured with defaults, so existing configurations stay valid', () => {
    expect(parseConfig(configInput()).silences).toEqual(SILENCES_DEFAULTS);
    expect(() => parseConfig(configInput({ silences: { roles: ['intern'] } }))).toThrow();
    expect(parseConfig(configInput({ silences: { roles: ['cto'], maxMinutes: 120 } })).silences).toEqual({
      roles: ['cto'],
      incidentResponders: true,
      maxMinutes: 120,
    });
  });
});

describe('silence commands', () => {
  it('parses an incident or a fingerprint, a duration and a reason', () => {
    expect(parseCommand('silence inc-0123456789 2h known noisy canary')).toEqual({
      ok: true,
      command: {
        name: 'silence',
        target: { kind: 'incident', incidentId: 'INC-0123456789' },
        minutes: 120,
        reason: 'known noisy canary',
      },
    });
    expect(parseCommand(`silence ${FP.toUpperCase()} 1d deploy noise`)).toMatchObject({
      ok: true,
      command: { target: { kind: 'fingerprint', fingerprint: FP }, minutes: 1440 },
    });
    expect(parseCommand('silences')).toEqual({ ok: true, command: { name: 'silences' } });
  });

  it('refuses what is not one, saying what it expected', () => {
    expect(parseSilenceTarget('<!channel>')).toBeUndefined();
    for (const text of [
      'silence',
      'silence <!channel> 1h x',
      'silence INC-0123456789',
      'silence INC-0123456789 forever x',
      'silence INC-0123456789 0m x',
      'silence INC-0123456789 1h',
      'silences all',
    ])
      expect(parseCommand(text).ok, text).toBe(false);
    const refused = parseCommand('silence INC-0123456789 <@U0CTO000001> x');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).not.toContain('<@');
  });
});
