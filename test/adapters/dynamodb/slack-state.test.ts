import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/table.ts';
import { NOW, repositoriesOnFreshTable } from './items.ts';

let db: Awaited<ReturnType<typeof repositoriesOnFreshTable>>;
beforeAll(async () => (db = await repositoriesOnFreshTable('slack-state')));
afterAll(() => db.client.destroy());

const later = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();

describe('SlackStateRepository on DynamoDB Local', () => {
  it('one invocation claims an incident\u2019s message; a stale claim without a message can be taken over', async () => {
    expect(await db.slackState.claimSlackMessage('INC-A', NOW)).toBe(true);
    expect(await db.slackState.claimSlackMessage('INC-A', later(30))).toBe(false);
    expect(await db.slackState.claimSlackMessage('INC-A', later(61))).toBe(true);
    expect(await db.slackState.saveSlackState('INC-A', { channel: 'C1', ts: '1.1', renderedVersion: 1, renderedAt: NOW })).toBe(
      true,
    );
    // Posted: the claim can no longer be taken over.
    expect(await db.slackState.claimSlackMessage('INC-A', later(600))).toBe(false);
    // A request's message in the thread is claimed on its own.
    expect(await db.slackState.claimSlackMessage('INC-A', NOW, 'MIT-1')).toBe(true);
  });

  it('what was rendered never moves back to an older version', async () => {
    expect(await db.slackState.saveSlackState('INC-A', { renderedVersion: 3, renderedAt: later(1) })).toBe(true);
    expect(await db.slackState.saveSlackState('INC-A', { renderedVersion: 2, renderedAt: later(2) })).toBe(false);
    expect(await db.slackState.getSlackState('INC-A')).toMatchObject({
      channel: 'C1',
      ts: '1.1',
      renderedVersion: 3,
      renderedAt: later(1),
    });
    expect(await db.slackState.getSlackState('INC-NONE')).toBeUndefined();
  });

  it('a once-only claim is true once; a refresh is claimed once per window, only for a message that exists', async () => {
    expect(await db.slackState.claimOnce('INC-A', 'summary#MIT-1', NOW)).toBe(true);
    expect(await db.slackState.claimOnce('INC-A', 'summary#MIT-1', later(5))).toBe(false);
    expect(await db.slackState.claimRefresh('INC-NONE', later(5), NOW)).toBe(false);
    expect(await db.slackState.claimRefresh('INC-A', later(5), NOW)).toBe(true);
    expect(await db.slackState.claimRefresh('INC-A', later(10), later(1))).toBe(false);
    expect(await db.slackState.claimRefresh('INC-A', later(15), later(5))).toBe(true);
  });

  it('of the deliveries that read the same renderedAt, one claims the update; a stale read loses', async () => {
    await db.slackState.saveSlackState('INC-U', { channel: 'C1', ts: '2.1', renderedVersion: 1, renderedAt: NOW });
    const claims = await Promise.all([1, 2, 3, 4].map(() => db.slackState.claimUpdate('INC-U', NOW, later(6))));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await db.slackState.claimUpdate('INC-U', NOW, later(7))).toBe(false);
    expect(await db.slackState.claimUpdate('INC-U', later(6), later(12))).toBe(true);
    expect((await db.slackState.getSlackState('INC-U'))?.renderedAt).toBe(later(12));
  });

  it('a state item that does not parse is an error naming its key', async () => {
    await db.putRaw({ ...keys.slackState('INC-B'), type: 'slack', renderedVersion: 'three' });
    await expect(db.slackState.getSlackState('INC-B')).rejects.toThrow('INC#INC-B / SLACK');
  });
});
