import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToChain, deployFreezeChainId, verifyChain } from '../../../functions/core/audit/chain.ts';
import type { FreezeState } from '../../../functions/core/deployments/deploy-freeze.ts';
import { DeployFreezeLifted } from '../../../functions/core/events/deploy-freeze-lifted.ts';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { NOW, repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('freezes')));
afterAll(() => db.client.destroy());

const freeze = (scope: string): FreezeState => ({
  scope,
  frozen: true,
  incidents: [{ incidentId: 'INC-AAAAAAAAAA', severity: 'SEV2', title: 'db down', account: '111111111111' }],
  moreIncidents: [],
  since: NOW,
  seniorQuorum: 2,
  exemptions: [],
  revision: 1,
});
const entries = (scope: string, previous: Parameters<typeof appendToChain>[1], action: string) =>
  appendToChain(deployFreezeChainId(scope), previous, [{ action, data: { scope } }], 'system:freeze', NOW);

async function outboxDetailTypes(): Promise<string[]> {
  const out = await db.table.doc.send(new ScanCommand({ TableName: db.table.name }));
  return (out.Items ?? [])
    .filter((item) => String(item.pk).startsWith('OUTBOX#'))
    .flatMap((item) => JSON.parse(String(item.events)) as { detailType: string }[])
    .map((e) => e.detailType);
}

describe('DeployFreezeRepository on DynamoDB Local', () => {
  it('saves a new freeze with the head of its chain and lists it while it is on; a second "new" freeze does not apply', async () => {
    const started = entries('service:payments', undefined, 'freeze.started');
    expect(await db.freezes.saveFreeze(freeze('service:payments'), undefined, started)).toBe(true);
    expect(await db.freezes.getFreeze('service:payments')).toEqual({
      ...freeze('service:payments'),
      auditSeq: 1,
      auditHead: started[0]!.hash,
    });
    expect(await db.freezes.saveFreeze(freeze('service:payments'), undefined, started)).toBe(false);
    expect((await db.freezes.activeFreezes()).map((f) => f.scope)).toEqual(['service:payments']);
  });

  it('lifts only the freeze as it was read, with its event in the same write; a lifted freeze leaves the list', async () => {
    const read = (await db.freezes.getFreeze('service:payments'))!;
    const lifted = { ...read, frozen: false, incidents: [], liftedAt: NOW, revision: 2 };
    const event = DeployFreezeLifted.build({ scope: read.scope, since: read.since });
    expect(await db.freezes.saveFreeze(lifted, read, entries(read.scope, read, 'freeze.lifted'), [event])).toBe(true);
    expect(await db.freezes.saveFreeze(lifted, read, entries(read.scope, read, 'freeze.lifted'), [event])).toBe(false);
    expect(await outboxDetailTypes()).toEqual(['Deploy Freeze Lifted']);
    expect(await db.freezes.activeFreezes()).toEqual([]);
    const now = (await db.freezes.getFreeze(read.scope))!;
    const chain = await db.freezes.getAudit(read.scope);
    expect(chain.map((e) => e.action)).toEqual(['freeze.started', 'freeze.lifted']);
    expect(verifyChain(chain, { seq: now.auditSeq!, hash: now.auditHead! })).toEqual({ valid: true, length: 2 });
  });

  it('a freeze item that does not parse is an error naming its key', async () => {
    await db.putRaw({ ...keys.freeze('global'), type: 'freeze', scope: 'global', frozen: 'yes' });
    await expect(db.freezes.getFreeze('global')).rejects.toThrow('FREEZE#global / STATE');
  });
});
