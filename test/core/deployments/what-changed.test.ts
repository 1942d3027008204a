import { describe, expect, it } from 'vitest';
import { recentDeployments } from '../../../functions/core/deployments/what-changed.ts';
import { type DeploymentRecord } from '../../../functions/core/deployments/deployment-record.ts';
import { dep } from './fixtures.ts';

describe('recentDeployments', () => {
  const incident = {
    account: '123456789012',
    firstSeen: '2026-03-01T10:00:00.000Z',
    openedAt: '2026-03-01T10:00:05.000Z',
    subject: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx',
    resources: ['i-0aaaaaaaaaaaaaaa1'],
  };
  const at_ = (id: string, finishedAt: string, overrides: Partial<DeploymentRecord> = {}) =>
    dep({ id, startedAt: undefined, durationSeconds: undefined, finishedAt, lastEventAt: finishedAt, ...overrides });

  it('lists the deployments to the account in the hour before the incident, newest first', () => {
    const records = [
      at_('DEP-A', '2026-03-01T09:05:00.000Z'),
      at_('DEP-B', '2026-03-01T09:00:00.000Z'),
      at_('DEP-C', '2026-03-01T08:59:59.000Z'),
      at_('DEP-D', '2026-03-01T09:58:00.000Z', { account: '999988887777' }),
      at_('DEP-E', '2026-03-01T10:00:04.000Z'),
      at_('DEP-F', '2026-03-01T10:00:06.000Z'),
    ];
    expect(recentDeployments(records, incident).map((r) => r.id)).toEqual(['DEP-E', 'DEP-A', 'DEP-B']);
    expect(recentDeployments(records, incident, 10).map((r) => r.id)).toEqual(['DEP-E']);
  });

  it('includes the same service in another account, by subject or by a shared resource', () => {
    const other = { account: '999988887777' };
    const records = [
      at_('DEP-S', '2026-03-01T09:30:00.000Z', other),
      at_('DEP-R', '2026-03-01T09:40:00.000Z', { ...other, service: 'payments', resources: ['i-0aaaaaaaaaaaaaaa1'] }),
      at_('DEP-X', '2026-03-01T09:40:00.000Z', { ...other, service: 'search' }),
    ];
    expect(recentDeployments(records, { ...incident, subject: 'checkout/production' }).map((r) => r.id)).toEqual([
      'DEP-R',
      'DEP-S',
    ]);
    expect(recentDeployments(records, { ...incident, subject: 'checkout' }).map((r) => r.id)).toEqual(['DEP-R', 'DEP-S']);
    expect(recentDeployments(records, { ...incident, subject: 'checkout-v2' }).map((r) => r.id)).toEqual(['DEP-R']);
  });

  it('counts a long deployment that overlaps the window, and one still running', () => {
    const records = [
      dep({
        id: 'DEP-LONG',
        startedAt: '2026-03-01T08:00:00.000Z',
        finishedAt: '2026-03-01T09:10:00.000Z',
        lastEventAt: '2026-03-01T09:10:00.000Z',
      }),
      dep({
        id: 'DEP-RUN',
        status: 'started',
        startedAt: '2026-03-01T07:00:00.000Z',
        finishedAt: undefined,
        durationSeconds: undefined,
        lastEventAt: '2026-03-01T07:00:00.000Z',
      }),
      dep({
        id: 'DEP-OLD',
        startedAt: '2026-03-01T07:00:00.000Z',
        finishedAt: '2026-03-01T08:00:00.000Z',
        lastEventAt: '2026-03-01T08:00:00.000Z',
      }),
    ];
    expect(recentDeployments(records, incident).map((r) => r.id)).toEqual(['DEP-LONG', 'DEP-RUN']);
  });

  it('works from the incident detail notify receives (first seen only), and gives nothing without a time', () => {
    expect(
      recentDeployments([at_('DEP-A', '2026-03-01T09:30:00.000Z')], {
        account: '123456789012',
        firstSeen: '2026-03-01T10:00:00.000Z',
      }),
    ).toHaveLength(1);
    expect(recentDeployments([at_('DEP-A', '2026-03-01T09:30:00.000Z')], { account: '123456789012' })).toEqual([]);
  });
});
