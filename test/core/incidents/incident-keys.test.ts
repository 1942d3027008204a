/** Incident ids, signal keys, the worse severity, and coalesced repeats (helpers: decisions.ts). */
import { describe, expect, it } from 'vitest';
import {
  decideIngest,
  incidentIdFor,
  RECENT_SIGNALS,
  worseSeverity,
  type Incident,
} from '../../../functions/core/incidents/incident.ts';
import { signalKeyFor, signalKeysFor } from '../../../functions/core/incidents/signal-keys.ts';
import { fixture } from '../../support.ts';
import { makeClassification, makeSignal } from '../helpers.ts';
import { classify, WINDOW, applied, decide, cpuAlarm } from './decisions.ts';

describe('incidentIdFor', () => {
  it('is deterministic, short and readable', () => {
    const id = incidentIdFor('0123456789abcdef0123456789abcdef', 'evt-1#abc#0');
    expect(id).toMatch(/^INC-[0-9A-F]{10}$/);
    expect(incidentIdFor('0123456789abcdef0123456789abcdef', 'evt-1#abc#0')).toBe(id);
  });

  it('differs per fingerprint and per incident replaced, never per delivery', () => {
    const id = incidentIdFor('f1');
    expect(incidentIdFor('f2')).not.toBe(id);
    expect(incidentIdFor('f1', id)).not.toBe(id);
    expect(incidentIdFor('f1', incidentIdFor('f1', id))).not.toBe(incidentIdFor('f1', id));
  });

  it('gives two deliveries opening an incident for one fingerprint the same id: one put wins', () => {
    const signal = cpuAlarm();
    const input = { current: undefined, signal, classification: classify(signal), eventId: 'e', reopenWindowMinutes: WINDOW };
    const a = applied(decideIngest({ ...input, signalKey: 'a#k#0', now: '2026-03-01T09:00:00.000Z' }));
    const b = applied(decideIngest({ ...input, signalKey: 'b#k#0', now: '2026-03-01T09:00:01.000Z' }));
    expect(b.incident.id).toBe(a.incident.id);
  });

  it('gives a retried delivery the same new incident id', () => {
    const signal = cpuAlarm();
    const event = fixture('cloudwatch-alarm-state-change-alarm.json');
    const key = signalKeyFor(event.id, event, 0);
    const input = {
      current: undefined,
      signal,
      classification: classify(signal),
      signalKey: key,
      eventId: event.id,
      reopenWindowMinutes: WINDOW,
    };
    const first = applied(decideIngest({ ...input, now: '2026-03-01T09:00:00.000Z' }));
    const retry = applied(decideIngest({ ...input, now: '2026-03-01T09:00:05.000Z' }));
    expect(retry.incident.id).toBe(first.incident.id);
  });
});

