import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../../functions/core/audit/chain.ts';
import { addFinding, type PatchBatch } from '../../../functions/core/maintenance/patch-batch.ts';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { NOW, repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('batches')));
afterAll(() => db.client.destroy());

const occurrence = {
  opensAt: '2026-11-29T02:00:00.000Z',
  lastStartAt: '2026-11-29T05:00:00.000Z',
  closesAt: '2026-11-29T06:00:00.000Z',
};
const finding = (id: string) => ({
  vulnerabilityId: id,
  title: `${id} in openssl`,
  severity: 'high' as const,
  resources: ['i-0a'],
});
const proposed = (): PatchBatch => addFinding(undefined, finding('CVE-2026-0001'), { id: 'sunday-patch' }, occurrence, NOW);
const audit = (action: string, actor = 'system:maintenance') => ({ actor, action, data: { n: 1 }, at: NOW });
const changed = (batch: PatchBatch) => ({
  detailType: 'Patch Batch Changed',
  detail: { batchId: batch.id, version: batch.version, state: batch.state },
});

async function outboxEventsOf(batchId: string): Promise<string[]> {
  // The outbox items are scattered by id: scan the few this table holds.
  const out = await db.table.doc.send(new ScanCommand({ TableName: db.table.name }));
  return (out.Items ?? [])
    .filter((item) => String(item.pk).startsWith('OUTBOX#') && String(item.events).includes(batchId))
    .flatMap((item) => JSON.parse(String(item.events)) as { detailType: string; detail: { version?: number } }[])
    .map((e) => `${e.detailType} v${e.detail.version ?? '-'}`)
    .sort();
}

describe('PatchBatchRepository on DynamoDB Local', () => {
  it('saves a new batch with its audit chain and its events in one write; a second "new" save does not apply', async () => {
    const batch = proposed();
    expect(await db.batches.saveBatch(batch, 0, [audit('patch_batch.proposed')], [changed(batch)])).toBe(true);
    expect(await db.batches.getBatch(batch.id)).toMatchObject({ ...batch, auditSeq: 1 });
    expect(await db.batches.saveBatch(batch, 0, [audit('patch_batch.proposed')], [changed(batch)])).toBe(false);
    expect(await outboxEventsOf(batch.id)).toEqual(['Patch Batch Changed v1']);
  });

  it('a change applies only on the version read; the stale one writes neither the batch, its audit nor its events', async () => {
    const read = (await db.batches.getBatch('PB-sunday-patch-202611290200'))!;
    const grown = addFinding(read, finding('CVE-2026-0002'), { id: 'sunday-patch' }, occurrence, NOW);
    expect(await db.batches.saveBatch(grown, read.version, [audit('patch_batch.finding_added')], [changed(grown)])).toBe(true);
    const again = addFinding(read, finding('CVE-2026-0003'), { id: 'sunday-patch' }, occurrence, NOW);
    expect(await db.batches.saveBatch(again, read.version, [audit('patch_batch.finding_added')], [changed(again)])).toBe(false);
    const now = (await db.batches.getBatch(read.id))!;
    expect(now.findings.map((f) => f.vulnerabilityId)).toEqual(['CVE-2026-0001', 'CVE-2026-0002']);
    expect(await outboxEventsOf(read.id)).toEqual(['Patch Batch Changed v1', 'Patch Batch Changed v2']);
  });

  it('a refusal joins the chain without changing the batch; the chain stays valid against the head the batch records', async () => {
    await db.batches.auditRefusal('PB-sunday-patch-202611290200', audit('patch_batch.approve_refused', 'slack:U0RESP00001'));
    const batch = (await db.batches.getBatch('PB-sunday-patch-202611290200')) as PatchBatch & {
      auditSeq: number;
      auditHead: string;
    };
    expect(batch.version).toBe(2);
    const chain = await db.batches.getAudit(batch.id);
    expect(chain.map((e) => `${e.actor} ${e.action}`)).toEqual([
      'system:maintenance patch_batch.proposed',
      'system:maintenance patch_batch.finding_added',
      'slack:U0RESP00001 patch_batch.approve_refused',
    ]);
    expect(verifyChain(chain, { seq: batch.auditSeq, hash: batch.auditHead })).toEqual({ valid: true, length: 3 });
    // A refusal on a batch that does not exist has no chain to join and writes nothing.
    await db.batches.auditRefusal('PB-sunday-patch-209901010200', audit('patch_batch.approve_refused'));
    expect(await db.batches.getAudit('PB-sunday-patch-209901010200')).toEqual([]);
  });

  it("lists a window's open batches; a finished batch leaves the list", async () => {
    expect((await db.batches.openBatches('sunday-patch')).map((b) => b.id)).toEqual(['PB-sunday-patch-202611290200']);
    expect(await db.batches.openBatches('other-window')).toEqual([]);
    const read = (await db.batches.getBatch('PB-sunday-patch-202611290200'))!;
    const rejected: PatchBatch = { ...read, state: 'rejected', decidedBy: ['U0CTO000001'], version: read.version + 1 };
    expect(await db.batches.saveBatch(rejected, read.version, [audit('patch_batch.rejected', 'slack:U0CTO000001')])).toBe(true);
    expect(await db.batches.openBatches('sunday-patch')).toEqual([]);
    const index = await db.table.doc.send(
      new QueryCommand({
        TableName: db.table.name,
        IndexName: 'byStatus',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'PATCHBATCH#sunday-patch' },
      }),
    );
    expect(index.Items).toEqual([]);
  });

  it('the batch message is claimed once, then found; thread replies are claimed once', async () => {
    expect(await db.batches.claimMessage('PB-sunday-patch-202611290200', NOW)).toBe(true);
    expect(await db.batches.claimMessage('PB-sunday-patch-202611290200', NOW)).toBe(false);
    await db.batches.saveMessage('PB-sunday-patch-202611290200', { channel: 'C0INCIDENTS', ts: '1700000000.000100' });
    expect(await db.batches.getMessage('PB-sunday-patch-202611290200')).toMatchObject({
      channel: 'C0INCIDENTS',
      ts: '1700000000.000100',
    });
    expect(await db.batches.claimOnce('PB-sunday-patch-202611290200', 'run-started', NOW)).toBe(true);
    expect(await db.batches.claimOnce('PB-sunday-patch-202611290200', 'run-started', NOW)).toBe(false);
  });

  it('a batch item that does not parse is an error naming its key', async () => {
    await db.putRaw({
      ...keys.batch('PB-broken-202601010000'),
      type: 'patch-batch',
      id: 'PB-broken-202601010000',
      state: 'maybe',
    });
    await expect(db.batches.getBatch('PB-broken-202601010000')).rejects.toThrow('BATCH#PB-broken-202601010000 / STATE');
  });
});
