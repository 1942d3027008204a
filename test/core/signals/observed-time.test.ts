/** A signal's observedAt is the envelope's time as Date reads it, in ISO 8601 with milliseconds, whatever shortcut is taken. */
import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../../functions/core/signals/signal.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { monitorEvent } from '../helpers.ts';

const observedAt = (time: string) => normalizeEvent(monitorEvent({ title: 'Check failed' }, { time })).signals[0]!.observedAt;
const viaDate = (time: string) => new Date(Date.parse(time)).toISOString();

describe('observedAt from the envelope time', () => {
  it.each([
    '2026-03-01T10:00:00Z',
    '2026-12-28T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '1969-07-20T20:17:40Z',
    '9999-12-28T23:59:59Z',
    // Days and hours Date may roll over into the next day or month take the long way.
    '2026-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2024-02-29T12:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-01-31T23:59:59Z',
    '2026-01-01T24:00:00Z',
    // Other forms of a valid time.
    '2026-03-01T10:00:00.123Z',
    '2026-03-01T10:00:00+02:00',
    '2026-03-01T10:00Z',
    '2026-03-01',
  ])('%s is read as Date reads it', (time) => {
    expect(observedAt(time)).toBe(viaDate(time));
  });

  it('every day of February and every hour, up to 24, compared with Date', () => {
    for (let day = 1; day <= 31; day++)
      for (let hour = 0; hour <= 24; hour++) {
        const time = `2026-02-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:59:07Z`;
        if (Number.isNaN(Date.parse(time))) continue;
        expect(observedAt(time)).toBe(viaDate(time));
      }
  });

  it.each(['2026-13-01T00:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T23:59:60Z', 'yesterday', '2026-00-10T00:00:00Z'])(
    '%s is refused naming the time',
    (time) => {
      expect(() => observedAt(time)).toThrow(InvalidEventError);
      expect(() => observedAt(time)).toThrow(/time: ".*" is not a date/);
    },
  );
});
