import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../../functions/core/audit/chain.ts';
import { keys, UnreadableItemError } from '../../../functions/adapters/dynamodb/table.ts';
import { change, openingDecision, repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('incidents')));
afterAll(() => db.client.destroy());

describe('IncidentRepository on DynamoDB Local', () => {
  it("commits an opening decision: the incident (its id is the fingerprint's claim) and its audit entry, no marker; a redelivery loses the race and writes nothing", async () => {
    const decision = openingDecision('1'.repeat(32));
    const { incident } = decision;
    expect(await db.incidents.commit(decision, 'sig-1', 2_000_000_000, [])).toEqual({ committed: true });
    expect(await db.incidents.getIncident(incident.id)).toEqual(incident);
    expect(await db.incidents.findByFingerprint(incident.fingerprint)).toEqual(incident);
    // No marker: the incident remembers its opening signal for good, and an eventual read of it finds the delivery.
    expect(await db.incidents.getProcessedEvent('sig-1')).toBeUndefined();
    expect(await db.incidents.findEarlierDelivery('key-' + '1'.repeat(32), incident.fingerprint)).toEqual({
      processed: { incidentId: incident.id, outcome: 'opened' },
      firstIncidentAbsent: false,
    });
    expect(await db.incidents.findEarlierDelivery('another', incident.fingerprint)).toEqual({ firstIncidentAbsent: false });
    expect(await db.incidents.findEarlierDelivery('another', '9'.repeat(32))).toEqual({ firstIncidentAbsent: true });
    expect(
      verifyChain(await db.incidents.getAudit(incident.id), { seq: incident.auditSeq, hash: incident.auditHead }).valid,
    ).toBe(true);

    // The same delivery again (its marker not yet read): the incident's put is refused; ingest then
    // re-reads and finds the signal's digest on the incident (test/handlers/ingest-repeats.test.ts).
    expect(await db.incidents.commit(decision, 'sig-1', 2_000_000_000, [])).toEqual({ committed: false, reason: 'conflict' });
    // Another delivery deciding to open the same incident again lost the race.
    expect(await db.incidents.commit(decision, 'sig-2', 2_000_000_000, [])).toEqual({ committed: false, reason: 'conflict' });
    expect(await db.incidents.getProcessedEvent('sig-2')).toBeUndefined();
  });

  it('stores defaults implicitly and reads them back; an update back to the defaults removes the stored values', async () => {
    const decision = openingDecision('5'.repeat(32));
    const { incident } = decision;
    const unusual = {
      ...incident,
      mitigations: ['isolate-instance'],
      firingResources: [incident.resources[0]!, 'i-0bbbbbbbbbbbbbbb2'],
      firingOverflow: true,
      reopenCount: 2,
      lastFiringAt: '2026-11-23T07:00:00.000Z',
    };
    await db.incidents.commit({ ...decision, incident: unusual }, 'sig-unusual', 2_000_000_000, []);
    expect(await db.incidents.getIncident(incident.id)).toEqual(unusual);
    const back = { ...incident, version: incident.version + 1 };
    expect(
      await db.incidents.commitChange({ incident: back, expectedIncidentVersion: incident.version, audit: [], events: [] }),
    ).toEqual({
      committed: true,
    });
    expect(await db.incidents.getIncident(incident.id)).toEqual(back);
    const raw = await db.client.send(
      new GetItemCommand({ TableName: db.table.name, Key: { pk: { S: `INC#${incident.id}` }, sk: { S: 'META' } } }),
    );
    for (const name of ['mitigations', 'firingResources', 'firingOverflow', 'reopenCount', 'lastFiringAt', 'type'])
      expect(raw.Item).not.toHaveProperty(name);
  });

  it('commits a change conditional on the version read; a stale one is a conflict and writes nothing', async () => {
    const decision = openingDecision('2'.repeat(32));
    await db.incidents.commit(decision, 'sig-change', 2_000_000_000, []);
    const first = change(decision.incident);
    expect(await db.incidents.commitChange(first)).toEqual({ committed: true });
    expect(await db.incidents.commitChange(change(decision.incident))).toEqual({ committed: false, reason: 'conflict' });
    expect(await db.incidents.getIncident(decision.incident.id)).toMatchObject({ version: 2, auditSeq: first.incident.auditSeq });
    expect((await db.incidents.getAudit(decision.incident.id)).map((e) => e.action).at(-1)).toBe('test.changed');
  });

  it('lists incidents by status, newest first, up to the limit', async () => {
    const older = openingDecision('3'.repeat(32), '2026-11-23T08:00:00.000Z');
    const newer = openingDecision('4'.repeat(32), '2026-11-23T10:00:00.000Z');
    await db.incidents.commit(older, 'sig-older', 2_000_000_000, []);
    await db.incidents.commit(newer, 'sig-newer', 2_000_000_000, []);
    const open = await db.incidents.listIncidents(['open']);
    expect(open[0]!.id).toBe(newer.incident.id);
    expect(open.map((i) => i.id)).toContain(older.incident.id);
    expect(await db.incidents.listIncidents(['open'], 1)).toHaveLength(1);
    expect(await db.incidents.listIncidents(['closed'])).toEqual([]);
  });

  it('an incident item that does not parse is an error naming its key', async () => {
    await db.putRaw({ ...keys.incident('INC-CORRUPT01'), type: 'incident', id: 'INC-CORRUPT01', status: 'sleeping' });
    await expect(db.incidents.getIncident('INC-CORRUPT01')).rejects.toThrow(UnreadableItemError);
    await expect(db.incidents.getIncident('INC-CORRUPT01')).rejects.toThrow('INC#INC-CORRUPT01 / META');
    await db.putRaw({ ...keys.fingerprintLock('bad-lock'), type: 'fingerprint-lock' });
    await expect(db.incidents.findByFingerprint('bad-lock')).rejects.toThrow('FP#bad-lock / OPEN');
  });
});
