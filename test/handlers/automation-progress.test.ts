/**
 * Per-instance progress of rate-controlled Automation runs, on DynamoDB Local: the tracker (through
 * the real track handler and the real SSM adapter, its client mocked by aws-sdk-client-mock) reads
 * the child executions when the parent's status event is terminal, counts each instance once, and
 * the failure reason and the thread summary name the failed instances. Status events are SSM's
 * published sample with its ids and statuses changed; DescribeAutomationExecutions answers are
 * shaped like the API's (children carry ParentAutomationExecutionId and Target).
 */
import type { Context } from 'aws-lambda';
import {
  DescribeAutomationExecutionsCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  type AutomationExecutionMetadata,
  type AutomationExecutionStatus,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsSsmGateway } from '../../functions/adapters/ssm-gateway.ts';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { createTrackHandler } from '../../functions/track/handler.ts';
import { Execution } from '../../functions/workflow/execution.ts';
import { fixture, withNewId } from '../support.ts';
import { automationConfig, counts, instance, threadTexts } from '../support/automation-runs.ts';

const CTO = 'U0CTO000001';
const SENIOR1 = 'U0SENIOR001';
const TEAM = 'T0FIREBRK01';
const PARENT = '6f1c4d2a-0b8e-4f3a-9c57-2d6e8b1a0c11';
const context = { functionName: 'track', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

const config = automationConfig;

const ssmMock = mockClient(SSMClient);
let runtime: LocalRuntime | undefined;
let tables = 0;

/** A fresh runtime and table, without its own executor: the tests build one over the mocked SSM client. */
async function start(): Promise<void> {
  runtime = await startLocalRuntime({
    config,
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `automation-progress-${process.pid}-${++tables}`,
    execute: false,
  });
}

beforeEach(() => {
  ssmMock.reset();
  ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: PARENT });
});

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

const rt = () => runtime!;

function executor(): Execution {
  const { repositories, clock } = rt();
  const client = new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return new Execution({
    ...repositories,
    config,
    now: clock.now,
    ssm: new AwsSsmGateway(client),
    outputLogGroup: '/firebreak/mitigations',
    automationRoleArn: 'arn:aws:iam::123456789012:role/firebreak-automation',
  });
}

/** isolate-fleet requested by a senior engineer, approved by the CTO and started: the parent execution is PARENT. */
async function runningIsolation(execution: Execution) {
  rt().bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
  await rt().bus.drain();
  const [incident] = await rt().repositories.incidents.listIncidents();
  const requested = await rt().workflow.requestMitigation({
    incidentId: incident!.id,
    catalogId: 'isolate-fleet',
    requestedBy: `slack:${SENIOR1}`,
  });
  expect(requested.ok, requested.text).toBe(true);
  const request = requested.request!;
  expect(
    (await rt().workflow.decideMitigation({ requestId: request.id, action: 'approve', actor: { userId: CTO, teamId: TEAM } })).ok,
  ).toBe(true);
  await rt().bus.drain();
  expect(await execution.onApproved({ incidentId: incident!.id, requestId: request.id, planHash: request.planHash })).toEqual({
    outcome: 'started',
    runId: PARENT,
  });
  await rt().bus.drain();
  return { incident: incident!, request };
}

/** The published automation status sample, as the execution `executionId` with `status`. */
function automationEvent(executionId: string, status: string): EventEnvelope {
  const sample = withNewId(fixture('ssm-automation-execution-status-change-success.json'));
  return {
    ...sample,
    resources: [`arn:aws:ssm:us-east-1:123456789012:automation-execution/${executionId}`],
    detail: { ...sample.detail, ExecutionId: executionId, Status: status },
  };
}

