import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../../functions/core/deployments/deployment-record.ts';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { NOW, repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('deployments')));
afterAll(() => db.client.destroy());

const record = (id: string, lastEventAt: string, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  id,
  source: 'firebreak.deploy',
  executionId: `run-${id}`,
  service: 'checkout',
  environment: 'production',
  version: 'v1',
  status: 'started',
  sourceStatus: 'started',
  lastEventAt,
  resources: [],
  account: '123456789012',
  region: 'us-east-1',
  recordedAt: NOW,
  updatedAt: lastEventAt,
  ...overrides,
});

describe('DeploymentRepository on DynamoDB Local', () => {
  it('a first save applies once; later saves apply only on the updatedAt that was read', async () => {
    const first = record('DEP-000000000001', '2026-11-23T09:00:00.000Z');
    expect(await db.deployments.saveDeployment(first, undefined)).toBe(true);
    expect(await db.deployments.saveDeployment(first, undefined)).toBe(false);
    const succeeded = { ...first, status: 'succeeded' as const, updatedAt: '2026-11-23T09:05:00.000Z' };
    expect(await db.deployments.saveDeployment(succeeded, '2026-11-23T08:00:00.000Z')).toBe(false);
    expect(await db.deployments.saveDeployment(succeeded, first.updatedAt)).toBe(true);
    expect(await db.deployments.getDeployment('checkout', first.id)).toEqual(succeeded);
  });

  it('keeps the Slack notice on the record', async () => {
    await db.deployments.setDeploymentMessage('checkout', 'DEP-000000000001', 'C0DEPLOYS01', '1700000000.000100');
    expect(await db.deployments.getDeployment('checkout', 'DEP-000000000001')).toMatchObject({
      slackChannel: 'C0DEPLOYS01',
      slackTs: '1700000000.000100',
    });
  });

  it('lists a service\u2019s records and an account\u2019s records in a time window', async () => {
    await db.deployments.saveDeployment(record('DEP-000000000002', '2026-11-23T10:00:00.000Z'), undefined);
    await db.deployments.saveDeployment(record('DEP-000000000003', '2026-11-23T11:00:00.000Z', { service: 'search' }), undefined);
    expect((await db.deployments.listDeployments('checkout')).map((r) => r.id)).toEqual(['DEP-000000000001', 'DEP-000000000002']);
    const between = await db.deployments.deploymentsBetween(
      '123456789012',
      '2026-11-23T09:30:00.000Z',
      '2026-11-23T11:00:00.000Z',
    );
    expect(between.map((r) => r.id)).toEqual(['DEP-000000000002', 'DEP-000000000003']);
    expect(
      await db.deployments.deploymentsBetween('999999999999', '2026-11-23T00:00:00.000Z', '2026-11-24T00:00:00.000Z'),
    ).toEqual([]);
  });

  it('a record that does not parse is an error naming its key', async () => {
    await db.putRaw({
      ...keys.deployment('checkout', 'DEP-BROKEN00001'),
      type: 'deployment',
      id: 'DEP-BROKEN00001',
      status: 'exploded',
    });
    await expect(db.deployments.getDeployment('checkout', 'DEP-BROKEN00001')).rejects.toThrow('DEP#checkout / DEP-BROKEN00001');
    await expect(db.deployments.listDeployments('checkout')).rejects.toThrow('unreadable item');
  });
});
