/**
 * Fault tests for the transactional outbox, on the local runtime (DynamoDB Local, its stream, the
 * real relay handler): for every kind of commit, PutEvents fails for a while after the commit and
 * then recovers. The state change is there at once; its events wait in the outbox and are published
 * once the bus answers again — each exactly once — and nothing is stranded.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { outboxEvents } from '../../functions/adapters/dynamodb/outbox.ts';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig, fixture } from '../support.ts';

const config = exampleConfig();
const CTO = 'U0CTO000001';
const FAULT = 60_000;
let runtime: LocalRuntime;
let tables = 0;

beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `faults-${process.pid}-${++tables}`,
  });
});
afterEach(async () => runtime?.stop());

type Announcement = { detailType: string; detail: string };
const key = (a: Announcement) => `${a.detailType} ${a.detail}`;

/** Every event committed to the outbox so far — outbox items and audit entries carrying events — whatever happened to it afterwards. */
async function committed(): Promise<string[]> {
  const out = await runtime.client.send(new ScanCommand({ TableName: runtime.tableName, ConsistentRead: true }));
  return (out.Items ?? [])
    .filter((item) => item.events?.S !== undefined)
    .flatMap((item) => outboxEvents(item))
    .map((event) => key({ detailType: event.detailType, detail: JSON.stringify(event.detail) }))
    .sort();
}
const published = () =>
  runtime.bus.emitted.map((event) => key({ detailType: event['detail-type'], detail: JSON.stringify(event.detail) })).sort();
/** The isolation runbook's starts on the simulated fleet. */
const isolations = () =>
  runtime.fleet.calls.filter((c) => c.api === 'StartAutomationExecution' && c.input.DocumentName === 'Firebreak-IsolateInstance');
const emitted = (detailType: string) => runtime.bus.emitted.filter((event) => event['detail-type'] === detailType);

/**
 * Runs `act` while PutEvents is refused: returns what was published meanwhile; then lets the fault
 * end and checks the outbox drained — every committed event published exactly once.
 */
async function duringPublishFault(act: () => Promise<unknown>): Promise<{ duringFault: string[] }> {
  runtime.bus.failPublishingFor(FAULT);
  const before = runtime.bus.publishFailures;
  await act();
  const duringFault = published();
  expect(runtime.bus.publishFailures).toBeGreaterThan(before);
  expect(runtime.stream.pendingRetry).toBe(true);
  await runtime.advance(FAULT + 1000);
  expect(runtime.stream.pendingRetry).toBe(false);
  expect(runtime.relayDeadLetters).toEqual([]);
  expect(published()).toEqual(await committed());
  return { duringFault };
}

async function guardDutyIncident() {
  runtime.bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
  await runtime.bus.drain();
  const [incident] = await runtime.repositories.incidents.listIncidents();
  const requests = await runtime.repositories.mitigations.listRequests(incident!.id);
  return { incident: incident!, isolate: requests.find((r) => r.catalogId === 'isolate-instance')! };
}

