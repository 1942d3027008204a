/** decideIngest: opening an incident, and updating it (helpers: decisions.ts). */
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyChain } from '../../../functions/core/audit/chain.ts';
import { CAPS } from '../../../functions/core/caps.ts';
import { decideIngest, incidentIdFor, INGEST_ACTOR, type Incident } from '../../../functions/core/incidents/incident.ts';

import { fixture } from '../../support.ts';
import { makeClassification, makeSignal } from '../helpers.ts';
import { classify, WINDOW, applied, decide, signalFrom, cpuAlarm, cpuOk, Timeline } from './decisions.ts';

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
