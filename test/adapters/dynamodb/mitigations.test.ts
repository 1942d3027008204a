import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../../functions/core/incidents/incident.ts';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { aRequest, change, NOW, openingDecision, repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
let incident: Incident;
beforeAll(async () => {
  db = await repositoriesOnFreshTable('mitigations');
  const decision = openingDecision();
  await db.incidents.commit(decision, 'sig', 2_000_000_000, []);
  incident = decision.incident;
});
afterAll(() => db.client.destroy());

describe('MitigationRepository on DynamoDB Local', () => {
  it('a request created with its incident change is found by id alone; an update is conditional on its version', async () => {
    const request = aRequest(incident, 'MIT-00000000A1');
    const created = change(incident, { createRequest: request });
    expect(await db.incidents.commitChange(created)).toEqual({ committed: true });
    expect(await db.mitigations.findRequest(request.id)).toEqual(request);
    expect(await db.mitigations.getRequest(incident.id, request.id)).toEqual(request);
    expect(await db.mitigations.listRequests(incident.id)).toEqual([request]);
    expect(await db.mitigations.findRequest('MIT-UNKNOWN000')).toBeUndefined();

    const stale = change(created.incident, {
      updateRequest: { request: { ...request, state: 'approved', version: 2 }, expectedVersion: 0 },
    });
    expect(await db.incidents.commitChange(stale)).toEqual({ committed: false, reason: 'conflict' });
    // Nothing of a refused change is written, not even the incident's part.
    expect(await db.incidents.getIncident(incident.id)).toMatchObject({ version: created.incident.version });
    const fresh = change(created.incident, {
      updateRequest: { request: { ...request, state: 'approved', version: 2 }, expectedVersion: 1 },
    });
    expect(await db.incidents.commitChange(fresh)).toEqual({ committed: true });
    expect(await db.mitigations.findRequest(request.id)).toMatchObject({ state: 'approved', version: 2 });
  });

  it("a request's incident is read once per container (its lookup never changes); an unknown request is asked again", async () => {
    const gets: string[] = [];
    db.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetItemCommand') gets.push(JSON.stringify((args.input as { Key?: unknown }).Key));
        return next(args);
      },
      { step: 'initialize', name: 'countLookups' },
    );
    try {
      const request = aRequest(incident, 'MIT-00000000B2');
      expect(await db.mitigations.incidentOf(request.id)).toBeUndefined();
      const current = (await db.incidents.getIncident(incident.id))!;
      expect(await db.incidents.commitChange(change(current, { createRequest: request }))).toEqual({ committed: true });
      gets.length = 0;
      expect(await db.mitigations.incidentOf(request.id)).toBe(incident.id);
      expect(await db.mitigations.incidentOf(request.id)).toBe(incident.id);
      expect(await db.mitigations.findRequest(request.id)).toEqual(request);
      // One read of the lookup, then only the request itself.
      expect(gets.filter((key) => key.includes('LOOKUP'))).toHaveLength(1);
      expect(gets).toHaveLength(2);
      expect(await db.mitigations.incidentOf('MIT-UNKNOWN000')).toBeUndefined();
      expect(await db.mitigations.incidentOf('MIT-UNKNOWN000')).toBeUndefined();
      expect(gets.filter((key) => key.includes('MIT-UNKNOWN000'))).toHaveLength(2);
    } finally {
      db.client.middlewareStack.remove('countLookups');
    }
  });

  it('runs map back to their request', async () => {
    await db.mitigations.saveRun('cmd-1', { incidentId: incident.id, requestId: 'MIT-00000000A1' });
    expect(await db.mitigations.getRun('cmd-1')).toEqual({ incidentId: incident.id, requestId: 'MIT-00000000A1' });
    expect(await db.mitigations.getRun('cmd-unknown')).toBeUndefined();
  });

  it('an instance moves bucket once per status: a duplicate or stale move does not apply', async () => {
    const move = (previous: string | undefined, bucket: string, delta: Record<string, number>, failed = false) =>
      db.mitigations.recordInvocation({
        incidentId: incident.id,
        requestId: 'MIT-PROGRESS01',
        instanceId: 'i-1',
        previous,
        bucket,
        delta,
        failed,
      });
    expect(await move(undefined, 'running', { running: 1 })).toBe(true);
    expect(await move(undefined, 'running', { running: 1 })).toBe(false);
    expect(await db.mitigations.getInvocationBucket(incident.id, 'MIT-PROGRESS01', 'i-1')).toBe('running');
    expect(await move('running', 'failed', { running: -1, failed: 1 }, true)).toBe(true);
    expect(await move('running', 'failed', { running: -1, failed: 1 }, true)).toBe(false);
    expect(await db.mitigations.getProgress(incident.id, 'MIT-PROGRESS01')).toEqual({
      running: 0,
      failed: 1,
      failedInstances: new Set(['i-1']),
    });
  });

  it('the run status and the progress post are claimed conditionally', async () => {
    const id = 'MIT-PROGRESS02';
    expect(await db.mitigations.setRunStatus(incident.id, id, 'InProgress', undefined)).toBe(true);
    expect(await db.mitigations.setRunStatus(incident.id, id, 'Success', undefined)).toBe(false);
    expect(await db.mitigations.setRunStatus(incident.id, id, 'Success', 'InProgress')).toBe(true);
    expect((await db.mitigations.getProgress(incident.id, id))?.runStatus).toBe('Success');
    expect(await db.mitigations.claimProgressPost(incident.id, id, NOW, '2026-11-23T08:59:55.000Z', [])).toBe(true);
    expect(await db.mitigations.claimProgressPost(incident.id, id, NOW, '2026-11-23T08:59:55.000Z', [])).toBe(false);
    expect(await db.mitigations.claimProgressPost(incident.id, id, '2026-11-23T09:00:10.000Z', NOW, [])).toBe(true);
  });

  it('a request item that does not parse is an error naming its key', async () => {
    await db.putRaw({
      ...keys.mitigation(incident.id, 'MIT-CORRUPT001'),
      type: 'mitigation',
      id: 'MIT-CORRUPT001',
      plan: 'rm -rf',
    });
    await expect(db.mitigations.getRequest(incident.id, 'MIT-CORRUPT001')).rejects.toThrow(
      `INC#${incident.id} / MIT#MIT-CORRUPT001`,
    );
    await expect(db.mitigations.listRequests(incident.id)).rejects.toThrow('unreadable item');
    await db.putRaw({ ...keys.run('cmd-bad'), type: 'ssm-run', incidentId: incident.id });
    await expect(db.mitigations.getRun('cmd-bad')).rejects.toThrow('SSM#cmd-bad / RUN');
  });
});
