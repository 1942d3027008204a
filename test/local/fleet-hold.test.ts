/**
 * The simulated fleet holding its runs in progress until they are cancelled (functions/local/fleet.ts),
 * on its own and through the cancel drill (drills/mitigation-cancel.json): a command's invocations and
 * an automation's children end Cancelled only when the run is cancelled, as Systems Manager reports a
 * stopped run, and a run that already ended is left as it was.
 */
import { describe, expect, inject, it } from 'vitest';
import type { SendCommandInput, StartAutomationExecutionInput } from '../../functions/core/mitigations/ssm.ts';
import { runDrill } from '../../functions/local/drill/run.ts';
import { loadScenario } from '../../functions/local/drill/scenario.ts';
import { SimulatedFleet } from '../../functions/local/fleet.ts';
import { exampleConfig } from '../support.ts';

type Emitted = { 'detail-type': string; detail: Record<string, unknown> };

function fleet() {
  const events: Emitted[] = [];
  const simulated = new SimulatedFleet(
    () => new Date('2026-11-23T09:00:00Z'),
    (event) => events.push(event as Emitted),
  );
  const statuses = () =>
    events.map(
      (e) => `${e['detail-type'].replace(/^EC2 | Status-change Notification$/g, '')}: ${e.detail.status ?? e.detail.Status}`,
    );
  return { simulated, events, statuses };
}

const patch: SendCommandInput = {
  DocumentName: 'AWS-RunPatchBaseline',
  DocumentVersion: '$DEFAULT',
  Targets: [{ Key: 'tag:firebreak:fleet', Values: ['production'] }],
  Parameters: { Operation: ['Install'] },
  MaxConcurrency: '10%',
  MaxErrors: '5%',
  TimeoutSeconds: 600,
  Comment: 'MIT-0A1B2C3D4E',
  CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/firebreak/ssm' },
};

const isolate: StartAutomationExecutionInput = {
  DocumentName: 'Firebreak-IsolateInstance',
  DocumentVersion: '1',
  Parameters: { AutomationAssumeRole: ['arn:aws:iam::123456789012:role/automation'] },
  TargetParameterName: 'InstanceId',
  Targets: [{ Key: 'ParameterValues', Values: ['i-0a', 'i-0b'] }],
  MaxConcurrency: '1',
  MaxErrors: '0',
  ClientToken: '00000000-0000-4000-8000-000000000000',
};

describe('a held run', () => {
  it('a command reports InProgress on every instance and ends Cancelled, invocations and command, only when cancelled', async () => {
    const { simulated, statuses } = fleet();
    simulated.behave({ instances: 3, hold: true });
    const commandId = await simulated.sendCommand(patch);
    expect(statuses()).toEqual(Array(3).fill('Command Invocation: InProgress'));

    await simulated.cancel({ kind: 'command', id: commandId });
    expect(statuses().slice(3)).toEqual([...Array(3).fill('Command Invocation: Cancelled'), 'Command: Cancelled']);
    // Stopping a stopped run changes nothing (the executor asks at least once).
    await simulated.cancel({ kind: 'command', id: commandId });
    expect(statuses()).toHaveLength(7);
    expect(simulated.calls.filter((c) => c.api === 'Cancel')).toEqual([
      { api: 'Cancel', input: { kind: 'command', id: commandId }, document: 'AWS-RunPatchBaseline' },
      { api: 'Cancel', input: { kind: 'command', id: commandId }, document: 'AWS-RunPatchBaseline' },
    ]);
  });

  it('an automation keeps its children InProgress, listed so, until cancelled; then children and parent end Cancelled', async () => {
    const { simulated, statuses } = fleet();
    simulated.behave({ instances: 1, hold: true });
    const parentId = await simulated.startAutomation(isolate);
    expect(statuses()).toEqual(Array(3).fill('Automation Execution: InProgress'));
    const children = async () =>
      (
        await simulated.describeAutomationExecutions({
          Filters: [{ Key: 'ParentExecutionId', Values: [parentId] }],
          MaxResults: 50,
        })
      ).executions.map((e) => `${e.Target}: ${e.AutomationExecutionStatus}`);
    expect(await children()).toEqual(['i-0a: InProgress', 'i-0b: InProgress']);

    await simulated.cancel({ kind: 'automation', id: parentId });
    expect(statuses().slice(3)).toEqual(Array(3).fill('Automation Execution: Cancelled'));
    expect(await children()).toEqual(['i-0a: Cancelled', 'i-0b: Cancelled']);
  });

  it('a runbook acting on one resource stays InProgress until cancelled', async () => {
    const { simulated, statuses } = fleet();
    simulated.behave({ instances: 1, hold: true });
    const executionId = await simulated.startAutomation({ ...isolate, Targets: undefined, TargetParameterName: undefined });
    expect(statuses()).toEqual(['Automation Execution: InProgress']);
    await simulated.cancel({ kind: 'automation', id: executionId });
    expect(statuses()).toEqual(['Automation Execution: InProgress', 'Automation Execution: Cancelled']);
  });

  it('a run that was not held has already ended: cancelling it is recorded and changes nothing', async () => {
    const { simulated, statuses } = fleet();
    simulated.behave({ instances: 2, fail: 1 });
    const commandId = await simulated.sendCommand(patch);
    const ended = statuses();
    expect(ended.at(-1)).toBe('Command: Failed');
    await simulated.cancel({ kind: 'command', id: commandId });
    expect(statuses()).toEqual(ended);
    expect(simulated.calls.at(-1)).toEqual({
      api: 'Cancel',
      input: { kind: 'command', id: commandId },
      document: 'AWS-RunPatchBaseline',
    });
  });
});

describe('the cancel drill (drills/mitigation-cancel.json)', () => {
  const run = (expectCancelled: number) => {
    const { scenario, baseDir } = loadScenario('drills/mitigation-cancel.json');
    return runDrill(
      {
        ...scenario,
        expect: {
          ...scenario.expect,
          ssm: scenario.expect.ssm.map((s) => (s.document === 'AWS-RunPatchBaseline' ? { ...s, cancelled: expectCancelled } : s)),
        },
      },
      {
        config: exampleConfig(),
        baseDir,
        endpoint: inject('dynamoEndpoint'),
        tableName: `cancel-drill-${process.pid}-${expectCancelled}`,
      },
    );
  };

  it('cancels a running patch and a running isolation through the executor, with every expectation met', async () => {
    const outcome = await run(1);
    expect(outcome.checks.filter((c) => !c.passed)).toEqual([]);
    expect(outcome.mitigations.map((m) => [m.catalogId, m.state, m.decidedBy]).sort()).toEqual([
      ['collect-diagnostics', 'succeeded', ['policy']],
      ['isolate-instance', 'cancelled', ['U0CTO000001']],
      ['patch-critical', 'cancelled', ['U0SENIOR001']],
    ]);
  }, 60_000);

  it('fails when the runs cancelled are not the runs expected', async () => {
    const outcome = await run(0);
    expect(outcome.passed).toBe(false);
    expect(outcome.checks.filter((c) => !c.passed).map((c) => c.detail)).toEqual(['1 cancelled, expected 0']);
  }, 60_000);
});
