/**
 * The simulated fleet standing in for Systems Manager Automation (functions/local/fleet.ts), end to
 * end on DynamoDB Local: a rate-controlled run emits the parent's and every child execution's
 * status events as SSM does, answers DescribeAutomationExecutions page by page, and the runtime's
 * own executor and tracker turn that into exact per-instance progress.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { fixture } from '../support.ts';
import { automationConfig, counts, instance, threadTexts } from '../support/automation-runs.ts';

const CTO = 'U0CTO000001';
const SENIOR1 = 'U0SENIOR001';
const TEAM = 'T0FIREBRK01';

let runtime: LocalRuntime | undefined;
let tables = 0;
const rt = () => runtime!;

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

describe('the simulated fleet end to end', () => {
  beforeEach(async () => {
    runtime = await startLocalRuntime({
      config: automationConfig,
      start: '2026-11-23T09:00:00.000Z',
      endpoint: inject('dynamoEndpoint'),
      tableName: `fleet-automation-${process.pid}-${++tables}`,
    });
  });

  it('60 tagged instances, 2 fail and 1 times out: child executions and their events, two pages of children, exact counts', async () => {
    rt().fleet.behave({ instances: 60, fail: 2, timeOut: 1 });
    rt().bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
    await rt().bus.drain();
    const [incident] = await rt().repositories.incidents.listIncidents();
    const requested = await rt().workflow.requestMitigation({
      incidentId: incident!.id,
      catalogId: 'isolate-fleet',
      requestedBy: `slack:${SENIOR1}`,
    });
    const request = requested.request!;
    await rt().workflow.decideMitigation({ requestId: request.id, action: 'approve', actor: { userId: CTO, teamId: TEAM } });
    await rt().bus.drain();

    const start = rt().fleet.calls.find((c) => c.api === 'StartAutomationExecution');
    expect(start?.input).toMatchObject({
      DocumentName: 'Firebreak-IsolateInstance',
      TargetParameterName: 'InstanceId',
      Targets: [{ Key: 'tag:firebreak:fleet', Values: ['production'] }],
      MaxConcurrency: '2',
      MaxErrors: '1',
    });
    const stored = await rt().repositories.mitigations.getRequest(incident!.id, request.id);
    const parentId = (stored as { runId?: string }).runId!;
    // SSM's events for the run: the parent's InProgress and Failed, and two per child, each under its own execution id.
    const automationEvents = rt()
      .bus.deliveries.filter((d) => d.rule === 'Track')
      .map((d) => d.event as EventEnvelope)
      .filter((e) => e['detail-type'] === 'EC2 Automation Execution Status-change Notification');
    expect(automationEvents).toHaveLength(2 + 2 * 60);
    expect(automationEvents.filter((e) => e.detail.ExecutionId === parentId).map((e) => e.detail.Status)).toEqual([
      'InProgress',
      'Failed',
    ]);
    for (const e of automationEvents)
      expect(Object.keys(e.detail).sort()).toEqual(expect.arrayContaining(['Definition', 'ExecutionId', 'Status']));
    expect(
      rt()
        .fleet.calls.filter((c) => c.api === 'DescribeAutomationExecutions')
        .map((c) => c.input),
    ).toStrictEqual([
      { Filters: [{ Key: 'ParentExecutionId', Values: [parentId] }], MaxResults: 50 },
      { Filters: [{ Key: 'ParentExecutionId', Values: [parentId] }], MaxResults: 50, NextToken: expect.any(String) },
    ]);

    expect(await counts(rt(), incident!.id, request.id)).toEqual({
      in_progress: 0,
      succeeded: 57,
      failed: 2,
      timed_out: 1,
      cancelled: 0,
      failedInstances: expect.any(Set),
    });
    const progress = await rt().repositories.mitigations.getProgress(incident!.id, request.id);
    const failed = [...(progress!.failedInstances as Set<string>)].sort();
    expect(failed).toHaveLength(3);
    expect(await rt().repositories.mitigations.getRequest(incident!.id, request.id)).toMatchObject({
      state: 'failed',
      reason: `3 of 60 instances failed or timed out: ${failed.join(', ')}`,
    });
    expect(rt().bus.deadLetters).toEqual([]);
    const summary = threadTexts(rt(), incident!.id).filter((t) => t.includes(`(\`${request.id}\`) failed.`));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toContain(`Failed or timed out: ${failed.map((id) => `\`${id}\``).join(', ')}`);
  });

  it('answers DescribeAutomationExecutions as SSM would: other filters, page sizes and tokens are refused', async () => {
    const fleet = rt().fleet;
    const parentId = await fleet.startAutomation({
      DocumentName: 'Firebreak-IsolateInstance',
      DocumentVersion: '$DEFAULT',
      Parameters: {},
      TargetParameterName: 'InstanceId',
      Targets: [{ Key: 'ParameterValues', Values: [instance(1), instance(2)] }],
      MaxConcurrency: '1',
      MaxErrors: '0',
      ClientToken: '00000000-0000-8000-8000-000000000000',
    });
    const page = await fleet.describeAutomationExecutions({
      Filters: [{ Key: 'ParentExecutionId', Values: [parentId] }],
      MaxResults: 1,
    });
    expect(page.executions.map((e) => [e.Target, e.ParentAutomationExecutionId, e.AutomationExecutionStatus])).toEqual([
      [instance(1), parentId, 'Success'],
    ]);
    const next = await fleet.describeAutomationExecutions({
      Filters: [{ Key: 'ParentExecutionId', Values: [parentId] }],
      MaxResults: 1,
      NextToken: page.nextToken!,
    });
    expect(next.executions.map((e) => e.Target)).toEqual([instance(2)]);
    expect(next.nextToken).toBeUndefined();
    await expect(
      fleet.describeAutomationExecutions({ Filters: [{ Key: 'ParentExecutionId', Values: [parentId] }], MaxResults: 51 }),
    ).rejects.toThrow('ValidationException');
    await expect(
      fleet.describeAutomationExecutions({
        Filters: [{ Key: 'ParentExecutionId', Values: ['another-parent'] }],
        MaxResults: 1,
        NextToken: page.nextToken!,
      }),
    ).rejects.toThrow('InvalidNextToken');
    await expect(fleet.describeAutomationExecutions({ Filters: [], MaxResults: 1 })).rejects.toThrow('ParentExecutionId');
    // An unknown parent has no children: an empty page, as SSM answers.
    expect(
      await fleet.describeAutomationExecutions({ Filters: [{ Key: 'ParentExecutionId', Values: ['unknown'] }], MaxResults: 50 }),
    ).toEqual({ executions: [] });
  });
});
