import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyChain, type AuditEntry } from '../../../functions/core/audit/chain.ts';
import { CAPS } from '../../../functions/core/caps.ts';
import { createClassifier, type Classification } from '../../../functions/core/signals/classify.ts';
import {
  decideIngest,
  incidentIdFor,
  INGEST_ACTOR,
  RECENT_SIGNALS,
  worseSeverity,
  type Incident,
  type IngestDecision,
} from '../../../functions/core/incidents/incident.ts';
import { signalKeyFor, signalKeysFor } from '../../../functions/core/incidents/signal-keys.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import type { EventEnvelope, Signal } from '../../../functions/core/signals/signal.ts';
import { exampleConfig, fixture, withNewId } from '../../support.ts';
import { makeClassification, makeSignal } from '../helpers.ts';

const classify = createClassifier(exampleConfig());
const WINDOW = 60;

type Applied = Extract<IngestDecision, { incident: Incident }>;

/** Asserts the decision changes an incident and narrows it. */
function applied(decision: IngestDecision): Applied {
  if (!('incident' in decision)) throw new Error(`expected an incident change, got ${decision.outcome}: ${decision.reason}`);
  return decision;
}

let delivery = 0;
/** One decision for a signal, with the classification the example config gives it unless one is passed. */
function decide(
  current: Incident | undefined,
  signal: Signal,
  now: string,
  classification: Classification = classify(signal),
  reopenWindowMinutes = WINDOW,
) {
  const eventId = `evt-${++delivery}`;
  return decideIngest({
    current,
    signal,
    classification,
    signalKey: signalKeyFor(eventId, signal, 0),
    eventId,
    now,
    reopenWindowMinutes,
  });
}

/** Replays decisions the way the store would apply them, keeping every audit entry written per incident. */
class Timeline {
  current: Incident | undefined;
  readonly audit = new Map<string, AuditEntry[]>();

  apply(decision: IngestDecision): IngestDecision {
    if (!('incident' in decision)) return decision;
    if (this.current && decision.outcome !== 'opened') expect(decision.expectedVersion).toBe(this.current.version);
    if (decision.closes) this.log(decision.closes.incident.id, decision.closes.audit);
    this.log(decision.incident.id, decision.audit);
    this.current = decision.incident;
    return decision;
  }

  step(signal: Signal, now: string, classification?: Classification): IngestDecision {
    return this.apply(decide(this.current, signal, now, classification));
  }

  chain(id: string): AuditEntry[] {
    return this.audit.get(id) ?? [];
  }

  private log(id: string, entries: readonly AuditEntry[]) {
    this.audit.set(id, [...this.chain(id), ...entries]);
  }
}

const signalFrom = (event: EventEnvelope): Signal => normalizeEvent(event).signals[0]!;
const cpuAlarm = () => signalFrom(fixture('cloudwatch-alarm-state-change-alarm.json'));
const cpuOk = () => signalFrom(fixture('cloudwatch-alarm-state-change-ok-derived.json'));
const later = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/** The Inspector ACTIVE sample re-targeted at one instance, with a status and time of its own. */
function inspector(instanceId: string, status: 'ACTIVE' | 'CLOSED', time: string): Signal {
  const event = withNewId(fixture('inspector2-finding-ec2-package-vulnerability-active.json'));
  const detail = event.detail as { status: string; resources: Array<{ id: string }> };
  detail.status = status;
  detail.resources[0]!.id = instanceId;
  return signalFrom({ ...event, time, resources: [instanceId] });
}

