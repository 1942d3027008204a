import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { meterDynamo } from '../../bench/dynamo-meter.ts';
import { auditHeadFromImage } from '../../functions/adapters/dynamodb/audit-chains.ts';
import { keys } from '../../functions/adapters/dynamodb/table.ts';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { incidentIdFor } from '../../functions/core/incidents/incident.ts';
import { localClient } from '../../functions/local/dynamodb-local.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';
import { ingestHarness, type IngestHarness } from '../support/ingest-harness.ts';

/**
 * A new incident is one transaction of two items: the incident, whose id derives from the
 * fingerprint (its conditional put is the fingerprint's claim, and it remembers the opening signal
 * for good instead of a marker), and its opening audit entry, which carries the events the relay
 * publishes (the outbox in the audit entry).
 */
const config = exampleConfig();
const eventBridge = mockClient(EventBridgeClient);
let harness: IngestHarness;

afterAll(() => harness?.close());

beforeEach(async () => {
  harness?.close();
  harness = await ingestHarness('ingest-opening', config);
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
});

const alarm = () => fixture('cloudwatch-alarm-state-change-alarm.json');
const ok = () => fixture('cloudwatch-alarm-state-change-ok-derived.json');
const published = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({ type: entry.DetailType, detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown> }));

async function items(): Promise<Array<Record<string, unknown>>> {
  const out = await harness.table.client.send(new ScanCommand({ TableName: harness.table.tableName }));
  return (out.Items ?? []).map((item) => unmarshall(item));
}