const childId = (n: number) => `0c0c0c0c-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A child execution as DescribeAutomationExecutions lists it (a status SSM does not have may be passed, as a faulty answer). */
const child = (n: number, status: string, overrides: Record<string, unknown> = {}): AutomationExecutionMetadata => ({
  AutomationExecutionId: childId(n),
  AutomationExecutionStatus: status as AutomationExecutionStatus,
  DocumentName: 'Firebreak-IsolateInstance',
  DocumentVersion: '1',
  ExecutedBy: 'arn:aws:sts::123456789012:assumed-role/firebreak-execute/track',
  Mode: 'Auto' as const,
  ParentAutomationExecutionId: PARENT,
  Target: instance(n),
  Targets: [],
  ResolvedTargets: { ParameterValues: [], Truncated: false },
  AutomationType: 'Local' as const,
  ...overrides,
});

const describeInputs = () => ssmMock.commandCalls(DescribeAutomationExecutionsCommand).map((c) => c.args[0].input);
const firstPage = { Filters: [{ Key: 'ParentExecutionId' as const, Values: [PARENT] }], MaxResults: 50 };

async function deliver(execution: Execution, ...events: EventEnvelope[]) {
  const handler = createTrackHandler(() => execution);
  const results = [];
  for (const event of events) results.push(await handler(event, context));
  await rt().bus.drain();
  return results as Array<{ outcome: string; requestId?: string; children?: unknown }>;
}

describe('a rate-controlled automation over five instances', () => {
  beforeEach(() => start());

  it('reads the children page by page when the parent fails, counts each instance once and names the failed ones', async () => {
    const execution = executor();
    const { incident, request } = await runningIsolation(execution);
    ssmMock
      .on(DescribeAutomationExecutionsCommand, firstPage, true)
      .resolves({
        AutomationExecutionMetadataList: [child(1, 'Success'), child(2, 'Failed'), child(3, 'Success')],
        NextToken: 'page-2',
      })
      .on(DescribeAutomationExecutionsCommand, { ...firstPage, NextToken: 'page-2' }, true)
      .resolves({ AutomationExecutionMetadataList: [child(4, 'TimedOut'), child(5, 'Success')] });

    // The children's own events name no parent: they are not ours. The parent's InProgress reads nothing.
    const early = await deliver(
      execution,
      automationEvent(PARENT, 'InProgress'),
      automationEvent(childId(1), 'InProgress'),
      automationEvent(childId(2), 'Failed'),
    );
    expect(early.map((r) => r.outcome)).toEqual(['running', 'not ours', 'not ours']);
    expect(describeInputs()).toEqual([]);

    const [final] = await deliver(execution, automationEvent(PARENT, 'Failed'));
    expect(final).toEqual({
      outcome: 'failed',
      requestId: request.id,
      children: { children: 5, skipped: 0, truncated: false },
    });
    expect(describeInputs()).toStrictEqual([firstPage, { ...firstPage, NextToken: 'page-2' }]);
    expect(await counts(rt(), incident.id, request.id)).toEqual({
      in_progress: 0,
      succeeded: 3,
      failed: 1,
      timed_out: 1,
      cancelled: 0,
      failedInstances: new Set([instance(2), instance(4)]),
    });
    expect((await rt().repositories.mitigations.getProgress(incident.id, request.id))?.runStatus).toBe('Failed');
    expect(await rt().repositories.mitigations.getRequest(incident.id, request.id)).toMatchObject({
      state: 'failed',
      reason: `2 of 5 instances failed or timed out: ${instance(2)}, ${instance(4)}`,
    });
    const summaries = threadTexts(rt(), incident.id).filter((t) => t.includes(`(\`${request.id}\`) failed.`));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toContain('Progress: 3 succeeded · 1 failed · 1 timed out');
    expect(summaries[0]).toContain(`Failed or timed out: \`${instance(2)}\`, \`${instance(4)}\``);

    // Redelivered: the request has ended, so SSM is not asked again and nothing moves.
    await deliver(execution, automationEvent(PARENT, 'Failed'), automationEvent(childId(4), 'TimedOut'));
    expect(describeInputs()).toHaveLength(2);
    expect(threadTexts(rt(), incident.id).filter((t) => t.includes(`(\`${request.id}\`) failed.`))).toHaveLength(1);
  });

  it('a success counts every instance as succeeded and gives no failure reason', async () => {
    const execution = executor();
    const { incident, request } = await runningIsolation(execution);
    ssmMock
      .on(DescribeAutomationExecutionsCommand)
      .resolves({ AutomationExecutionMetadataList: [1, 2, 3, 4, 5].map((n) => child(n, 'Success')) });
    expect((await deliver(execution, automationEvent(PARENT, 'Success')))[0]?.outcome).toBe('succeeded');
    expect(await counts(rt(), incident.id, request.id)).toEqual({
      in_progress: 0,
      succeeded: 5,
      failed: 0,
      timed_out: 0,
      cancelled: 0,
      failedInstances: new Set(),
    });
    const stored = await rt().repositories.mitigations.getRequest(incident.id, request.id);
    expect(stored).toMatchObject({ state: 'succeeded' });
    expect(stored?.reason).toBeUndefined();
  });

  it('duplicates and a late, lower status within the pages, and two concurrent parent events: each instance counted once', async () => {
    const execution = executor();
    const { incident, request } = await runningIsolation(execution);
    ssmMock
      .on(DescribeAutomationExecutionsCommand, firstPage, true)
      .resolves({
        // Instance 2 listed twice; instance 3 listed as InProgress here and Failed on the next page.
        AutomationExecutionMetadataList: [child(1, 'Success'), child(2, 'Failed'), child(2, 'Failed'), child(3, 'InProgress')],
        NextToken: 'page-2',
      })
      .on(DescribeAutomationExecutionsCommand, { ...firstPage, NextToken: 'page-2' }, true)
      .resolves({ AutomationExecutionMetadataList: [child(3, 'Failed'), child(1, 'InProgress'), child(4, 'Success')] });

    const handler = createTrackHandler(() => execution);
    const outcomes = await Promise.all([
      handler(automationEvent(PARENT, 'Failed'), context),
      handler(automationEvent(PARENT, 'Failed'), context),
    ]);
    await rt().bus.drain();
    expect(outcomes.map((o) => (o as { outcome: string }).outcome)).toEqual(['failed', 'failed']);
    expect(await counts(rt(), incident.id, request.id)).toEqual({
      in_progress: 0,
      succeeded: 2,
      failed: 2,
      timed_out: 0,
      cancelled: 0,
      failedInstances: new Set([instance(2), instance(3)]),
    });
    expect(rt().bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Failed')).toHaveLength(1);
    const rollbacks = (await rt().repositories.mitigations.listRequests(incident.id)).filter(
      (r) => r.catalogId === 'release-instance',
    );
    expect(rollbacks).toHaveLength(1);
  });

  it('SSM throttling on the second page: the delivery fails, the run stays running, and the retry counts nothing twice', async () => {
    const execution = executor();
    const { incident, request } = await runningIsolation(execution);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { attempts: 3 } });
    ssmMock
      .on(DescribeAutomationExecutionsCommand, firstPage, true)
      .resolves({ AutomationExecutionMetadataList: [child(1, 'Failed'), child(2, 'Success')], NextToken: 'page-2' })
      .on(DescribeAutomationExecutionsCommand, { ...firstPage, NextToken: 'page-2' }, true)
      .rejectsOnce(throttled)
      .resolves({ AutomationExecutionMetadataList: [child(3, 'Success')] });

    const handler = createTrackHandler(() => execution);
    await expect(handler(automationEvent(PARENT, 'Failed'), context)).rejects.toThrow('Rate exceeded');
    expect(await rt().repositories.mitigations.getRequest(incident.id, request.id)).toMatchObject({ state: 'running' });
    expect(await counts(rt(), incident.id, request.id)).toMatchObject({ in_progress: 0, succeeded: 1, failed: 1 });

    // EventBridge (or Lambda) delivers the same event again.
    expect((await deliver(execution, automationEvent(PARENT, 'Failed')))[0]).toMatchObject({ outcome: 'failed' });
    expect(await counts(rt(), incident.id, request.id)).toMatchObject({ in_progress: 0, succeeded: 2, failed: 1 });
    expect(await rt().repositories.mitigations.getRequest(incident.id, request.id)).toMatchObject({
      state: 'failed',
      reason: `1 of 3 instances failed or timed out: ${instance(1)}`,
    });
  });

  it('abuse: executions of another parent and undocumented statuses are skipped; a target that is no instance id is named by its execution, escaped', async () => {
    const execution = executor();
    const { incident, request } = await runningIsolation(execution);
    ssmMock.on(DescribeAutomationExecutionsCommand).resolves({
      AutomationExecutionMetadataList: [
        child(1, 'Success'),
        child(2, 'Failed', { ParentAutomationExecutionId: '99999999-0000-4000-8000-000000000000' }),
        child(3, 'Exploded'),
        child(4, 'Failed', { Target: '<!channel> <https://evil.example|click>' }),
        child(5, 'Failed', { Target: undefined }),
      ],
    });
    const [final] = await deliver(execution, automationEvent(PARENT, 'Failed'));
    expect(final).toMatchObject({ outcome: 'failed', children: { children: 3, skipped: 2, truncated: false } });
    expect(await counts(rt(), incident.id, request.id)).toEqual({
      in_progress: 0,
      succeeded: 1,
      failed: 2,
      timed_out: 0,
      cancelled: 0,
      failedInstances: new Set([childId(4), childId(5)]),
    });
    expect(await rt().repositories.mitigations.getInvocationBucket(incident.id, request.id, instance(2))).toBeUndefined();
    expect(await rt().repositories.mitigations.getInvocationBucket(incident.id, request.id, instance(3))).toBeUndefined();
    for (const message of rt().slack.messages()) expect(JSON.stringify(message)).not.toContain('<!channel>');
  });
});
