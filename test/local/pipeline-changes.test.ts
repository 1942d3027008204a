/**
 * A deployment pipeline's change end to end on the local runtime: the deployment recorded from its
 * CodePipeline event, the pipeline's CloudTrail change attached to it and shown in the notice's
 * thread in #deployments (no incident), and the same role with no deployment under way paging.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../functions/core/config.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';

const raw = JSON.parse(JSON.stringify(exampleConfig()));
raw.watch.pipelines = [{ name: 'orders pipeline', service: 'orders', sessionIssuer: ':role/deploy-pipeline$' }];
raw.deployFreeze = { enabled: false, minimumSeverity: 'SEV2', scope: 'global' };
const config = parseConfig(raw, 'test');
const DEPLOYMENTS = config.slack.channels.deployments;
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    config,
    start: '2026-03-02T09:25:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `pipeline-changes-${process.pid}`,
  });
});
afterAll(async () => runtime?.stop());

const pipelineStarted = {
  ...fixture('codepipeline-pipeline-execution-succeeded.json'),
  id: 'orders-started',
  time: '2026-03-02T09:15:00Z',
  resources: ['arn:aws:codepipeline:us-east-1:123456789012:orders'],
  detail: {
    pipeline: 'orders',
    'execution-id': 'exec-orders-1',
    'start-time': '2026-03-02T09:15:00.000Z',
    state: 'STARTED',
    version: 3,
  },
};
const pipelineChange = (eventTime: string) => {
  const event = withNewId(fixture('cloudtrail-attach-role-policy-pipeline-constructed.json'));
  return { ...event, time: eventTime, detail: { ...event.detail, eventTime, eventID: event.id } };
};

describe('a pipeline\u2019s change on the local runtime', () => {
  it('is attached to the deployment under way and shown in its notice\u2019s thread; no incident', async () => {
    runtime.bus.put('default', pipelineStarted);
    await runtime.bus.drain();
    const notice = runtime.slack.messages(DEPLOYMENTS).find((m) => !m.thread_ts && m.text.includes('orders'));
    expect(notice).toBeDefined();
    runtime.bus.put('default', pipelineChange('2026-03-02T09:20:41Z'));
    await runtime.bus.drain();
    const replies = runtime.slack.messages(DEPLOYMENTS).filter((m) => m.thread_ts === notice!.ts);
    expect(replies.map((m) => m.text)).toEqual([
      expect.stringMatching(
        /^:wrench: Change #1 attached \(made by the pipeline orders pipeline, no incident\): IAM policy attached: .*orders-service.* at 2026-03-02 09:20:41 UTC in us-east-1$/,
      ),
    ]);
    expect(await runtime.repositories.incidents.listIncidents()).toEqual([]);
  });

  it('abuse: the same role with no deployment under way opens an incident', async () => {
    runtime.bus.put('default', pipelineChange('2026-03-02T14:00:00Z'));
    await runtime.bus.drain();
    const incidents = await runtime.repositories.incidents.listIncidents();
    expect(incidents).toEqual([expect.objectContaining({ severity: 'SEV3', category: 'security' })]);
    expect(incidents[0]!.description).toContain('while no deployment of orders was under way');
  });
});
