import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { createClassifier } from '../../functions/core/signals/classify.ts';
import { ingestEnvelope, type IngestDependencies } from '../../functions/workflow/record-signal.ts';
import { VirtualClock } from '../../functions/local/runtime.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';
import { InMemoryStore } from '../support/in-memory-store.ts';

const config = exampleConfig();

/** Ingest over the in-memory ports: proof that `IngestIncidentsPort` is all it needs. */
function ingest() {
  const store = new InMemoryStore();
  const clock = new VirtualClock('2026-11-23T09:00:00Z');
  const deps: IngestDependencies = {
    incidents: store.incidents,
    classify: createClassifier(config),
    now: clock.now,
    reopenWindowMinutes: config.dedup.reopenWindowMinutes,
    eventRetentionDays: config.eventRetentionDays,
    customSources: config.sources.custom,
  };
  return {
    store,
    published: store.outbox,
    clock,
    run: (name: string | ReturnType<typeof fixture>) => ingestEnvelope(typeof name === 'string' ? fixture(name) : name, deps),
  };
}

describe('ingest on the in-memory ports', () => {
  it('a redelivered event is a duplicate: one incident, one chain, one announcement (committed with the first delivery)', async () => {
    const { store, published, run } = ingest();
    const event = fixture('guardduty-finding-ec2-high-wrapped.json');
    const [first] = await run(event);
    const [again] = await run(event);
    expect(first).toMatchObject({ outcome: 'opened' });
    expect(again).toMatchObject({ outcome: 'duplicate', incidentId: first!.incidentId });
    expect(await store.incidents.listIncidents()).toHaveLength(1);
    expect(await store.incidents.getIncident(first!.incidentId!)).toMatchObject({ signalCount: 1, version: 1 });
    expect(verifyChain(store.audit(first!.incidentId!))).toEqual({ valid: true, length: 1 });
    expect(published.map((e) => e.detailType)).toEqual(['Incident Opened']);
    expect(published[0]!.detail).toMatchObject({ incidentId: first!.incidentId, version: 1 });
  });

  it('a new delivery of the same finding updates the incident its fingerprint points at', async () => {
    const { store, run } = ingest();
    const [first] = await run('guardduty-finding-ec2-high-wrapped.json');
    const [second] = await run(withNewId(fixture('guardduty-finding-ec2-high-wrapped.json')));
    expect(second).toMatchObject({ outcome: 'updated', incidentId: first!.incidentId });
    const incident = await store.incidents.getIncident(first!.incidentId!);
    expect(incident).toMatchObject({ signalCount: 2, version: 2 });
    expect(verifyChain(store.audit(incident!.id), { seq: incident!.auditSeq, hash: incident!.auditHead }).valid).toBe(true);
  });
});
