/**
 * The propose function on DynamoDB Local, fed by the real ingest through the local bus: the
 * mitigations a new incident's classification proposed become requests, whether or not Slack is up.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';

const config = exampleConfig();
let runtime: LocalRuntime;
let tables = 0;

beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `propose-${process.pid}-${++tables}`,
    execute: false,
  });
});

afterEach(async () => {
  await runtime?.stop();
});

async function guardDutyIncident() {
  runtime.bus.put('default', withNewId(fixture('guardduty-finding-ec2-high-wrapped.json')));
  await runtime.bus.drain();
  const [incident] = await runtime.repositories.incidents.listIncidents();
  expect(incident).toBeDefined();
  return { incident: incident!, requests: await runtime.repositories.mitigations.listRequests(incident!.id) };
}

describe('propose', () => {
  it('turns the proposed mitigations of a new incident into requests, by policy', async () => {
    const { incident, requests } = await guardDutyIncident();
    expect(incident.mitigations.length).toBeGreaterThan(0);
    expect(requests.map((r) => r.catalogId).sort()).toEqual([...incident.mitigations].sort());
    for (const request of requests) expect(request.requestedBy).toBe('policy:classification');
    expect(runtime.bus.deadLetters).toEqual([]);
  });

  it('still makes the requests while Slack refuses every message (notify fails and dead-letters)', async () => {
    runtime.slack.rateLimitNext(10_000, 0);
    const { incident, requests } = await guardDutyIncident();
    expect(requests.map((r) => r.catalogId).sort()).toEqual([...incident.mitigations].sort());
    expect(requests.find((r) => r.catalogId === 'isolate-instance')).toMatchObject({ state: 'awaiting_approval' });
    // The escalation timer exists even though nobody could be told in Slack yet.
    expect(runtime.scheduler.pending().some((job) => job.target === 'escalate')).toBe(true);
    expect(runtime.bus.deadLetters.length).toBeGreaterThan(0);
    expect(runtime.bus.deadLetters.every((d) => d.rule === 'Notify')).toBe(true);
  });

  it('creates nothing twice when Incident Opened is delivered again', async () => {
    const { incident, requests } = await guardDutyIncident();
    const opened = runtime.bus.emitted.find((e) => e['detail-type'] === 'Incident Opened')!;
    runtime.bus.put('firebreak', structuredClone(opened));
    await runtime.bus.drain();
    expect(await runtime.repositories.mitigations.listRequests(incident.id)).toEqual(requests);
  });

  it("requests a failed mitigation's rollback from its announcement, once, and nothing for a failure without one", async () => {
    const { incident, requests } = await guardDutyIncident();
    const isolate = requests.find((r) => r.catalogId === 'isolate-instance')!;
    const failed = (detail: Record<string, unknown>) => ({
      version: '0',
      id: `failed-${JSON.stringify(detail).length}`,
      'detail-type': 'Mitigation Failed',
      source: 'firebreak',
      account: '123456789012',
      time: '2026-11-23T09:05:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { incidentId: incident.id, requestId: isolate.id, final: true, ...detail },
    });
    runtime.bus.put('firebreak', failed({}));
    await runtime.bus.drain();
    expect(await runtime.repositories.mitigations.listRequests(incident.id)).toEqual(requests);
    for (let delivery = 0; delivery < 2; delivery++) {
      runtime.bus.put('firebreak', failed({ rollback: 'release-instance' }));
      await runtime.bus.drain();
    }
    const rollbacks = (await runtime.repositories.mitigations.listRequests(incident.id)).filter(
      (r) => r.catalogId === 'release-instance',
    );
    expect(rollbacks).toEqual([expect.objectContaining({ requestedBy: 'policy:rollback', state: 'awaiting_approval' })]);
    expect(runtime.bus.deadLetters).toEqual([]);
  });
});
