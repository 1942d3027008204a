import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { meterDynamo } from '../../bench/dynamo-meter.ts';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { RECENT_SIGNALS, REPEAT_AUDIT_INTERVAL_MS } from '../../functions/core/incidents/incident.ts';
import { localClient } from '../../functions/local/dynamodb-local.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';
import { ingestHarness, type IngestHarness } from '../support/ingest-harness.ts';

/**
 * Repeats of an open incident that change nothing but its count coalesce: one conditional update of
 * the incident (which records the signal's digest) and the processed-event marker, no transaction,
 * no audit entry, nothing announced — until a state change or the audit interval.
 */
const config = exampleConfig();
const eventBridge = mockClient(EventBridgeClient);
let harness: IngestHarness;

afterAll(() => harness?.close());

beforeEach(async () => {
  harness?.close();
  harness = await ingestHarness('ingest-repeats', config);
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
});

const alarm = () => fixture('cloudwatch-alarm-state-change-alarm.json') as { id: string; detail: Record<string, unknown> };
const published = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({ type: entry.DetailType, detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown> }));

/** Which DynamoDB commands a client sends, by name. */
function commandLog(client: IngestHarness['table']['client']): string[] {
  const log: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      log.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: `commandLog${Math.random()}` },
  );
  return log;
}

describe('repeats coalesce on DynamoDB Local', () => {
  it('records a repeat inside the audit interval in one conditional update and its marker: 2 WCU, no audit entry, nothing announced', async () => {
    const opened = await harness.ingest(alarm());
    const id = opened.outcomes[0]!.incidentId!;
    const auditBefore = await harness.store.getAudit(id);
    harness.clock.advance(10_000);
    const meter = meterDynamo(harness.table.client, { sizeFrom: localClient(harness.table.endpoint) });
    const log = commandLog(harness.table.client);
    const repeat = await harness.ingest(withNewId(alarm()));
    expect(repeat.outcomes[0]).toMatchObject({ outcome: 'updated', incidentId: id });
    expect(log.filter((name) => !/^(Get|Query|Scan)/.test(name))).toEqual(['UpdateItemCommand', 'PutItemCommand']);
    expect(meter.transactions).toEqual([]);
    expect(meter.writeUnits).toBe(2);
    const incident = await harness.store.getIncident(id);
    expect(incident).toMatchObject({ signalCount: 2, version: 2, updatedAt: '2026-11-23T09:00:00.000Z' });
    expect(await harness.store.getAudit(id)).toEqual(auditBefore);
    expect(published().map((e) => e.type)).toEqual(['Incident Opened']);
  });

  it('audits and announces the first repeat after the interval, with the count that coalesced before it', async () => {
    const opened = await harness.ingest(alarm());
    const id = opened.outcomes[0]!.incidentId!;
    for (let i = 0; i < 5; i++) {
      harness.clock.advance(5_000);
      await harness.ingest(withNewId(alarm()));
    }
    harness.clock.advance(REPEAT_AUDIT_INTERVAL_MS);
    await harness.ingest(withNewId(alarm()));
    const audit = await harness.store.getAudit(id);
    expect(audit.map((entry) => [entry.action, entry.data.signalCount])).toEqual([
      ['incident.opened', undefined],
      ['signal.recorded', 7],
    ]);
    expect(verifyChain(audit).valid).toBe(true);
    expect(published().map((e) => [e.type, e.detail.signalCount, e.detail.version])).toEqual([
      ['Incident Opened', 1, 1],
      ['Incident Updated', 7, 7],
    ]);
    // The audited commit starts a new interval: the next repeat coalesces again.
    harness.clock.advance(1_000);
    await harness.ingest(withNewId(alarm()));
    expect((await harness.store.getAudit(id)).length).toBe(2);
  });

  it('finds a repeat whose first delivery crashed between the update and its marker, and writes the marker then', async () => {
    const opened = await harness.ingest(alarm());
    const id = opened.outcomes[0]!.incidentId!;
    harness.clock.advance(1_000);
    let crashed = false;
    harness.table.client.middlewareStack.add(
      (next) => async (args) => {
        const item = (args.input as { Item?: { pk?: { S?: string } } }).Item;
        if (!crashed && item?.pk?.S?.startsWith('EVT#')) {
          crashed = true;
          throw new Error('the function crashed before the marker');
        }
        return next(args);
      },
      { step: 'build', name: 'crashBeforeMarker' },
    );
    const repeat = withNewId(alarm(), 'repeat-1');
    await expect(harness.ingest(repeat)).rejects.toThrow('crashed before the marker');
    expect(await harness.store.getIncident(id)).toMatchObject({ signalCount: 2 });
    // Lambda retries the delivery: no marker yet, but the incident remembers the signal.
    const retried = await harness.ingest(structuredClone(repeat));
    expect(retried.outcomes[0]).toMatchObject({ outcome: 'duplicate', incidentId: id });
    expect(await harness.store.getIncident(id)).toMatchObject({ signalCount: 2, version: 2 });
    // Its marker now exists, so a redelivery after the digest has left the incident's list is still found.
    for (let i = 0; i < RECENT_SIGNALS; i++) {
      harness.clock.advance(1_000);
      await harness.ingest(withNewId(alarm()));
    }
    const late = await harness.ingest(structuredClone(repeat));
    expect(late.outcomes[0]).toMatchObject({ outcome: 'duplicate' });
    expect(await harness.store.getIncident(id)).toMatchObject({ signalCount: 2 + RECENT_SIGNALS });
  });

  it('counts once two deliveries of one repeat that race past the marker read', async () => {
    const opened = await harness.ingest(alarm());
    const id = opened.outcomes[0]!.incidentId!;
    harness.clock.advance(1_000);
    const repeat = withNewId(alarm(), 'racing-repeat');
    const outcomes = await Promise.all([harness.ingest(repeat), harness.ingest(structuredClone(repeat))]);
    expect(outcomes.map((r) => r.outcomes[0]!.outcome).sort()).toEqual(['duplicate', 'updated']);
    expect(await harness.store.getIncident(id)).toMatchObject({ signalCount: 2, version: 2 });
  });

  it('keeps 200 concurrent repeats exact: the count, a valid chain, and at most one audited repeat per interval', async () => {
    const opened = await harness.ingest(alarm());
    const id = opened.outcomes[0]!.incidentId!;
    for (let round = 0; round < 4; round++) {
      harness.clock.advance(30_000);
      await Promise.all(Array.from({ length: 50 }, (_, i) => harness.ingest(withNewId(alarm(), `r${round}-${i}`))));
    }
    const incident = await harness.store.getIncident(id);
    expect(incident).toMatchObject({ signalCount: 201 });
    const audit = await harness.store.getAudit(id);
    expect(verifyChain(audit).valid).toBe(true);
    // Two minutes of repeats: at most one audited repeat per minute after the opening.
    expect(audit.filter((entry) => entry.action === 'signal.recorded').length).toBeLessThanOrEqual(3);
    // 200 transactions racing on DynamoDB Local: about 25 s on a quiet 2-core machine, several times that when it is busy.
  }, 180_000);
});