describe('a new signal on DynamoDB Local', () => {
  it('opens an incident in one transaction of two items under 1 KB each: 4 write units, its audit entry included', async () => {
    const meter = meterDynamo(harness.table.client, { sizeFrom: localClient(harness.table.endpoint) });
    const opened = await harness.ingest(alarm());
    const id = opened.outcomes[0]!.incidentId!;
    expect(meter.transactions).toEqual([4]);
    expect(meter.writeUnits).toBe(4);
    // Eventually consistent reads of the marker and the first incident (0.5 each), then the lock of an older fingerprint (1).
    expect(meter.readUnits).toBe(2);
    const kinds = (await items()).map((item) => `${String(item.pk).split('#')[0]}/${String(item.sk).split('#')[0]}`).sort();
    // No fingerprint lock, no outbox item, no processed-event marker.
    expect(kinds).toEqual(['INC/AUD', 'INC/META']);
    const incident = await harness.store.getIncident(id);
    expect(id).toBe(incidentIdFor(incident!.fingerprint));
    const audit = await harness.store.getAudit(id);
    expect(verifyChain(audit, { seq: incident!.auditSeq, hash: incident!.auditHead }).valid).toBe(true);
    // The relay published the announcement from the audit entry, exactly as it was built.
    expect(published()).toEqual([{ type: 'Incident Opened', detail: expect.objectContaining({ incidentId: id, version: 1 }) }]);
    expect(await harness.relay.pump()).toBe(0);
  });

  it('the audit entry carrying events is still an audit entry to the notary', async () => {
    const opened = await harness.ingest(alarm());
    const id = opened.outcomes[0]!.incidentId!;
    const entry = (await items()).find((item) => String(item.sk).startsWith('AUD#'))!;
    expect(entry.events).toMatch(/^deflate:/);
    expect(auditHeadFromImage(marshall(entry) as never)).toMatchObject({ incidentId: id, seq: 1 });
  });

  it('finds a redelivery of the opening signal on its incident, however many repeats came after: nothing written', async () => {
    const event = alarm();
    const opened = await harness.ingest(event);
    const id = opened.outcomes[0]!.incidentId!;
    for (let i = 0; i < 12; i++) {
      harness.clock.advance(1_000);
      await harness.ingest(withNewId(alarm(), `repeat-${i}`));
    }
    const meter = meterDynamo(harness.table.client, { sizeFrom: localClient(harness.table.endpoint) });
    const again = await harness.ingest(structuredClone(event));
    expect(again.outcomes[0]).toMatchObject({ outcome: 'duplicate', incidentId: id });
    expect(meter.writeUnits).toBe(0);
    expect(meter.readUnits).toBeLessThanOrEqual(1);
    expect(await harness.store.getIncident(id)).toMatchObject({ signalCount: 13 });
  });

  it('counts once two deliveries of one new event racing past the reads, and two different ones open one incident', async () => {
    const event = alarm();
    const [a, b, c] = await Promise.all([
      harness.ingest(event),
      harness.ingest(structuredClone(event)),
      harness.ingest(withNewId(alarm(), 'other')),
    ]);
    const outcomes = [a, b, c].map((r) => r.outcomes[0]!);
    expect(new Set(outcomes.map((o) => o.incidentId)).size).toBe(1);
    expect(outcomes.filter((o) => o.outcome === 'opened')).toHaveLength(1);
    expect(await harness.store.getIncident(outcomes[0]!.incidentId!)).toMatchObject({ signalCount: 2 });
    expect(published().filter((e) => e.type === 'Incident Opened')).toHaveLength(1);
  });

  it('points the fingerprint from its first incident at each incident replacing it after the reopen window', async () => {
    const window = (config.dedup.reopenWindowMinutes + 1) * 60_000;
    const ids: string[] = [];
    for (let generation = 0; generation < 3; generation++) {
      const opened = await harness.ingest(withNewId(alarm(), `open-${generation}`));
      expect(opened.outcomes[0]).toMatchObject({ outcome: 'opened' });
      ids.push(opened.outcomes[0]!.incidentId!);
      harness.clock.advance(60_000);
      await harness.ingest(withNewId(ok(), `ok-${generation}`));
      harness.clock.advance(window);
    }
    const fingerprint = (await harness.store.getIncident(ids[0]!))!.fingerprint;
    expect(ids).toEqual([
      incidentIdFor(fingerprint),
      incidentIdFor(fingerprint, ids[0]),
      incidentIdFor(fingerprint, incidentIdFor(fingerprint, ids[0])),
    ]);
    expect((await harness.store.findByFingerprint(fingerprint))!.id).toBe(ids[2]);
    for (const id of ids.slice(0, 2)) {
      expect(await harness.store.getIncident(id)).toMatchObject({ status: 'closed' });
      expect(verifyChain(await harness.store.getAudit(id)).valid).toBe(true);
    }
    // The pointer is the fingerprint's, not the incident's: never read into it, never written back by its updates.
    expect(await harness.store.getIncident(ids[0]!)).not.toHaveProperty('fingerprintCurrent');
    const first = (await items()).find((item) => item.pk === `INC#${ids[0]}` && item.sk === 'META');
    expect(first).toMatchObject({ fingerprintCurrent: ids[2] });
    // Past the third's window too: a fourth replaces it, and the pointer moves on again.
    const reopened = await harness.ingest(withNewId(alarm(), 'late'));
    expect(reopened.outcomes[0]).toMatchObject({ outcome: 'opened', incidentId: incidentIdFor(fingerprint, ids[2]) });
  });

  it('keeps using the lock item of a fingerprint whose incident was opened before derived ids', async () => {
    // An incident as the previous version stored it: an id derived from its delivery, and a lock.
    const opened = await harness.ingest(alarm());
    const derived = opened.outcomes[0]!.incidentId!;
    const stored = (await items()).find((item) => item.pk === `INC#${derived}` && item.sk === 'META')!;
    const legacyId = 'INC-0LD0000001';
    const fingerprint = String(stored.fingerprint);
    const { DeleteCommand, DynamoDBDocumentClient, PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const doc = DynamoDBDocumentClient.from(harness.table.client);
    const TableName = harness.table.tableName;
    await doc.send(new DeleteCommand({ TableName, Key: keys.incident(derived) }));
    await doc.send(
      new PutCommand({
        TableName,
        Item: {
          ...stored,
          ...keys.incident(legacyId),
          id: legacyId,
          gsi1pk: stored.gsi1pk,
          gsi1sk: `${String(stored.openedAt)}#${legacyId}`,
        },
      }),
    );
    await doc.send(
      new PutCommand({
        TableName,
        Item: { ...keys.fingerprintLock(fingerprint), type: 'fingerprint-lock', incidentId: legacyId },
      }),
    );

    harness.clock.advance(5_000);
    expect((await harness.ingest(withNewId(alarm(), 'repeat'))).outcomes[0]).toMatchObject({
      outcome: 'updated',
      incidentId: legacyId,
    });
    await harness.ingest(withNewId(ok(), 'ok'));
    harness.clock.advance((config.dedup.reopenWindowMinutes + 1) * 60_000);
    const next = await harness.ingest(withNewId(alarm(), 'after-window'));
    expect(next.outcomes[0]).toMatchObject({ outcome: 'opened', incidentId: incidentIdFor(fingerprint, legacyId) });
    expect((await harness.store.findByFingerprint(fingerprint))!.id).toBe(incidentIdFor(fingerprint, legacyId));
    expect(await harness.store.getIncident(legacyId)).toMatchObject({ status: 'closed' });
  });
});
