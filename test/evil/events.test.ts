/**
 * Evil user stories: bad events and exactly-once. Anyone allowed to put events on the bus (or a
 * buggy monitor) sends something hostile; it must be refused with a typed error naming the field,
 * before any recursive work and before any write, and duplicates must count once — through the
 * real ingest handler on DynamoDB Local, from raw JSON text as Lambda receives it.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { MAX_EVENT_DEPTH } from '../../functions/core/signals/event-structure.ts';
import { InvalidEventError } from '../../functions/core/signals/signal.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';
import { ingestHarness, type IngestHarness } from '../support/ingest-harness.ts';

const config = exampleConfig();
const eventBridge = mockClient(EventBridgeClient);
let harness: IngestHarness | undefined;

afterAll(() => harness?.close());
beforeEach(async () => {
  harness?.close();
  harness = await ingestHarness('evil-events', config);
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
});

const itemCount = async () =>
  (await harness!.table.client.send(new ScanCommand({ TableName: harness!.table.tableName, Select: 'COUNT' }))).Count ?? 0;
const published = () => eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
/** A GuardDuty event as raw JSON text with `detailJson` spliced in as its detail. */
const rawWithDetail = (detailJson: string): unknown => {
  const { detail: _detail, ...envelope } = fixture('guardduty-finding-ec2-high-wrapped.json');
  return JSON.parse(`${JSON.stringify(envelope).slice(0, -1)},"detail":${detailJson}}`) as unknown;
};

/** Ingests `event` and returns the typed refusal; fails the story if it was accepted or crashed untyped. */
async function refusal(event: unknown): Promise<InvalidEventError> {
  const error = await harness!.ingest(event).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidEventError);
  expect(await itemCount()).toBe(0);
  expect(published()).toEqual([]);
  return error as InvalidEventError;
}

describe('evil user stories: bad events', () => {
  it('an event over 256 KB is refused as too large, naming the event, and writes nothing', async () => {
    const event = fixture('guardduty-finding-ec2-high-wrapped.json');
    (event.detail as Record<string, unknown>).padding = 'x'.repeat(300 * 1024);
    const error = await refusal(event);
    expect(error.field).toBe('(event)');
    expect(error.reason).toMatch(/bytes; EventBridge events are at most 262144/);
  });

  it('a 10,000-level nested detail is refused with a typed error naming the field, not a RangeError', async () => {
    const error = await refusal(rawWithDetail(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`));
    expect(error.field).toBe(`detail${'.a'.repeat(MAX_EVENT_DEPTH - 1)}`);
    expect(error.reason).toBe(`is nested deeper than ${MAX_EVENT_DEPTH} levels`);
  });

  it('a 10,000-level nested array is refused the same way', async () => {
    const error = await refusal(rawWithDetail(`{"list":${'['.repeat(10_000)}${']'.repeat(10_000)}}`));
    expect(error.field).toMatch(/^detail\.list(\[0\])+$/);
  });

  it('a "__proto__" key (kept by JSON.parse as an own key) is refused, naming the field, not silently dropped', async () => {
    const raw = rawWithDetail(`{"__proto__":{"isAdmin":true},"severity":8}`);
    expect(Object.keys((raw as { detail: object }).detail)).toContain('__proto__');
    const error = await refusal(raw);
    expect(error.field).toBe('detail.__proto__');
  });

  it('a "constructor" key is refused the same way', async () => {
    expect((await refusal(rawWithDetail(`{"constructor":{"prototype":{}},"severity":8}`))).field).toBe('detail.constructor');
  });

  it('a "prototype" key deep inside a finding is refused, naming its path', async () => {
    const event = fixture('guardduty-finding-ec2-high-wrapped.json');
    const raw = JSON.parse(JSON.stringify(event).replace('"resource":{', '"resource":{"prototype":1,')) as unknown;
    expect((await refusal(raw)).field).toBe('detail.resource.prototype');
  });

  it('a detail of the wrong type (a string) is refused naming "detail"', async () => {
    const event = { ...fixture('guardduty-finding-ec2-high-wrapped.json'), detail: 'not an object' };
    expect((await refusal(event)).field).toBe('detail');
  });

  it('a GuardDuty severity that is not a number is refused naming the field', async () => {
    const event = fixture('guardduty-finding-ec2-high-wrapped.json');
    (event.detail as Record<string, unknown>).severity = 'critical';
    expect((await refusal(event)).field).toBe('detail.severity');
  });
});

describe('evil user stories: exactly once', () => {
  it('twenty concurrent deliveries of the same event record one incident, count 1, announced once', async () => {
    const event = fixture('guardduty-finding-ec2-high-wrapped.json');
    const results = await Promise.all(Array.from({ length: 20 }, () => harness!.ingest(structuredClone(event))));
    expect(results.filter((r) => r.outcomes[0]!.outcome === 'opened')).toHaveLength(1);
    expect(results.filter((r) => r.outcomes[0]!.outcome === 'duplicate')).toHaveLength(19);
    const incidents = await harness!.store.listIncidents(['open']);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ signalCount: 1, version: 1 });
    expect(published().map((e) => e.DetailType)).toEqual(['Incident Opened']);
  });

  it('twenty concurrent distinct deliveries for one fingerprint count twenty on one incident with an intact chain', async () => {
    const base = fixture('guardduty-finding-ec2-high-wrapped.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => harness!.ingest(withNewId(base, `evil-${i}`))));
    const [incident, ...others] = await harness!.store.listIncidents(['open']);
    expect(others).toEqual([]);
    expect(incident).toMatchObject({ signalCount: 20 });
    const audit = await harness!.store.getAudit(incident!.id);
    expect(verifyChain(audit, { seq: incident!.auditSeq, hash: incident!.auditHead }).valid).toBe(true);
  });
});
