import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import {
  BUCKET_CAP,
  burstKeys,
  burstSignal,
  decideBurst,
  minuteBucket,
  SIGNIN_BURST_DEFAULTS,
  windowBuckets,
  type BurstKey,
} from '../../../functions/core/signals/signin-bursts.ts';
import { exampleConfig, fixture } from '../../support.ts';

const failure = (detail: Record<string, unknown> = {}) => {
  const event = fixture('signin-console-login-failure-constructed.json');
  return normalizeEvent({ ...event, detail: { ...event.detail, ...detail } }).signals[0]!;
};
const ip: BurstKey = { kind: 'ip', key: 'ip#198.51.100.23', value: '198.51.100.23' };
const user: BurstKey = { kind: 'user', key: 'user#Alice', value: 'Alice' };

describe('bursts of failed console sign-ins (pure)', () => {
  it('counts a failure under its source IP and its user name, nothing else', () => {
    expect(burstKeys(failure())).toEqual([ip, user]);
    expect(burstKeys(failure({ sourceIPAddress: undefined }))).toEqual([user]);
    const success = normalizeEvent(fixture('signin-console-login-iam-user-no-mfa-constructed.json')).signals[0]!;
    expect(burstKeys(success)).toEqual([]);
    const long = burstKeys(failure({ userIdentity: { type: 'IAMUser', userName: 'x'.repeat(1000) } }));
    expect(long[1]!.key.length).toBeLessThanOrEqual(205);
  });

  it('windows are whole minutes ending at the failure\u2019s own time', () => {
    expect(minuteBucket(Date.parse('2026-03-02T08:54:59.999Z'))).toBe('2026-03-02T08:54');
    expect(windowBuckets('2026-03-02T08:54:02Z', SIGNIN_BURST_DEFAULTS)).toEqual({
      first: '2026-03-02T08:45',
      last: '2026-03-02T08:54',
    });
    expect(windowBuckets('2026-03-02T00:00:30Z', { threshold: 3, windowMinutes: 1 })).toEqual({
      first: '2026-03-02T00:00',
      last: '2026-03-02T00:00',
    });
  });

  it('pages at the threshold, not below; by user name first (brute force), else by source IP (spraying)', () => {
    const config = SIGNIN_BURST_DEFAULTS;
    expect(
      decideBurst(
        [
          { key: ip, count: 4 },
          { key: user, count: 4 },
        ],
        config,
      ),
    ).toEqual({ page: false, counts: { ip: 4, user: 4 } });
    expect(
      decideBurst(
        [
          { key: ip, count: 5 },
          { key: user, count: 1 },
        ],
        config,
      ),
    ).toEqual({ page: true, by: ip, count: 5 });
    expect(
      decideBurst(
        [
          { key: ip, count: 1 },
          { key: user, count: 5 },
        ],
        config,
      ),
    ).toEqual({ page: true, by: user, count: 5 });
    expect(
      decideBurst(
        [
          { key: ip, count: 9 },
          { key: user, count: 6 },
        ],
        config,
      ),
    ).toEqual({ page: true, by: user, count: 6 });
    expect(decideBurst([], config)).toEqual({ page: false, counts: { ip: 0, user: 0 } });
    expect(decideBurst([{ key: user, count: 1 }], { threshold: 1, windowMinutes: 1 })).toMatchObject({ page: true });
  });

  it('makes one incident per user name or per source IP, titled with the count', () => {
    const byUser = burstSignal(failure(), { page: true, by: user, count: 5 }, SIGNIN_BURST_DEFAULTS);
    expect(byUser).toMatchObject({
      subject: 'signin.failed|user#Alice',
      title: 'Failed console sign-ins: 5 for Alice within 10 minutes',
      attributes: { watch: 'signin.failed', burstBy: 'user', burstCount: '5' },
    });
    const byIp = burstSignal(failure(), { page: true, by: ip, count: BUCKET_CAP * 3 }, SIGNIN_BURST_DEFAULTS);
    expect(byIp).toMatchObject({
      subject: 'signin.failed|ip#198.51.100.23',
      title: `Failed console sign-ins: ${BUCKET_CAP * 3}+ from 198.51.100.23 within 10 minutes`,
    });
  });

  it('is configured under watch.signinFailures with defaults 5 in 10 minutes', () => {
    expect(exampleConfig().watch.signinFailures).toEqual({ threshold: 5, windowMinutes: 10 });
    const raw = JSON.parse(JSON.stringify(exampleConfig()));
    raw.watch.signinFailures = { threshold: 20 };
    expect(parseConfig(raw, 'x').watch.signinFailures).toEqual({ threshold: 20, windowMinutes: 10 });
    for (const bad of [{ threshold: 0 }, { threshold: 101 }, { windowMinutes: 61 }, { treshold: 3 }]) {
      raw.watch.signinFailures = bad;
      expect(() => parseConfig(raw, 'x'), JSON.stringify(bad)).toThrow();
    }
  });
});
