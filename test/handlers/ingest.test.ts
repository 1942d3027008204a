import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { InvalidEventError } from '../../functions/core/signals/signal.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';
import { ingestHarness, type IngestHarness } from '../support/ingest-harness.ts';
import { meterDynamo } from '../../bench/dynamo-meter.ts';

const config = exampleConfig();
const eventBridge = mockClient(EventBridgeClient);
let harness: IngestHarness | undefined;
let table: IngestHarness['table'];
let store: IngestHarness['store'];
let clock: IngestHarness['clock'];
let ingest: IngestHarness['ingest'];
let relay: IngestHarness['relay'];

afterAll(() => harness?.close());

beforeEach(async () => {
  harness?.close();
  harness = await ingestHarness('ingest', config);
  ({ table, store, clock, ingest, relay } = harness);
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
});

const published = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((e) => ({ ...e, Detail: JSON.parse(e.Detail ?? '{}') }));

async function itemCount(): Promise<number> {
  const out = await table!.client.send(new ScanCommand({ TableName: table!.tableName, Select: 'COUNT' }));
  return out.Count ?? 0;
}

describe('ingest handler on DynamoDB Local', () => {
  it('opens a classified incident, records its signal in a valid audit chain, and announces it', async () => {
    const result = await ingest(fixture('guardduty-finding-ec2-high-wrapped.json'));
    expect(result.outcomes).toEqual([
      expect.objectContaining({ outcome: 'opened', severity: 'SEV2', category: 'security', rule: 'GuardDuty high finding' }),
    ]);
    const incident = await store.getIncident(result.outcomes[0]!.incidentId!);
    expect(incident).toMatchObject({ status: 'open', signalCount: 1, subject: 'i-99999999', channel: 'C0SECURITY1', version: 1 });
    const audit = await store.getAudit(incident!.id);
    expect(audit.map((a) => a.action)).toEqual(['incident.opened']);
    expect(audit[0]!.data.signal).toMatchObject({ source: 'aws.guardduty', state: 'firing' });
    expect(verifyChain(audit)).toEqual({ valid: true, length: 1 });
    expect(published()).toEqual([
      expect.objectContaining({
        Source: 'firebreak',
        DetailType: 'Incident Opened',
        EventBusName: 'firebreak',
        Detail: expect.objectContaining({ incidentId: incident!.id, version: 1, severity: 'SEV2' }),
      }),
    ]);
  });

  it('counts a repeat signal on the same incident instead of opening another', async () => {
    const first = await ingest(fixture('guardduty-finding-ec2-high-wrapped.json'));
    clock.advance(60_000);
    const repeat = await ingest(withNewId(fixture('guardduty-finding-ec2-high-wrapped.json')));
    expect(repeat.outcomes[0]).toMatchObject({ outcome: 'updated', incidentId: first.outcomes[0]!.incidentId });
    const incident = await store.getIncident(first.outcomes[0]!.incidentId!);
    expect(incident).toMatchObject({ signalCount: 2, version: 2 });
    expect(verifyChain(await store.getAudit(incident!.id)).valid).toBe(true);
    expect(published().map((e) => e.DetailType)).toEqual(['Incident Opened', 'Incident Updated']);
  });

  it("resolves an alarm's incident when the alarm returns to OK", async () => {
    const opened = await ingest(fixture('cloudwatch-alarm-state-change-alarm.json'));
    clock.advance(5 * 60_000);
    const ok = await ingest(fixture('cloudwatch-alarm-state-change-ok-derived.json'));
    expect(ok.outcomes[0]).toMatchObject({ outcome: 'resolved', incidentId: opened.outcomes[0]!.incidentId });
    const incident = await store.getIncident(opened.outcomes[0]!.incidentId!);
    expect(incident).toMatchObject({ status: 'resolved', resolvedAt: '2026-11-23T09:05:00.000Z', firingResources: [] });
    expect((await store.listIncidents(['resolved'])).map((i) => i.id)).toEqual([incident!.id]);
    expect(await store.listIncidents(['open'])).toEqual([]);
    expect(published().at(-1)).toMatchObject({ DetailType: 'Incident Resolved' });
  });

  it('reopens a resolved incident on a signal inside the reopen window, and opens a new one after it', async () => {
    const opened = await ingest(fixture('cloudwatch-alarm-state-change-alarm.json'));
    const id = opened.outcomes[0]!.incidentId!;
    await ingest(fixture('cloudwatch-alarm-state-change-ok-derived.json'));
    clock.advance(10 * 60_000);
    const reopened = await ingest(withNewId(fixture('cloudwatch-alarm-state-change-alarm.json')));
    expect(reopened.outcomes[0]).toMatchObject({ outcome: 'reopened', incidentId: id });
    expect(await store.getIncident(id)).toMatchObject({ status: 'open', reopenCount: 1 });
    expect((await store.getIncident(id))?.resolvedAt).toBeUndefined();

    await ingest(withNewId(fixture('cloudwatch-alarm-state-change-ok-derived.json')));
    clock.advance(61 * 60_000);
    const fresh = await ingest(withNewId(fixture('cloudwatch-alarm-state-change-alarm.json')));
    expect(fresh.outcomes[0]).toMatchObject({ outcome: 'opened' });
    expect(fresh.outcomes[0]!.incidentId).not.toBe(id);
    expect(await store.getIncident(id)).toMatchObject({ status: 'closed' });
    const oldAudit = await store.getAudit(id);
    expect(oldAudit.at(-1)?.action).toBe('incident.closed');
    expect(verifyChain(oldAudit).valid).toBe(true);
  });

  it('changes nothing and announces nothing again when the same event is delivered twice', async () => {
    const event = fixture('guardduty-finding-ec2-high-wrapped.json');
    const first = await ingest(event);
    const before = await itemCount();
    const again = await ingest(structuredClone(event));
    expect(again.outcomes[0]).toMatchObject({ outcome: 'duplicate', incidentId: first.outcomes[0]!.incidentId });
    expect(await itemCount()).toBe(before);
    expect(await store.getIncident(first.outcomes[0]!.incidentId!)).toMatchObject({ signalCount: 1, version: 1 });
    // The announcement was committed with the first delivery; the duplicate adds no outbox item.
    expect(published().map((e) => [e.DetailType, e.Detail.version])).toEqual([['Incident Opened', 1]]);
  });

  it('answers a redelivery from one eventually consistent read of its marker: no write, no transaction', async () => {
    const event = fixture('cloudwatch-alarm-state-change-alarm.json');
    const first = await ingest(event);
    const meter = meterDynamo(table!.client);
    const again = await ingest(structuredClone(event));
    expect(again.outcomes[0]).toMatchObject({ outcome: 'duplicate', incidentId: first.outcomes[0]!.incidentId });
    expect(meter.writeUnits).toBe(0);
    expect(meter.transactions).toEqual([]);
    expect(meter.readUnits).toBeLessThanOrEqual(1);
  });

  it('still counts once two deliveries of one event that race past the read', async () => {
    const event = fixture('cloudwatch-alarm-state-change-alarm.json');
    const [a, b] = await Promise.all([ingest(event), ingest(structuredClone(event))]);
    expect([a.outcomes[0]!.outcome, b.outcomes[0]!.outcome].sort()).toEqual(['duplicate', 'opened']);
    expect(await store.getIncident(a.outcomes[0]!.incidentId!)).toMatchObject({ signalCount: 1, version: 1 });
    expect(published().map((e) => e.DetailType)).toEqual(['Incident Opened']);
  });

  it('treats AWS sample events that reuse an id with different content as different events', async () => {
    // Both GuardDuty samples carry id cd2d702e-…: they are different findings on different accounts.
    await ingest(fixture('guardduty-finding-ec2-high-wrapped.json'));
    const low = await ingest(fixture('guardduty-finding-ec2-low-awsdocs-wrapped.json'));
    expect(low.outcomes[0]).toMatchObject({ outcome: 'opened', severity: 'SEV4' });
  });

  it('records 20 concurrent deliveries for one fingerprint as exactly one incident with count 20', async () => {
    const base = fixture('guardduty-finding-ec2-high-wrapped.json');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ingest(withNewId(base, `concurrent-${i}`))));
    const ids = new Set(results.map((r) => r.outcomes[0]!.incidentId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.outcomes[0]!.outcome === 'opened')).toHaveLength(1);
    const incidents = await store.listIncidents(['open']);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ signalCount: 20, version: 20 });
    // The 19 repeats arrive within a minute of the opening and change nothing but the count: they
    // coalesce (see ingest-repeats.test.ts); the opening's entry stays a valid chain.
    const audit = await store.getAudit(incidents[0]!.id);
    expect(audit.map((entry) => entry.action)).toEqual(['incident.opened']);
    expect(verifyChain(audit).valid).toBe(true);
  });

  it('does not open an incident for a recovery with nothing open, and writes nothing', async () => {
    const result = await ingest(fixture('cloudwatch-alarm-state-change-ok-canary.json'));
    expect(result.outcomes[0]).toMatchObject({ outcome: 'ignored' });
    expect(await itemCount()).toBe(0);
    expect(published()).toEqual([]);
  });

  it('records one incident per Security Hub finding and suppresses copies of GuardDuty findings', async () => {
    const critical = await ingest(fixture('securityhub-findings-imported-afsbp-critical-wrapped.json'));
    expect(critical.outcomes[0]).toMatchObject({ outcome: 'opened', severity: 'SEV2', category: 'compliance' });
    const copy = await ingest(fixture('securityhub-findings-imported-guardduty-ec2-wrapped.json'));
    expect(copy.outcomes[0]).toMatchObject({ outcome: 'suppressed' });
  });

  describe('malformed events: a typed error naming the field, and no write', () => {
    const cases: Array<[string, () => unknown, string]> = [
      [
        'missing detail',
        () => {
          const e: Record<string, unknown> = { ...fixture('guardduty-finding-ec2-high-wrapped.json') };
          delete e.detail;
          return e;
        },
        'detail',
      ],
      [
        'wrong type',
        () => {
          const e = fixture('guardduty-finding-ec2-high-wrapped.json');
          (e.detail as Record<string, unknown>).severity = 'high';
          return e;
        },
        'detail.severity',
      ],
      [
        'a 1 MB payload',
        () => {
          const e = fixture('cloudwatch-alarm-state-change-alarm.json');
          (e.detail as Record<string, unknown>).padding = 'x'.repeat(1024 * 1024);
          return e;
        },
        '(event)',
      ],
      ['an unknown source', () => ({ ...fixture('cloudwatch-alarm-state-change-alarm.json'), source: 'evil.source' }), 'source'],
      ['not an object', () => 'hello', '(event)'],
      ['a bad time', () => ({ ...fixture('ec2-instance-state-change-terminated.json'), time: 'yesterday' }), 'time'],
    ];
    it.each(cases)('%s', async (_name, build, field) => {
      const error = await ingest(build()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as InvalidEventError).field).toBe(field);
      expect(await itemCount()).toBe(0);
      expect(published()).toEqual([]);
    });
  });

  it('a publish failing after the commit loses nothing: the relay retries the outbox item until it is published', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    const event = fixture('health-ec2-issue.json');
    // The delivery itself succeeds: the incident and its announcement are committed together.
    expect((await ingest(event)).outcomes[0]).toMatchObject({ outcome: 'opened' });
    expect(relay!.reader.failedBatches).toBe(1);
    await relay!.pump();
    expect(relay!.reader.failedBatches).toBe(2);
    await relay!.pump();
    const sent = published();
    expect(sent.map((e) => e.DetailType)).toEqual(['Incident Opened', 'Incident Opened', 'Incident Opened']);
    // Three attempts of the one event: the third went out, and nothing is left to relay.
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
    expect(await relay!.pump()).toBe(0);
    expect(relay!.deadLetters).toEqual([]);
  });
});
