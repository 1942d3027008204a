import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { createClassifier, PLATFORM_RULE_NAME } from '../../functions/core/signals/classify.ts';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import type { IncidentRepository } from '../../functions/adapters/dynamodb/incidents.ts';
import { createIngestHandler, type IngestResult } from '../../functions/ingest/handler.ts';
import type { IngestDependencies } from '../../functions/workflow/record-signal.ts';
import { lambdaContext } from '../../functions/local/event-bus.ts';
import { VirtualClock } from '../../functions/local/runtime.ts';
import { exampleConfig, fixture, freshTable, withNewId } from '../support.ts';
import { streamRelay } from '../support/relay.ts';

const DLQ_ALARM = 'cloudwatch-alarm-state-change-firebreak-dlq-derived.json';
const config = exampleConfig();
const eventBridge = mockClient(EventBridgeClient);
let table: Awaited<ReturnType<typeof freshTable>> | undefined;
let store: IncidentRepository;
let clock: VirtualClock;
let ingest: (event: unknown) => Promise<IngestResult>;
let relay: ReturnType<typeof streamRelay> | undefined;

afterAll(() => {
  relay?.close();
  table?.client.destroy();
});

beforeEach(async () => {
  relay?.close();
  table?.client.destroy();
  table = await freshTable('ingest-platform');
  relay = streamRelay(table);
  store = createRepositories(table.client, table.tableName).incidents;
  clock = new VirtualClock('2026-11-23T09:00:00Z');
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
  const deps: IngestDependencies = {
    incidents: store,
    classify: createClassifier(config),
    now: clock.now,
    reopenWindowMinutes: config.dedup.reopenWindowMinutes,
    eventRetentionDays: config.eventRetentionDays,
    customSources: config.sources.custom,
  };
  const handler = createIngestHandler(() => deps);
  // Each delivery, then the stream relay: what a test sees published is what the commit announced.
  ingest = async (event) => {
    try {
      return (await handler(event as never, lambdaContext('ingest'))) as IngestResult;
    } finally {
      await relay!.pump();
    }
  };
});

/** The DLQ alarm's state change, as CloudWatch sends each transition (a new event id every time). */
function transition(state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA') {
  const event = withNewId(structuredClone(fixture(DLQ_ALARM)));
  (event.detail as { state: { value: string } }).state.value = state;
  return event;
}

const published = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((e) => ({ DetailType: e.DetailType, Detail: JSON.parse(e.Detail ?? '{}') as Record<string, unknown> }));

describe('Firebreak platform alarms through ingest, on DynamoDB Local', () => {
  it('opens a SEV2 platform incident when the dead-letter queue alarm fires, announced like any incident', async () => {
    const result = await ingest(fixture(DLQ_ALARM));
    expect(result.outcomes).toEqual([
      expect.objectContaining({ outcome: 'opened', severity: 'SEV2', category: 'platform', rule: PLATFORM_RULE_NAME }),
    ]);
    const incident = await store.getIncident(result.outcomes[0]!.incidentId!);
    expect(incident).toMatchObject({
      status: 'open',
      severity: 'SEV2',
      category: 'platform',
      source: 'firebreak.platform',
      kind: 'dead-letters',
      subject: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:firebreak-platform-Firebreak-shared-dead-letters',
      title: 'Firebreak platform: dead letters waiting in Firebreak-IngestionDeadLetterQueueEB97306D-AbCdEf123456',
      channel: 'C0INCIDENTS',
    });
    expect(verifyChain(await store.getAudit(incident!.id)).valid).toBe(true);
    expect(published()).toEqual([
      {
        DetailType: 'Incident Opened',
        Detail: expect.objectContaining({
          incidentId: incident!.id,
          category: 'platform',
          severity: 'SEV2',
          source: 'firebreak.platform',
        }),
      },
    ]);
  });

  it('resolves it when the queue is empty again (the alarm returns to OK)', async () => {
    const opened = await ingest(fixture(DLQ_ALARM));
    clock.advance(10 * 60_000);
    const ok = await ingest(transition('OK'));
    expect(ok.outcomes[0]).toMatchObject({ outcome: 'resolved', incidentId: opened.outcomes[0]!.incidentId });
    expect(await store.getIncident(opened.outcomes[0]!.incidentId!)).toMatchObject({ status: 'resolved' });
  });

  it('ignores the INSUFFICIENT_DATA every new alarm starts in', async () => {
    const result = await ingest(transition('INSUFFICIENT_DATA'));
    expect(result.outcomes[0]).toMatchObject({ outcome: 'suppressed' });
    expect(await store.listIncidents(['open', 'resolved'])).toEqual([]);
  });

  it('keeps a storm of one flapping alarm, redelivered and re-fired, to one incident (the loop is bounded by alarm)', async () => {
    // A platform alarm about ingest itself: each transition is one event, each delivery may come
    // twice, and the DLQ alarm's own event may be dead-lettered and redriven (the same event again).
    const first = await ingest(fixture(DLQ_ALARM));
    const id = first.outcomes[0]!.incidentId!;
    for (let i = 0; i < 10; i++) {
      clock.advance(60_000);
      const event = transition(i % 2 === 0 ? 'OK' : 'ALARM');
      await ingest(event);
      await ingest(event); // at-least-once delivery, or a redrive of the same dead letter
    }
    await ingest(fixture(DLQ_ALARM)); // the very first event, redriven from the queue much later
    const incidents = await store.listIncidents(['open', 'acknowledged', 'mitigating', 'resolved', 'closed']);
    expect(incidents.map((i) => i.id)).toEqual([id]);
    expect(incidents[0]).toMatchObject({ category: 'platform', reopenCount: 5 });
    expect(verifyChain(await store.getAudit(id)).valid).toBe(true);
  });
});
