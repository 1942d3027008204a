import { describe, expect, it } from 'vitest';
import { becameFailed, mergeDeployment } from '../../../functions/core/deployments/merge-deployment.ts';
import { normalizeDeployment } from '../../../functions/core/deployments/normalize-deployment.ts';
import { type DeploymentRecord } from '../../../functions/core/deployments/deployment-record.ts';
import { fixture } from '../../support.ts';
import { customEvent, editable, at, NOW } from './fixtures.ts';

describe('mergeDeployment', () => {
  const started = normalizeDeployment(
    customEvent({ status: 'started', commit: 'a1b2c3d', actor: 'alice' }, { time: '2026-03-01T09:50:00Z' }),
  );
  const succeeded = normalizeDeployment(
    customEvent({ status: 'succeeded', url: 'https://ci.example.com/runs/42' }, { time: '2026-03-01T09:54:00Z' }),
  );
  const failed = normalizeDeployment(customEvent({ status: 'failed' }, { time: '2026-03-01T09:54:00Z' }));

  it("creates a record, stamped with Firebreak's clock", () => {
    const result = mergeDeployment(undefined, started, NOW);
    expect(result.change).toBe('created');
    expect(result.previousStatus).toBeUndefined();
    expect(result.record).toMatchObject({ ...started, recordedAt: NOW, updatedAt: NOW });
  });

  it('merges started then succeeded into one record with its duration and the facts of both', () => {
    const first = mergeDeployment(undefined, started, '2026-03-01T09:50:01.000Z').record;
    const result = mergeDeployment(first, succeeded, NOW);
    expect(result.change).toBe('updated');
    expect(result.previousStatus).toBe('started');
    expect(result.record).toMatchObject({
      id: started.id,
      status: 'succeeded',
      startedAt: '2026-03-01T09:50:00.000Z',
      finishedAt: '2026-03-01T09:54:00.000Z',
      durationSeconds: 240,
      commit: 'a1b2c3d',
      actor: 'alice',
      link: 'https://ci.example.com/runs/42',
      recordedAt: '2026-03-01T09:50:01.000Z',
      updatedAt: NOW,
    });
  });

  it('changes nothing for a duplicate, and returns the stored record itself', () => {
    const stored = mergeDeployment(mergeDeployment(undefined, started, NOW).record, succeeded, NOW).record;
    const again = mergeDeployment(stored, succeeded, '2026-03-01T11:00:00.000Z');
    expect(again.change).toBe('unchanged');
    expect(again.record).toBe(stored);
    expect(mergeDeployment(stored, started, '2026-03-01T11:00:00.000Z').change).toBe('unchanged');
  });

  it('does not move the status back for a STARTED delivered after SUCCEEDED, but takes its start', () => {
    const stored = mergeDeployment(undefined, succeeded, NOW).record;
    expect(stored.startedAt).toBeUndefined();
    const late = mergeDeployment(stored, started, '2026-03-01T10:01:00.000Z');
    expect(late.change).toBe('updated');
    expect(late.record).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-03-01T09:50:00.000Z',
      finishedAt: '2026-03-01T09:54:00.000Z',
      durationSeconds: 240,
      commit: 'a1b2c3d',
    });
    expect(becameFailed(late)).toBe(false);
  });

  it('lets a resumed execution (a start newer than the failure) and its success supersede the failure, in any delivery order', () => {
    const pipeline = (state: string, time: string) => {
      const event = editable('codepipeline-pipeline-execution-failed-gittags.json');
      event.detail.state = state;
      event.detail['start-time'] = '2026-03-01T09:00:00Z';
      event.time = time;
      return normalizeDeployment(event);
    };
    const events = [
      pipeline('STARTED', '2026-03-01T09:00:00Z'),
      pipeline('FAILED', '2026-03-01T09:10:00Z'),
      pipeline('RESUMED', '2026-03-01T09:20:00Z'),
      pipeline('SUCCEEDED', '2026-03-01T09:30:00Z'),
    ];
    const fold = (order: number[]) =>
      order.reduce<DeploymentRecord | undefined>((record, i) => mergeDeployment(record, events[i]!, NOW).record, undefined)!;
    const expected = fold([0, 1, 2, 3]);
    expect(expected).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-03-01T09:00:00.000Z',
      finishedAt: '2026-03-01T09:30:00.000Z',
      durationSeconds: 1800,
      sourceStatus: 'SUCCEEDED',
    });
    for (const order of [
      [3, 2, 1, 0],
      [1, 3, 0, 2],
      [2, 0, 3, 1],
      [1, 0, 2, 3],
    ])
      expect(fold(order), order.join()).toEqual(expected);
    const resumed = mergeDeployment(fold([0, 1]), events[2]!, NOW);
    expect(resumed.record.status).toBe('started');
    expect(resumed.record.finishedAt).toBeUndefined();
  });

  it('settles contradicting results at the same time on the failure, whichever arrives first (the CodeDeploy samples)', () => {
    const success = normalizeDeployment(fixture('codedeploy-deployment-success.json'));
    const failure = normalizeDeployment(fixture('codedeploy-deployment-failure-derived.json'));
    const a = mergeDeployment(mergeDeployment(undefined, success, NOW).record, failure, NOW);
    const b = mergeDeployment(mergeDeployment(undefined, failure, NOW).record, success, NOW);
    expect(a.record.status).toBe('failed');
    expect(a.change).toBe('updated');
    expect(becameFailed(a)).toBe(true);
    expect(b.record.status).toBe('failed');
    expect(b.change).toBe('unchanged');
    expect(becameFailed(b)).toBe(false);
    const ecs = mergeDeployment(
      mergeDeployment(undefined, normalizeDeployment(fixture('ecs-deployment-failed.json')), NOW).record,
      normalizeDeployment(fixture('ecs-deployment-completed.json')),
      NOW,
    );
    expect(ecs.record).toMatchObject({ status: 'failed', reason: 'ECS deployment circuit breaker: task failed to start.' });
  });

  it('reports a new failure once', () => {
    const first = mergeDeployment(undefined, started, NOW);
    const fail = mergeDeployment(first.record, failed, NOW);
    expect(becameFailed(first)).toBe(false);
    expect(becameFailed(fail)).toBe(true);
    expect(becameFailed(mergeDeployment(fail.record, failed, NOW))).toBe(false);
    expect(becameFailed(mergeDeployment(undefined, failed, NOW))).toBe(true);
  });

  it('keeps a reason with its own status only', () => {
    const ecsFailed = normalizeDeployment(at('ecs-deployment-failed.json', '2026-03-01T09:00:00Z'));
    const event = editable('ecs-deployment-completed.json');
    event.time = '2026-03-01T09:30:00Z';
    delete event.detail.reason;
    const merged = mergeDeployment(mergeDeployment(undefined, ecsFailed, NOW).record, normalizeDeployment(event), NOW).record;
    expect(merged.status).toBe('succeeded');
    expect(merged.reason).toBeUndefined();
  });

  it('refuses to merge two different deployments', () => {
    expect(() => mergeDeployment(started, normalizeDeployment(fixture('ecs-deployment-failed.json')), NOW)).toThrow(
      /cannot merge/,
    );
  });
});