describe('decideIngest: opening', () => {
  it('opens an incident on the first firing signal, at version 1 with a valid two-entry chain', () => {
    const signal = cpuAlarm();
    const classification = classify(signal);
    const now = '2026-03-01T09:00:00.000Z';
    const decision = applied(
      decideIngest({
        current: undefined,
        signal,
        classification,
        signalKey: 'evt-a#k#0',
        eventId: 'evt-a',
        now,
        reopenWindowMinutes: WINDOW,
      }),
    );
    expect(decision.outcome).toBe('opened');
    expect(decision.expectedVersion).toBe(0);
    expect(decision.changes).toEqual(['opened']);
    expect(decision.closes).toBeUndefined();
    const incident = decision.incident;
    expect(incident).toMatchObject({
      id: incidentIdFor(classification.fingerprint),
      status: 'open',
      severity: 'SEV3',
      category: 'performance',
      channel: 'C0INCIDENTS',
      rule: 'CloudWatch saturation or latency alarm',
      fingerprint: classification.fingerprint,
      title: 'CloudWatch alarm ServerCpuTooHigh',
      description: signal.description,
      url: signal.url,
      source: 'aws.cloudwatch',
      kind: 'alarm',
      subject: signal.subject,
      account: '123456789012',
      region: 'us-east-1',
      signalCount: 1,
      reopenCount: 0,
      firstSeen: '2019-10-02T17:04:40.000Z',
      lastSeen: '2019-10-02T17:04:40.000Z',
      lastFiringAt: '2019-10-02T17:04:40.000Z',
      openedAt: now,
      updatedAt: now,
      version: 1,
      auditSeq: 1,
    });
    expect(incident).not.toHaveProperty('resolvedAt');
    expect(incident.resources).toEqual(signal.resources);
    expect(incident.firingResources).toEqual(signal.resources);

    const audit = decision.audit;
    // One entry per new incident: the opening signal rides in it.
    expect(audit.map((e) => e.action)).toEqual(['incident.opened']);
    expect(verifyChain(audit)).toEqual({ valid: true, length: 1 });
    expect(audit[0]!.prevHash).toBe(GENESIS_HASH);
    expect(incident.auditHead).toBe(audit[0]!.hash);
    for (const entry of audit) expect(entry).toMatchObject({ incidentId: incident.id, at: now, actor: INGEST_ACTOR });
    expect(audit[0]!.data).toEqual({
      severity: 'SEV3',
      category: 'performance',
      rule: 'CloudWatch saturation or latency alarm',
      fingerprint: classification.fingerprint,
      channel: 'C0INCIDENTS',
      mitigations: [],
      signal: expect.any(Object),
    });
    expect(audit[0]!.data.signal).toMatchObject({
      eventId: 'evt-a',
      source: 'aws.cloudwatch',
      state: 'firing',
      observedAt: signal.observedAt,
    });
  });

  it('ignores a recovery when nothing is open for its fingerprint', () => {
    for (const signal of [cpuOk(), signalFrom(fixture('cloudwatch-alarm-state-change-ok-canary.json'))]) {
      const decision = decide(undefined, signal, '2026-03-01T09:00:00.000Z');
      expect(decision.outcome).toBe('ignored');
      expect(decision).not.toHaveProperty('incidentId');
    }
  });

  it('suppresses a suppressed classification whatever is open', () => {
    const copy = signalFrom(fixture('securityhub-findings-imported-guardduty-ec2-wrapped.json'));
    expect(decide(undefined, copy, '2026-03-01T09:00:00.000Z')).toMatchObject({ outcome: 'suppressed' });
    const open = applied(decide(undefined, cpuAlarm(), '2026-03-01T09:00:00.000Z')).incident;
    const decision = decide(
      open,
      cpuAlarm(),
      '2026-03-01T09:01:00.000Z',
      makeClassification({ suppressed: true, rule: 'drop it' }),
    );
    expect(decision).toEqual({ outcome: 'suppressed', reason: expect.stringContaining('drop it') });
  });

  it('uses the subject as the resource of a signal without resources', () => {
    const signal = makeSignal({ resources: [], subject: 'checkout-api' });
    const incident = applied(decide(undefined, signal, '2026-03-01T10:00:00.000Z', makeClassification())).incident;
    expect(incident.resources).toEqual(['checkout-api']);
    expect(incident.firingResources).toEqual(['checkout-api']);
    const recovered = decide(
      incident,
      { ...signal, state: 'recovered', observedAt: '2026-03-01T10:05:00.000Z' },
      '2026-03-01T10:05:00.000Z',
      makeClassification(),
    );
    expect(recovered.outcome).toBe('resolved');
  });

  it('does not mutate the current incident', () => {
    const open = applied(decide(undefined, cpuAlarm(), '2026-03-01T09:00:00.000Z')).incident;
    const snapshot = structuredClone(open);
    decide(
      open,
      { ...cpuAlarm(), observedAt: '2026-03-01T09:00:30.000Z' },
      '2026-03-01T09:01:00.000Z',
      makeClassification({ severity: 'SEV1' }),
    );
    decide(open, cpuOk(), '2026-03-01T09:01:00.000Z');
    expect(open).toEqual(snapshot);
  });
});

