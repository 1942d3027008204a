/** (b) Ingest through the real handler on DynamoDB Local, with every DynamoDB request counted. */
import { performance } from 'node:perf_hooks';
import { localClient, startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { distinctEvents, repeatEvents, round, sizeFromEnvironment, type SectionInput } from '../bench-kit.ts';
import { meterDynamo } from '../dynamo-meter.ts';
import { distinctIngestRun, storedItemSizes } from '../ingest-runs.ts';

export async function ingestSection({ config, report }: SectionInput): Promise<void> {
  const { results } = report;
  // 10,000 distinct events straight into the ingest handler, 4 at a time: how cost grows with the table.
  // On a DynamoDB Local of its own: its 10,000 incidents slow every later stream read of a shared one.
  const count = sizeFromEnvironment('BENCH_DISTINCT_EVENTS', 10_000);
  const distinctDatabase = await startDynamoDbLocal();
  try {
    const distinct = await distinctIngestRun({
      config,
      endpoint: distinctDatabase.endpoint,
      events: distinctEvents(count),
      concurrency: 4,
    });
    results.ingestDistinct = distinct;
    report.add({
      measure: `ingest: ${count.toLocaleString('en-US')} distinct events (4 at a time)`,
      value: `${distinct.eventsPerSecond} events/s, ${distinct.incidents} incidents; per event by thousand: ${distinct.blocks
        .map((b) => `${b.writeUnitsPerEvent} WCU/${b.readUnitsPerEvent} RCU/${b.requestsPerEvent} req`)
        .join(' · ')}`,
    });
  } finally {
    await distinctDatabase.stop();
  }
  const database = await startDynamoDbLocal();
  try {
    for (const [label, events] of [['1,000 repeats of 10 fingerprints', repeatEvents(1_000, 10)]] as const) {
      // Ingest alone: notify (Slack, mitigation requests) is measured by the storm.
      const runtime = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-repeats', notify: false });
      const meter = meterDynamo(runtime.client, { sizeFrom: localClient(database.endpoint) });
      const t0 = performance.now();
      for (const event of events) {
        runtime.bus.put('default', event);
        await runtime.bus.drain();
      }
      if (runtime.bus.deadLetters.length)
        throw new Error(`benchmark events failed: ${runtime.bus.deadLetters[0]!.error?.message}`);
      const seconds = (performance.now() - t0) / 1000;
      const incidents = (await runtime.repositories.incidents.listIncidents(['open'], 2_000)).length;
      await runtime.stop();
      const figures = {
        events: events.length,
        incidents,
        eventsPerSecond: Math.round(events.length / seconds),
        requestsPerEvent: round(meter.requests / events.length),
        writeUnitsPerEvent: round(meter.writeUnits / events.length),
        readUnitsPerEvent: round(meter.readUnits / events.length),
        deadLetters: runtime.bus.deadLetters.length,
      };
      ((results.ingest ??= {}) as Record<string, unknown>)[label] = figures;
      report.add({
        measure: `ingest: ${label}`,
        value: `${figures.eventsPerSecond} events/s, ${figures.requestsPerEvent} requests/event, ${figures.writeUnitsPerEvent} WCU/event, ${figures.readUnitsPerEvent} RCU/event → ${incidents} incidents`,
      });
    }
    // One signal of each kind, side by side: the write units of its commit (the outbox item included).
    const runtime = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-units', notify: false });
    const meter = meterDynamo(runtime.client, { sizeFrom: localClient(database.endpoint) });
    const perSignal: Record<string, { writeUnits: number; readUnits: number }> = {};
    const [first] = distinctEvents(1);
    for (const [kind, event] of [
      ['new', first!],
      ['repeat', { ...first!, id: 'bench-repeat' }],
      ['duplicate delivery', { ...first!, id: 'bench-repeat' }],
    ] as const) {
      const before = { writeUnits: meter.writeUnits, readUnits: meter.readUnits };
      runtime.bus.put('default', event);
      await runtime.bus.drain();
      perSignal[kind] = {
        writeUnits: meter.writeUnits - before.writeUnits,
        readUnits: round(meter.readUnits - before.readUnits),
      };
    }
    const itemSizes = await storedItemSizes(runtime.client, runtime.tableName);
    await runtime.stop();
    results.itemSizes = itemSizes;
    report.add({
      measure: 'items as billed (bytes, names included)',
      value: Object.entries(itemSizes)
        .map(([kind, bytes]) => `${kind} ${bytes}`)
        .join(', '),
    });
    results.unitsPerSignal = perSignal;
    report.add({
      measure: 'ingest: units per signal',
      value: Object.entries(perSignal)
        .map(([kind, units]) => `${kind} ${units.writeUnits} WCU / ${units.readUnits} RCU`)
        .join(', '),
    });
  } finally {
    await database.stop();
  }
}