describe('publishing fails after the commit, then recovers: nothing lost, nothing twice', () => {
  it('ingest: the incident is recorded at once; Incident Opened goes out when the bus answers', async () => {
    await duringPublishFault(async () => {
      runtime.bus.put('default', fixture('health-ec2-issue.json'));
      await runtime.bus.drain();
      expect(await runtime.repositories.incidents.listIncidents()).toHaveLength(1);
      expect(emitted('Incident Opened')).toEqual([]);
    });
    expect(emitted('Incident Opened')).toHaveLength(1);
  });

  it('approval, execution start and run finished: approved at once, then run once and reported once after recovery', async () => {
    const { isolate } = await guardDutyIncident();
    await duringPublishFault(async () => {
      await runtime.command(CTO, `approve ${isolate.id}`);
      expect((await runtime.repositories.mitigations.findRequest(isolate.id))!.state).toBe('approved');
      expect(emitted('Mitigation Approved').filter((e) => (e.detail as { requestId: string }).requestId === isolate.id)).toEqual(
        [],
      );
      expect(isolations()).toEqual([]);
    });
    expect(isolations()).toHaveLength(1);
    expect((await runtime.repositories.mitigations.findRequest(isolate.id))!.state).toBe('succeeded');
    const ours = (type: string) => emitted(type).filter((e) => (e.detail as { requestId: string }).requestId === isolate.id);
    expect(ours('Mitigation Approved')).toHaveLength(1);
    expect(ours('Mitigation Succeeded')).toHaveLength(1);
  });

  it('execution start and run finished under the fault: the run goes on, its progress and outcome wait, then go out once', async () => {
    const { isolate } = await guardDutyIncident();
    // The fault begins the moment Mitigation Approved is out: execute's and track's commits meet it.
    let armed = true;
    runtime.bus.addFeed(async () => {
      if (armed && emitted('Mitigation Approved').some((e) => (e.detail as { requestId: string }).requestId === isolate.id)) {
        armed = false;
        runtime.bus.failPublishingFor(FAULT);
      }
    });
    await runtime.command(CTO, `approve ${isolate.id}`);
    expect((await runtime.repositories.mitigations.findRequest(isolate.id))!.state).toBe('succeeded');
    const ours = (type: string) => emitted(type).filter((e) => (e.detail as { requestId: string }).requestId === isolate.id);
    expect(ours('Mitigation Succeeded')).toEqual([]);
    expect(runtime.stream.pendingRetry).toBe(true);
    await runtime.advance(FAULT + 1000);
    expect(ours('Mitigation Succeeded')).toHaveLength(1);
    expect(ours('Mitigation Progress').length).toBeGreaterThan(0);
    expect(published()).toEqual(await committed());
    expect(runtime.stream.pendingRetry).toBe(false);
  });

  it('rejection: rejected at once, Mitigation Decided (rejected) once after recovery', async () => {
    const { isolate } = await guardDutyIncident();
    await duringPublishFault(async () => {
      await runtime.command(CTO, `reject ${isolate.id} not needed`);
      expect((await runtime.repositories.mitigations.findRequest(isolate.id))!.state).toBe('rejected');
    });
    expect(
      emitted('Mitigation Decided').filter((e) => (e.detail as { outcome: string; requestId: string }).requestId === isolate.id),
    ).toEqual([expect.objectContaining({ detail: expect.objectContaining({ outcome: 'rejected' }) })]);
  });

  it('escalation: escalated by its schedule during the fault, Mitigation Escalated once after recovery', async () => {
    const { isolate } = await guardDutyIncident();
    runtime.bus.failPublishingFor(20 * 60_000);
    await runtime.advance(15 * 60_000);
    expect((await runtime.repositories.mitigations.findRequest(isolate.id))!.escalatedAt).toBeDefined();
    expect(emitted('Mitigation Escalated')).toEqual([]);
    await runtime.advance(6 * 60_000);
    expect(emitted('Mitigation Escalated')).toHaveLength(1);
    expect(published()).toEqual(await committed());
    expect(runtime.stream.pendingRetry).toBe(false);
  });

  it('a failed deployment: recorded, release incident opened and hold placed at once; their events once after recovery', async () => {
    await duringPublishFault(async () => {
      runtime.bus.put('default', fixture('codedeploy-deployment-failure-derived.json'));
      await runtime.bus.drain();
      expect(await runtime.repositories.holds.getHold('myApplication')).toMatchObject({ held: true });
      expect(emitted('Incident Opened')).toEqual([]);
    });
    expect(emitted('Incident Opened')).toHaveLength(1);
  });

  it('a lifted hold: lifted at once, Release Hold Lifted once after recovery', async () => {
    runtime.bus.put('default', fixture('codedeploy-deployment-failure-derived.json'));
    await runtime.bus.drain();
    await duringPublishFault(async () => {
      await runtime.command(CTO, 'release approve myApplication');
      expect(await runtime.repositories.holds.getHold('myApplication')).toMatchObject({ held: false });
      expect(emitted('Release Hold Lifted')).toEqual([]);
    });
    expect(emitted('Release Hold Lifted')).toHaveLength(1);
  });
});
