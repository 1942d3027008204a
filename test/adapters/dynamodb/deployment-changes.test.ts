import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { DeploymentChangeAttached } from '../../../functions/core/events/deployment-change-attached.ts';
import { repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('deployment-changes')));
afterAll(() => db.client.destroy());

const change = (at: string) => ({
  at,
  account: '123456789012',
  region: 'us-east-1',
  watch: 'iam.policy-attached',
  what: 'IAM policy attached: orders-service',
  actor: 'arn:aws:sts::123456789012:assumed-role/deploy-pipeline/deploy-1234',
  deploymentId: 'DEP-00000000000A',
  service: 'orders',
});
const event = (at: string, count: number) =>
  DeploymentChangeAttached.build({
    deploymentId: 'DEP-00000000000A',
    service: 'orders',
    pipeline: 'orders pipeline',
    count,
    change: { at, account: '123456789012', region: 'us-east-1', watch: 'iam.policy-attached', what: 'IAM policy attached' },
  });

describe('DeploymentChangeRepository on DynamoDB Local', () => {
  it('writes the change under its deployment, in "What changed?" and in the outbox, in one transaction, once per delivery', async () => {
    expect(await db.deploymentChanges.countChanges('DEP-00000000000A')).toBe(0);
    const at = '2026-03-02T09:20:41Z';
    expect(await db.deploymentChanges.attachChange(change(at), 'evt-1', 1, 1_900_000_000, [event(at, 1)])).toBe('attached');
    // A redelivery: refused by the items' conditions, nothing written twice, nothing announced twice.
    expect(await db.deploymentChanges.attachChange(change(at), 'evt-1', 2, 1_900_000_000, [event(at, 2)])).toBe('duplicate');
    expect(await db.deploymentChanges.countChanges('DEP-00000000000A')).toBe(1);
    const under = await db.table.doc.send(
      new GetCommand({ TableName: db.table.name, Key: keys.deploymentChange('DEP-00000000000A', at, 'evt-1') }),
    );
    expect(under.Item).toMatchObject({ type: 'deployment-change', service: 'orders', expiresAt: 1_900_000_000 });
    expect(await db.incidents.changesBetween('123456789012', '2026-03-02T09:00:00Z', '2026-03-02T10:00:00Z')).toEqual([
      { ...change(at) },
    ]);
    const outbox = await db.table.doc.send(
      new ScanCommand({
        TableName: db.table.name,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': 'OUTBOX#' },
      }),
    );
    expect(outbox.Items!.map((item) => JSON.parse(String(item.events)))).toEqual([[event(at, 1)]]);
  });

  it('keeps each change its own item: a second change of the deployment counts 2', async () => {
    const at = '2026-03-02T09:21:00Z';
    // Another change that read the count before the first was attached loses the race, then takes the next number.
    expect(await db.deploymentChanges.attachChange(change(at), 'evt-2', 1, 1_900_000_000, [event(at, 1)])).toBe('conflict');
    expect(await db.deploymentChanges.attachChange(change(at), 'evt-2', 2, 1_900_000_000, [event(at, 2)])).toBe('attached');
    expect(await db.deploymentChanges.countChanges('DEP-00000000000A')).toBe(2);
    expect(await db.deploymentChanges.countChanges('DEP-00000000000B')).toBe(0);
  });
});