describe('signalKeyFor', () => {
  it('starts with the event id and ends with the index', () => {
    expect(signalKeyFor('evt-1', { a: 1 }, 3)).toMatch(/^evt-1#[0-9a-f]{16}#3$/);
  });

  it('gives every signal of a batch the key it would have alone (the event hashed once for all)', () => {
    const event = fixture('securityhub-findings-imported-afsbp-critical-wrapped.json');
    const keys = signalKeysFor(event.id, event, 3);
    expect(keys).toEqual([0, 1, 2].map((index) => signalKeyFor(event.id, event, index)));
    expect(signalKeysFor(event.id, event, 0)).toEqual([]);
  });

  it('is equal for identical events whatever their key order', () => {
    const event = fixture('guardduty-finding-ec2-high-wrapped.json');
    const reordered = Object.fromEntries(Object.entries(structuredClone(event)).reverse());
    expect(signalKeyFor(event.id, reordered, 0)).toBe(signalKeyFor(event.id, event, 0));
  });

  it('differs for the same id with different content (AWS samples reuse ids)', () => {
    const high = fixture('guardduty-finding-ec2-high-wrapped.json');
    const low = fixture('guardduty-finding-ec2-low-awsdocs-wrapped.json');
    expect(high.id).toBe(low.id);
    expect(signalKeyFor(high.id, high, 0)).not.toBe(signalKeyFor(low.id, low, 0));
    const alarm = fixture('cloudwatch-alarm-state-change-alarm.json');
    const ok = fixture('cloudwatch-alarm-state-change-ok-derived.json');
    expect(signalKeyFor(alarm.id, alarm, 0)).not.toBe(signalKeyFor(ok.id, ok, 0));
  });

  it('differs per index within one delivery and per event id', () => {
    const event = { a: 1 };
    expect(signalKeyFor('e', event, 0)).not.toBe(signalKeyFor('e', event, 1));
    expect(signalKeyFor('e1', event, 0)).not.toBe(signalKeyFor('e2', event, 0));
  });
});

describe('worseSeverity', () => {
  it('returns the worse of two severities, in either order', () => {
    expect(worseSeverity('SEV1', 'SEV4')).toBe('SEV1');
    expect(worseSeverity('SEV4', 'SEV1')).toBe('SEV1');
    expect(worseSeverity('SEV3', 'SEV2')).toBe('SEV2');
    expect(worseSeverity('SEV3', 'SEV3')).toBe('SEV3');
  });
});

describe('coalesced repeats', () => {
  const at = (seconds: number) => new Date(Date.parse('2026-03-01T10:00:00.000Z') + seconds * 1000).toISOString();
  const open = () => applied(decide(undefined, makeSignal(), at(0), makeClassification()));

  it('coalesces a firing repeat that changes nothing but the count, inside the audit interval', () => {
    const opened = open();
    const repeat = applied(decide(opened.incident, makeSignal({ observedAt: at(5) }), at(5), makeClassification()));
    expect(repeat).toMatchObject({ outcome: 'updated', coalesced: true, audit: [], expectedVersion: 1 });
    expect(repeat.incident).toMatchObject({ signalCount: 2, version: 2, lastSeen: at(5), updatedAt: at(0) });
    expect(repeat.incident.auditHead).toBe(opened.incident.auditHead);
    expect(repeat.incident.recentSignals).toHaveLength(2);
  });

  it('audits at once a repeat that raises the severity, adds a firing resource or recovers one', () => {
    const opened = open();
    const raised = applied(decide(opened.incident, makeSignal(), at(1), makeClassification({ severity: 'SEV1' })));
    expect(raised.coalesced).toBeUndefined();
    expect(raised.audit.map((entry) => entry.action)).toEqual(['signal.recorded', 'incident.severity_raised']);
    const added = applied(
      decide(opened.incident, makeSignal({ resources: ['i-0aaaaaaaaaaaaaaa2'] }), at(1), makeClassification()),
    );
    expect(added.coalesced).toBeUndefined();
    expect(added.incident.firingResources).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2']);
    const recovered = applied(
      decide(added.incident, makeSignal({ state: 'recovered', observedAt: at(2) }), at(2), makeClassification()),
    );
    expect(recovered.coalesced).toBeUndefined();
    expect(recovered.audit).toHaveLength(1);
  });

  it('audits the first repeat at or after the interval, recording the count so far', () => {
    let current = open().incident;
    for (let s = 10; s < 60; s += 10) current = applied(decide(current, makeSignal(), at(s), makeClassification())).incident;
    const audited = applied(decide(current, makeSignal(), at(60), makeClassification()));
    expect(audited.coalesced).toBeUndefined();
    expect(audited.audit[0]).toMatchObject({ action: 'signal.recorded', data: expect.objectContaining({ signalCount: 7 }) });
    expect(audited.incident.updatedAt).toBe(at(60));
  });

  it('knows a signal recorded among its last RECENT_SIGNALS as a duplicate, keeps the opening one for good and forgets the oldest others', () => {
    const first = applied(
      decideIngest({
        current: undefined,
        signal: makeSignal(),
        classification: makeClassification(),
        signalKey: 'k-0',
        eventId: 'e',
        now: at(0),
        reopenWindowMinutes: WINDOW,
      }),
    );
    const again = (incident: Incident, key: string, s: number) =>
      decideIngest({
        current: incident,
        signal: makeSignal(),
        classification: makeClassification(),
        signalKey: key,
        eventId: 'e',
        now: at(s),
        reopenWindowMinutes: WINDOW,
      });
    expect(again(first.incident, 'k-0', 1)).toMatchObject({
      outcome: 'duplicate',
      incidentId: first.incident.id,
      keptForGood: true,
    });
    let current = first.incident;
    for (let i = 1; i <= RECENT_SIGNALS; i++) current = applied(again(current, `k-${i}`, i)).incident;
    expect(current.recentSignals).toHaveLength(RECENT_SIGNALS);
    // k-1 has left the list: only its processed-event marker (read before deciding) still knows it. The
    // opening k-0 stays: a new incident writes no marker.
    expect(again(current, 'k-1', 20).outcome).toBe('updated');
    expect(again(current, 'k-0', 20)).toMatchObject({ outcome: 'duplicate', keptForGood: true });
    expect(again(current, 'k-2', 20)).not.toHaveProperty('keptForGood');
    expect(again(current, `k-${RECENT_SIGNALS}`, 20).outcome).toBe('duplicate');
  });
});