describe('decideIngest: updates', () => {
  it('a repeat bumps signalCount, keeps the latest lastSeen, unions resources and versions by one', () => {
    const t = new Timeline();
    const first = applied(
      t.step(
        makeSignal({ resources: ['i-0aaaaaaaaaaaaaaa1'], observedAt: '2026-03-01T10:00:00.000Z' }),
        '2026-03-01T10:00:01.000Z',
        makeClassification(),
      ),
    );
    const second = applied(
      t.step(
        makeSignal({ resources: ['i-0bbbbbbbbbbbbbbb2', 'i-0aaaaaaaaaaaaaaa1'], observedAt: '2026-03-01T10:05:00.000Z' }),
        '2026-03-01T10:05:01.000Z',
        makeClassification(),
      ),
    );
    expect(second.outcome).toBe('updated');
    expect(second.changes).toEqual(['signal']);
    expect(second.expectedVersion).toBe(first.incident.version);
    expect(second.incident).toMatchObject({
      id: first.incident.id,
      status: 'open',
      signalCount: 2,
      version: 2,
      firstSeen: '2026-03-01T10:00:00.000Z',
      lastSeen: '2026-03-01T10:05:00.000Z',
      lastFiringAt: '2026-03-01T10:05:00.000Z',
      openedAt: '2026-03-01T10:00:01.000Z',
      updatedAt: '2026-03-01T10:05:01.000Z',
    });
    expect(second.incident.resources).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2']);
    expect(second.incident.firingResources).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2']);

    // The chain continues from the incident's head.
    expect(second.audit.map((e) => e.action)).toEqual(['signal.recorded']);
    expect(second.audit[0]!.seq).toBe(first.incident.auditSeq + 1);
    expect(second.audit[0]!.prevHash).toBe(first.incident.auditHead);
    expect(second.incident.auditSeq).toBe(2);
    expect(second.incident.auditHead).toBe(second.audit[0]!.hash);
    expect(verifyChain(t.chain(first.incident.id))).toEqual({ valid: true, length: 2 });

    // An out-of-order older signal does not move lastSeen or lastFiringAt back.
    const third = applied(
      t.step(makeSignal({ observedAt: '2026-03-01T09:59:00.000Z' }), '2026-03-01T10:06:00.000Z', makeClassification()),
    );
    expect(third.incident).toMatchObject({
      signalCount: 3,
      version: 3,
      lastSeen: '2026-03-01T10:05:00.000Z',
      lastFiringAt: '2026-03-01T10:05:00.000Z',
    });
  });

  it('raises severity automatically with a severity_raised change and audit entry', () => {
    const t = new Timeline();
    const opened = applied(t.step(makeSignal(), '2026-03-01T10:00:00.000Z', makeClassification({ severity: 'SEV3' })));
    const raised = applied(
      t.step(
        makeSignal({ observedAt: '2026-03-01T10:01:00.000Z' }),
        '2026-03-01T10:01:00.000Z',
        makeClassification({ severity: 'SEV1' }),
      ),
    );
    expect(raised.outcome).toBe('updated');
    expect(raised.incident.severity).toBe('SEV1');
    expect(raised.changes).toEqual(['signal', 'severity_raised']);
    expect(raised.audit.map((e) => [e.action, e.data])).toEqual([
      ['signal.recorded', expect.any(Object)],
      ['incident.severity_raised', { from: 'SEV3', to: 'SEV1' }],
    ]);
    expect(raised.incident.version).toBe(opened.incident.version + 1);
    expect(raised.incident.auditSeq).toBe(3);
    expect(verifyChain(t.chain(opened.incident.id))).toEqual({ valid: true, length: 3 });
  });

  it('never lowers severity automatically', () => {
    const t = new Timeline();
    t.step(makeSignal(), '2026-03-01T10:00:00.000Z', makeClassification({ severity: 'SEV2' }));
    const lower = applied(
      t.step(
        makeSignal({ observedAt: '2026-03-01T10:01:00.000Z' }),
        '2026-03-01T10:01:00.000Z',
        makeClassification({ severity: 'SEV4' }),
      ),
    );
    expect(lower.incident.severity).toBe('SEV2');
    expect(lower.changes).toEqual(['signal']);
    expect(lower.audit.map((e) => e.action)).toEqual(['signal.recorded']);
    const same = applied(
      t.step(
        makeSignal({ observedAt: '2026-03-01T10:02:00.000Z' }),
        '2026-03-01T10:02:00.000Z',
        makeClassification({ severity: 'SEV2' }),
      ),
    );
    expect(same.changes).toEqual(['signal']);
  });

  it('keeps an acknowledged incident acknowledged on a new firing signal', () => {
    const open = applied(decide(undefined, makeSignal(), '2026-03-01T10:00:00.000Z', makeClassification())).incident;
    const acknowledged: Incident = { ...open, status: 'acknowledged' };
    const next = applied(
      decide(
        acknowledged,
        makeSignal({ observedAt: '2026-03-01T10:01:00.000Z' }),
        '2026-03-01T10:01:00.000Z',
        makeClassification(),
      ),
    );
    expect(next.outcome).toBe('updated');
    expect(next.incident.status).toBe('acknowledged');
  });

  it('caps stored resources and firing resources, counting what was left out', () => {
    const many = Array.from({ length: 150 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    const opened = applied(decide(undefined, makeSignal({ resources: many }), '2026-03-01T10:00:00.000Z', makeClassification()));
    expect(opened.incident.resources).toEqual(many.slice(0, CAPS.incidentResources.count));
    expect(opened.incident.resourcesOmitted).toBe(150 - CAPS.incidentResources.count);
    expect(opened.incident.firingResources).toEqual(many.slice(0, CAPS.firingResources.count));
    expect(opened.incident.firingOverflow).toBe(true);
    const more = applied(
      decide(opened.incident, makeSignal({ resources: ['i-extra'] }), '2026-03-01T10:01:00.000Z', makeClassification()),
    );
    expect(more.incident.resources).toEqual(opened.incident.resources);
    expect(more.incident.resourcesOmitted).toBe(100);
    expect(more.incident.firingResources).toEqual(opened.incident.firingResources);
  });

  it('keeps the merged resources within the byte cap however many repeats add long ones', () => {
    const classification = makeClassification();
    const long = (i: number) => `arn:aws:ec2:eu-west-1:123456789012:volume/vol-${String(i).padStart(200, '0')}`;
    let incident = applied(
      decide(undefined, makeSignal({ resources: [long(0)] }), '2026-03-01T10:00:00.000Z', classification),
    ).incident;
    for (let i = 1; i <= 30; i++)
      incident = applied(
        decide(
          incident,
          makeSignal({ resources: [long(i)] }),
          `2026-03-01T10:${String(i).padStart(2, '0')}:00.000Z`,
          classification,
        ),
      ).incident;
    const bytes = (list: readonly string[]) => list.reduce((sum, r) => sum + Buffer.byteLength(r) + 1, 0);
    expect(bytes(incident.resources)).toBeLessThanOrEqual(CAPS.incidentResources.bytes);
    expect(bytes(incident.firingResources)).toBeLessThanOrEqual(CAPS.firingResources.bytes);
    // First come, first kept: a repeat never pushes out what is already stored.
    expect(incident.resources).toEqual([long(0), long(1), long(2), long(3)]);
    expect(incident.resourcesOmitted).toBe(1);
    expect(incident.firingOverflow).toBe(true);
  });

  it('never auto-resolves an incident whose signal named more resources than it kept', () => {
    const classification = makeClassification();
    const open = applied(
      decide(
        undefined,
        makeSignal({ resources: ['i-0aaaaaaaaaaaaaaa1'], resourcesOmitted: 3 }),
        '2026-03-01T10:00:00.000Z',
        classification,
      ),
    ).incident;
    expect(open).toMatchObject({ firingOverflow: true, resourcesOmitted: 3 });
    const recovered = decide(
      open,
      makeSignal({ state: 'recovered', resources: ['i-0aaaaaaaaaaaaaaa1'], observedAt: '2026-03-01T11:00:00.000Z' }),
      '2026-03-01T11:00:00.000Z',
      classification,
    );
    expect(recovered.outcome).toBe('updated');
  });
});

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
