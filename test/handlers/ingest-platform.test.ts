import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { PLATFORM_RULE_NAME } from '../../functions/core/signals/classify.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';
import { ingestHarness, type IngestHarness } from '../support/ingest-harness.ts';

const DLQ_ALARM = 'cloudwatch-alarm-state-change-firebreak-dlq-derived.json';
const config = exampleConfig();
const eventBridge = mockClient(EventBridgeClient);
let harness: IngestHarness | undefined;
let store: IngestHarness['store'];
let clock: IngestHarness['clock'];
let ingest: IngestHarness['ingest'];

afterAll(() => harness?.close());

beforeEach(async () => {
  harness?.close();
  harness = await ingestHarness('ingest-platform', config);
  ({ store, clock, ingest } = harness);
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
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
