/** decideIngest: recovery, and signals after resolution (helpers: decisions.ts). */
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../../functions/core/audit/chain.ts';
import { CAPS } from '../../../functions/core/caps.ts';
import { decideIngest, INGEST_ACTOR, type Incident } from '../../../functions/core/incidents/incident.ts';

import { makeClassification, makeSignal } from '../helpers.ts';
import { classify, WINDOW, applied, decide, cpuAlarm, cpuOk, later, inspector, Timeline } from './decisions.ts';

describe('decideIngest: recovery', () => {
  it('resolves the CPU alarm when its OK arrives, in one version with two audit entries', () => {
    const t = new Timeline();
    const opened = applied(t.step(cpuAlarm(), '2026-03-01T09:00:00.000Z'));
    const resolved = applied(t.step(cpuOk(), '2026-03-01T09:10:00.000Z'));
    expect(resolved.outcome).toBe('resolved');
    expect(resolved.changes).toEqual(['signal', 'resolved']);
    expect(resolved.expectedVersion).toBe(1);
    expect(resolved.incident).toMatchObject({
      id: opened.incident.id,
      status: 'resolved',
      resolvedAt: '2026-03-01T09:10:00.000Z',
      signalCount: 2,
      version: 2,
      auditSeq: 3,
    });
    expect(resolved.incident.firingResources).toEqual([]);
    expect(resolved.incident.resources).toEqual(opened.incident.resources);
    expect(resolved.audit.map((e) => e.action)).toEqual(['signal.recorded', 'incident.resolved']);
    expect(resolved.audit[0]!.data).toMatchObject({ state: 'recovered' });
    expect(resolved.incident.auditHead).toBe(resolved.audit[1]!.hash);
    expect(verifyChain(t.chain(opened.incident.id))).toEqual({ valid: true, length: 3 });
  });

  it('resolves an acknowledged or mitigating incident too', () => {
    const open = applied(decide(undefined, cpuAlarm(), '2026-03-01T09:00:00.000Z')).incident;
    for (const status of ['acknowledged', 'mitigating'] as const) {
      expect(decide({ ...open, status }, cpuOk(), '2026-03-01T09:10:00.000Z').outcome).toBe('resolved');
    }
  });

  it('keeps a fleet-wide CVE open until its last instance closes (Inspector)', () => {
    const t = new Timeline();
    const hosts = ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2', 'i-0ccccccccccccccc3'];
    const opened = applied(t.step(inspector(hosts[0]!, 'ACTIVE', '2023-01-19T22:46:15Z'), '2026-03-01T09:00:00.000Z'));
    expect(opened.incident).toMatchObject({
      subject: 'CVE-2022-3303',
      severity: 'SEV4',
      category: 'security',
      channel: 'C0SECURITY1',
    });
    applied(t.step(inspector(hosts[1]!, 'ACTIVE', '2023-01-19T22:50:00Z'), '2026-03-01T09:01:00.000Z'));
    const third = applied(t.step(inspector(hosts[2]!, 'ACTIVE', '2023-01-19T22:55:00Z'), '2026-03-01T09:02:00.000Z'));
    expect(third.incident.id).toBe(opened.incident.id);
    expect(third.incident.firingResources).toEqual(hosts);

    const firstClosed = applied(t.step(inspector(hosts[0]!, 'CLOSED', '2023-01-20T10:00:00Z'), '2026-03-01T10:00:00.000Z'));
    expect(firstClosed.outcome).toBe('updated');
    expect(firstClosed.changes).toEqual(['signal']);
    expect(firstClosed.incident.status).toBe('open');
    expect(firstClosed.incident.firingResources).toEqual([hosts[1], hosts[2]]);

    // Closing the same host again changes nothing but the count.
    const again = applied(t.step(inspector(hosts[0]!, 'CLOSED', '2023-01-20T10:01:00Z'), '2026-03-01T10:01:00.000Z'));
    expect(again.outcome).toBe('updated');
    expect(again.incident.firingResources).toEqual([hosts[1], hosts[2]]);

    applied(t.step(inspector(hosts[2]!, 'CLOSED', '2023-01-20T11:00:00Z'), '2026-03-01T11:00:00.000Z'));
    const last = applied(t.step(inspector(hosts[1]!, 'CLOSED', '2023-01-20T12:00:00Z'), '2026-03-01T12:00:00.000Z'));
    expect(last.outcome).toBe('resolved');
    expect(last.incident).toMatchObject({ status: 'resolved', signalCount: 7, version: 7 });
    expect(last.incident.resources).toEqual(hosts);
    const chain = t.chain(opened.incident.id);
    expect(verifyChain(chain)).toEqual({ valid: true, length: 1 + 5 + 2 });
    expect(chain.at(-1)!.action).toBe('incident.resolved');
  });

  it('resolves a multi-resource finding only when a recovery covers every resource', () => {
    const classification = makeClassification();
    const open = applied(
      decide(undefined, makeSignal({ resources: ['a', 'b'] }), '2026-03-01T10:00:00.000Z', classification),
    ).incident;
    const unrelated = applied(
      decide(
        open,
        makeSignal({ state: 'recovered', resources: ['z'], observedAt: '2026-03-01T10:01:00.000Z' }),
        '2026-03-01T10:01:00.000Z',
        classification,
      ),
    );
    expect(unrelated.outcome).toBe('updated');
    expect(unrelated.incident.firingResources).toEqual(['a', 'b']);
    expect(
      decide(
        open,
        makeSignal({ state: 'recovered', resources: ['b', 'a'], observedAt: '2026-03-01T10:01:00.000Z' }),
        '2026-03-01T10:01:00.000Z',
        classification,
      ).outcome,
    ).toBe('resolved');
  });

  it('ignores a recovery observed before the latest firing signal (EventBridge does not keep order)', () => {
    const open = applied(decide(undefined, cpuAlarm(), '2026-03-01T09:00:00.000Z')).incident;
    const stale = { ...cpuOk(), observedAt: '2019-10-02T17:04:39.999Z' };
    const decision = decide(open, stale, '2026-03-01T09:10:00.000Z');
    expect(decision).toMatchObject({ outcome: 'ignored', incidentId: open.id });
    // Observed at the same instant as the firing signal: not stale.
    expect(decide(open, cpuOk(), '2026-03-01T09:10:00.000Z').outcome).toBe('resolved');
  });

  it('ignores a recovery for an incident already resolved or closed', () => {
    const t = new Timeline();
    t.step(cpuAlarm(), '2026-03-01T09:00:00.000Z');
    const resolved = applied(t.step(cpuOk(), '2026-03-01T09:10:00.000Z')).incident;
    expect(decide(resolved, cpuOk(), '2026-03-01T09:11:00.000Z')).toMatchObject({ outcome: 'ignored', incidentId: resolved.id });
    expect(decide({ ...resolved, status: 'closed' }, cpuOk(), '2026-03-01T09:11:00.000Z')).toMatchObject({
      outcome: 'ignored',
      incidentId: resolved.id,
    });
  });

  it('never auto-resolves once more resources fired than it could store', () => {
    const many = Array.from({ length: CAPS.firingResources.count }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    const classification = makeClassification();
    const open = applied(decide(undefined, makeSignal({ resources: many }), '2026-03-01T10:00:00.000Z', classification)).incident;
    expect(open).toMatchObject({ firingOverflow: false });
    const overflowing = applied(
      decide(
        open,
        makeSignal({ resources: ['i-extra00000000000'], observedAt: '2026-03-01T10:30:00.000Z' }),
        '2026-03-01T10:30:00.000Z',
        classification,
      ),
    ).incident;
    expect(overflowing.firingResources).toHaveLength(CAPS.firingResources.count);
    expect(overflowing.firingOverflow).toBe(true);
    const allClear = applied(
      decide(
        overflowing,
        makeSignal({ state: 'recovered', resources: [...many, 'i-extra00000000000'], observedAt: '2026-03-01T11:00:00.000Z' }),
        '2026-03-01T11:00:00.000Z',
        classification,
      ),
    );
    expect(allClear.outcome).toBe('updated');
    expect(allClear.incident.status).toBe('open');
    expect(allClear.incident.firingResources).toEqual([]);
    // The emptied list does not make a later, unrelated recovery resolve it either.
    const later = decide(
      allClear.incident,
      makeSignal({ state: 'recovered', resources: ['i-unrelated000000'], observedAt: '2026-03-01T11:05:00.000Z' }),
      '2026-03-01T11:05:00.000Z',
      classification,
    );
    expect(later.outcome).toBe('updated');
  });

  it('resolves a full list normally when nothing was dropped', () => {
    const many = Array.from({ length: CAPS.firingResources.count }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    const classification = makeClassification();
    const open = applied(decide(undefined, makeSignal({ resources: many }), '2026-03-01T10:00:00.000Z', classification)).incident;
    const allClear = decide(
      open,
      makeSignal({ state: 'recovered', resources: many, observedAt: '2026-03-01T11:00:00.000Z' }),
      '2026-03-01T11:00:00.000Z',
      classification,
    );
    expect(allClear.outcome).toBe('resolved');
  });
});

describe('decideIngest: after resolution', () => {
  function resolvedCpuIncident() {
    const t = new Timeline();
    t.step(cpuAlarm(), '2026-03-01T09:00:00.000Z');
    t.step(cpuOk(), '2026-03-01T09:10:00.000Z');
    return t;
  }

  it('reopens inside the reopen window', () => {
    const t = resolvedCpuIncident();
    const resolved = t.current!;
    const refire = { ...cpuAlarm(), observedAt: '2026-03-01T09:30:00.000Z' };
    const reopened = applied(t.step(refire, '2026-03-01T09:30:00.000Z'));
    expect(reopened.outcome).toBe('reopened');
    expect(reopened.changes).toEqual(['signal', 'reopened']);
    expect(reopened.expectedVersion).toBe(resolved.version);
    expect(reopened.incident).toMatchObject({
      id: resolved.id,
      status: 'open',
      reopenCount: 1,
      signalCount: 3,
      version: resolved.version + 1,
      lastFiringAt: '2026-03-01T09:30:00.000Z',
    });
    expect(reopened.incident).not.toHaveProperty('resolvedAt');
    expect(reopened.incident.firingResources).toEqual(refire.resources);
    expect(reopened.audit.map((e) => e.action)).toEqual(['signal.recorded', 'incident.reopened']);
    expect(reopened.audit[1]!.data).toEqual({ resolvedAt: '2026-03-01T09:10:00.000Z', reopenCount: 1 });
    expect(verifyChain(t.chain(resolved.id))).toEqual({ valid: true, length: 5 });

    // It can resolve and reopen again.
    const okAgain = { ...cpuOk(), observedAt: '2026-03-01T09:40:00.000Z' };
    expect(applied(t.step(okAgain, '2026-03-01T09:40:00.000Z')).outcome).toBe('resolved');
    const twice = applied(t.step({ ...refire, observedAt: '2026-03-01T09:45:00.000Z' }, '2026-03-01T09:45:00.000Z'));
    expect(twice.incident.reopenCount).toBe(2);
    expect(verifyChain(t.chain(resolved.id))).toEqual({ valid: true, length: 9 });
  });

  it('raises severity when it reopens with a worse classification', () => {
    const t = resolvedCpuIncident();
    const reopened = applied(
      t.step({ ...cpuAlarm(), observedAt: '2026-03-01T09:20:00.000Z' }, '2026-03-01T09:20:00.000Z', {
        ...classify(cpuAlarm()),
        severity: 'SEV1',
      }),
    );
    expect(reopened.outcome).toBe('reopened');
    expect(reopened.incident.severity).toBe('SEV1');
  });

  it('reopens at exactly the window edge and opens a new incident one second later', () => {
    const resolved = resolvedCpuIncident().current!;
    const edge = later(resolved.resolvedAt!, WINDOW);
    expect(decide(resolved, cpuAlarm(), edge).outcome).toBe('reopened');
    expect(decide(resolved, cpuAlarm(), new Date(Date.parse(edge) + 1000).toISOString()).outcome).toBe('opened');
  });

  it('after the window opens a new incident and closes the old one with its own audit entry', () => {
    const t = resolvedCpuIncident();
    const old = t.current!;
    const now = later(old.resolvedAt!, WINDOW + 5);
    const decision = applied(t.step({ ...cpuAlarm(), observedAt: now }, now));
    expect(decision.outcome).toBe('opened');
    expect(decision.expectedVersion).toBe(0);
    expect(decision.incident.id).not.toBe(old.id);
    expect(decision.incident).toMatchObject({
      status: 'open',
      version: 1,
      signalCount: 1,
      reopenCount: 0,
      fingerprint: old.fingerprint,
      firstSeen: now,
    });
    expect(decision.audit[0]!.data).toMatchObject({ replaces: old.id });
    expect(verifyChain(t.chain(decision.incident.id))).toEqual({ valid: true, length: 1 });

    const closes = decision.closes!;
    expect(closes.expectedVersion).toBe(old.version);
    expect(closes.incident).toMatchObject({
      id: old.id,
      status: 'closed',
      version: old.version + 1,
      updatedAt: now,
      auditSeq: old.auditSeq + 1,
    });
    expect(closes.audit).toHaveLength(1);
    expect(closes.audit[0]).toMatchObject({
      incidentId: old.id,
      seq: old.auditSeq + 1,
      prevHash: old.auditHead,
      action: 'incident.closed',
      actor: INGEST_ACTOR,
      data: { reason: expect.any(String), successor: decision.incident.id },
    });
    expect(closes.incident.auditHead).toBe(closes.audit[0]!.hash);
    expect(verifyChain(t.chain(old.id))).toEqual({ valid: true, length: 4 });
  });

  it('does not reopen a closed incident, even inside the window', () => {
    const resolved = resolvedCpuIncident().current!;
    const closed: Incident = { ...resolved, status: 'closed' };
    const decision = applied(decide(closed, cpuAlarm(), later(resolved.resolvedAt!, 1)));
    expect(decision.outcome).toBe('opened');
    expect(decision.incident.id).not.toBe(resolved.id);
  });

  it('with a zero-minute window, any later firing signal opens a new incident', () => {
    const resolved = resolvedCpuIncident().current!;
    const decision = decideIngest({
      current: resolved,
      signal: cpuAlarm(),
      classification: classify(cpuAlarm()),
      signalKey: 'k',
      eventId: 'e',
      now: later(resolved.resolvedAt!, 1),
      reopenWindowMinutes: 0,
    });
    expect(decision.outcome).toBe('opened');
  });
});
