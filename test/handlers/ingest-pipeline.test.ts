import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config.ts';
import type { DeploymentRecord } from '../../functions/core/deployments/deployment-record.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';
import { ingestHarness, type IngestHarness } from '../support/ingest-harness.ts';

// The pipeline fixture: deploy-pipeline attaches a policy to orders-service at 09:20:41.
const raw = JSON.parse(JSON.stringify(exampleConfig()));
raw.watch.pipelines = [
  { name: 'orders pipeline', service: 'orders', sessionIssuer: '^arn:aws:iam::123456789012:role/deploy-pipeline$' },
];
const config = parseConfig(raw, 'test');
const eventBridge = mockClient(EventBridgeClient);
let harness: IngestHarness;

beforeAll(async () => (harness = await ingestHarness('ingest-pipeline', config)));
afterAll(() => harness.close());
beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
});

const published = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((e) => ({ type: e.DetailType, detail: JSON.parse(e.Detail ?? '{}') }));

const pipelineChange = (eventTime: string, requestParameters?: Record<string, unknown>) => {
  const event = withNewId(fixture('cloudtrail-attach-role-policy-pipeline-constructed.json'));
  return {
    ...event,
    time: eventTime,
    detail: {
      ...event.detail,
      eventTime,
      eventID: event.id,
      ...(requestParameters ? { requestParameters } : {}),
    },
  };
};

const deployment = (id: string, overrides: Partial<DeploymentRecord>): DeploymentRecord => ({
  id,
  source: 'aws.codepipeline',
  executionId: `exec-${id}`,
  service: 'orders',
  environment: 'production',
  version: 'v42',
  status: 'started',
  sourceStatus: 'STARTED',
  startedAt: '2026-03-02T09:15:00Z',
  lastEventAt: '2026-03-02T09:15:00Z',
  resources: [],
  account: '123456789012',
  region: 'us-east-1',
  recordedAt: '2026-03-02T09:15:01Z',
  updatedAt: '2026-03-02T09:15:01Z',
  ...overrides,
});

describe('ingest: a deployment pipeline\u2019s change (DynamoDB Local)', () => {
  it('during its service\u2019s deployment: attached to it, shown in "What changed?", announced, no incident', async () => {
    const { repositories } = harness;
    await repositories.deployments.saveDeployment(deployment('DEP-00000000000A', {}), undefined);
    const event = pipelineChange('2026-03-02T09:20:41Z');
    const result = await harness.ingest(event);
    expect(result.outcomes).toEqual([
      expect.objectContaining({
        outcome: 'attached',
        deploymentId: 'DEP-00000000000A',
        reason: 'attached to deployment DEP-00000000000A of orders (orders pipeline)',
      }),
    ]);
    expect(result.outcomes[0]!.incidentId).toBeUndefined();
    expect(await harness.store.listIncidents()).toEqual([]);
    expect(await repositories.deploymentChanges.countChanges('DEP-00000000000A')).toBe(1);
    const changes = await repositories.incidents.changesBetween('123456789012', '2026-03-02T09:00:00Z', '2026-03-02T10:00:00Z');
    expect(changes).toEqual([
      expect.objectContaining({ watch: 'iam.policy-attached', deploymentId: 'DEP-00000000000A', service: 'orders' }),
    ]);
    expect(changes[0]!.incidentId).toBeUndefined();
    expect(published()).toEqual([
      {
        type: 'Deployment Change Attached',
        detail: expect.objectContaining({
          deploymentId: 'DEP-00000000000A',
          service: 'orders',
          pipeline: 'orders pipeline',
          count: 1,
          change: expect.objectContaining({ what: expect.stringContaining('orders-service'), region: 'us-east-1' }),
        }),
      },
    ]);

    // A redelivery of the same event: nothing new recorded or announced.
    eventBridge.resetHistory();
    const again = await harness.ingest(event);
    expect(again.outcomes).toEqual([expect.objectContaining({ outcome: 'duplicate', deploymentId: 'DEP-00000000000A' })]);
    expect(await repositories.deploymentChanges.countChanges('DEP-00000000000A')).toBe(1);
    expect(published()).toEqual([]);
  });

  it('abuse: the pipeline\u2019s role used with no deployment under way still opens an incident, saying so', async () => {
    const result = await harness.ingest(pipelineChange('2026-03-02T13:00:00Z'));
    expect(result.outcomes).toEqual([expect.objectContaining({ outcome: 'opened', severity: 'SEV3', category: 'security' })]);
    const incident = await harness.store.getIncident(result.outcomes[0]!.incidentId!);
    expect(incident!.description).toMatch(
      /^Made by the deployment pipeline "orders pipeline" while no deployment of orders was under way\./,
    );
    expect(published().map((e) => e.type)).toEqual(['Incident Opened']);
  });

  it('abuse: during a deployment, a change no pipeline should make (AdministratorAccess) still pages', async () => {
    await harness.repositories.deployments.saveDeployment(
      deployment('DEP-00000000000B', { startedAt: '2026-03-02T15:00:00Z', lastEventAt: '2026-03-02T15:00:00Z' }),
      undefined,
    );
    const result = await harness.ingest(
      pipelineChange('2026-03-02T15:05:00Z', {
        roleName: 'payments-service',
        policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    expect(result.outcomes).toEqual([expect.objectContaining({ outcome: 'opened', severity: 'SEV2' })]);
    const incident = await harness.store.getIncident(result.outcomes[0]!.incidentId!);
    expect(incident!.description).toContain('a change no pipeline should make');
    expect(await harness.repositories.deploymentChanges.countChanges('DEP-00000000000B')).toBe(0);
  });

  it('numbers concurrent changes of one deployment 1, 2, 3… without gaps or repeats', async () => {
    await harness.repositories.deployments.saveDeployment(
      deployment('DEP-00000000000C', { startedAt: '2026-03-02T18:00:00Z', lastEventAt: '2026-03-02T18:00:00Z' }),
      undefined,
    );
    eventBridge.resetHistory();
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((role) =>
        harness.ingest(
          pipelineChange('2026-03-02T18:05:00Z', { roleName: `role-${role}`, policyArn: 'arn:aws:iam::123456789012:policy/p' }),
        ),
      ),
    );
    expect(results.map((r) => r.outcomes[0]!.outcome)).toEqual(['attached', 'attached', 'attached', 'attached', 'attached']);
    expect(await harness.repositories.deploymentChanges.countChanges('DEP-00000000000C')).toBe(5);
    const counts = published()
      .filter((e) => e.type === 'Deployment Change Attached')
      .map((e) => e.detail.count as number)
      .sort();
    expect(counts).toEqual([1, 2, 3, 4, 5]);
  });
});
