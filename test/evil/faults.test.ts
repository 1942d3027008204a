/**
 * Evil user stories: faults. The bus refuses to publish right after an attacker-triggered or
 * hostile commit; an invalid event keeps failing. Nothing may be lost, nothing may happen twice,
 * and every failure must end where a person sees it.
 */
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
    tableName: `evil-faults-${process.pid}-${++tables}`,
    execute: false,
  });
});
afterEach(async () => runtime?.stop());

const emitted = (detailType: string, requestId?: string) =>
  runtime.bus.emitted.filter(
    (e) => e['detail-type'] === detailType && (!requestId || (e.detail as { requestId?: string }).requestId === requestId),
  );

describe('evil user stories: faults', () => {
  it('the bus is down when the CTO approves: the approval is recorded at once and Mitigation Approved goes out once, after recovery', async () => {
    runtime.bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
    await runtime.bus.drain();
    const [incident] = await runtime.repositories.incidents.listIncidents();
    const request = (await runtime.repositories.mitigations.listRequests(incident!.id)).find(
      (r) => r.catalogId === 'isolate-instance',
    )!;
    runtime.bus.failPublishingFor(FAULT);
    await runtime.command(CTO, `approve ${request.id}`);
    expect((await runtime.repositories.mitigations.findRequest(request.id))!.state).toBe('approved');
    expect(emitted('Mitigation Approved', request.id)).toHaveLength(0);
    expect(runtime.stream.pendingRetry).toBe(true);
    await runtime.advance(FAULT + 1000);
    expect(emitted('Mitigation Approved', request.id)).toHaveLength(1);
    // A second click after recovery changes nothing and announces nothing.
    await runtime.command(CTO, `approve ${request.id}`);
    expect(emitted('Mitigation Approved', request.id)).toHaveLength(1);
    expect(runtime.relayDeadLetters).toEqual([]);
  });

  it('a hostile event that can never parse is not retried forever: it ends in the dead-letter queue with its field named', async () => {
    const event = JSON.parse(
      JSON.stringify(fixture('guardduty-finding-ec2-high-wrapped.json')).replace('"detail":{', '"detail":{"__proto__":{"x":1},'),
    ) as Parameters<LocalRuntime['bus']['put']>[1];
    runtime.bus.put('default', event);
    await runtime.bus.drain();
    expect(await runtime.repositories.incidents.listIncidents()).toEqual([]);
    const letters = runtime.bus.deadLetters;
    expect(letters).toHaveLength(1);
    expect(letters[0]!.error?.message).toContain('detail.__proto__');
  });
});
