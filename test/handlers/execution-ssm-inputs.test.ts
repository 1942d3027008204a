/** The executor on DynamoDB Local: the exact Systems Manager inputs, duplicate or concurrent approvals, and the simulated fleet end to end (harness: execution-harness.ts). */
import { DescribeAutomationExecutionsCommand, SendCommandCommand, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import { fixture, withNewId } from '../support.ts';
import {
  CTO,
  LOG_GROUP,
  ROLE,
  INSTANCE,
  COMMAND_ID,
  EXECUTION_ID,
  ssmMock,
  start,
  useExecutionHarness,
  rt,
  executor,
  sendCommandInputs,
  automationInputs,
  guardDutyIncident,
  requestAsSenior,
  approveAsCto,
  approvedEvent,
  request,
  incidentOf,
  audit,
  progressOf,
  invocationEvent,
  commandEvent,
  automationEvent,
  deliver,
  summaries,
  command,
  expectedClientToken,
} from './execution-harness.ts';

useExecutionHarness();

describe('exact Systems Manager inputs through the real SSM adapter', () => {
  beforeEach(async () => {
    await start();
  });

  it('collect-diagnostics: SendCommand on the incident instance by id, rate control, timeout, comment and CloudWatch output; run recorded, incident mitigating', async () => {
    const { incident, diagnostics } = await guardDutyIncident();
    const execution = executor();

    expect(await execution.onApproved(approvedEvent(diagnostics))).toEqual({ outcome: 'started', runId: COMMAND_ID });

    expect(sendCommandInputs()).toStrictEqual([
      {
        DocumentName: 'Firebreak-CollectDiagnostics',
        DocumentVersion: '$DEFAULT',
        Targets: [{ Key: 'InstanceIds', Values: [INSTANCE] }],
        Parameters: {},
        MaxConcurrency: '10',
        MaxErrors: '5',
        TimeoutSeconds: 900,
        Comment: `firebreak ${diagnostics.id} ${incident.id}`,
        CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: LOG_GROUP },
      },
    ]);
    expect(ssmMock.calls()).toHaveLength(1);

    expect(await request(diagnostics.id)).toMatchObject({ state: 'running', runId: COMMAND_ID, runKind: 'command' });
    expect(await rt().repositories.mitigations.getRun(COMMAND_ID)).toEqual({
      incidentId: incident.id,
      requestId: diagnostics.id,
    });
    expect((await incidentOf(incident.id)).status).toBe('mitigating');
    const entries = (await audit(incident.id)).filter(
      (a) => a.action.startsWith('mitigation.') && a.data.requestId === diagnostics.id,
    );
    expect(entries.slice(-2).map((a) => [a.action, a.actor, a.data])).toEqual([
      ['mitigation.started', 'system:execute', { requestId: diagnostics.id, planHash: diagnostics.planHash }],
      ['mitigation.run_started', 'system:execute', { requestId: diagnostics.id, runId: COMMAND_ID, kind: 'command' }],
    ]);
  });

  it('patch-critical: AWS-RunPatchBaseline by the fleet tag, Operation/RebootOption, 10% / 5%, two hours', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);

    expect(await executor().onApproved(approvedEvent(patch))).toEqual({ outcome: 'started', runId: COMMAND_ID });

    expect(sendCommandInputs()).toStrictEqual([
      {
        DocumentName: 'AWS-RunPatchBaseline',
        DocumentVersion: '$DEFAULT',
        Targets: [{ Key: 'tag:firebreak:fleet', Values: ['production'] }],
        Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
        MaxConcurrency: '10%',
        MaxErrors: '5%',
        TimeoutSeconds: 7200,
        Comment: `firebreak ${patch.id} ${incident.id}`,
        CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: LOG_GROUP },
      },
    ]);
    expect(ssmMock.calls()).toHaveLength(1);
  });

  it('patch-critical with RebootOption=NoReboot: the approved parameter value is what SSM gets', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical', { RebootOption: 'NoReboot' })).id);
    await executor().onApproved(approvedEvent(patch));
    expect(sendCommandInputs().map((i) => i.Parameters)).toStrictEqual([{ Operation: ['Install'], RebootOption: ['NoReboot'] }]);
  });

  it('isolate-instance: StartAutomationExecution per target instance, the stack role as AutomationAssumeRole, a deterministic UUID ClientToken', async () => {
    const { incident, isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);

    expect(await executor().onApproved(approvedEvent(approved))).toEqual({ outcome: 'started', runId: EXECUTION_ID });

    const token = expectedClientToken(isolate.id);
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(automationInputs()).toStrictEqual([
      {
        DocumentName: 'Firebreak-IsolateInstance',
        DocumentVersion: '$DEFAULT',
        Parameters: { AutomationAssumeRole: [ROLE] },
        TargetParameterName: 'InstanceId',
        // Automation names explicit target values ParameterValues (Run Command's InstanceIds is not an automation target key).
        Targets: [{ Key: 'ParameterValues', Values: [INSTANCE] }],
        MaxConcurrency: '1',
        MaxErrors: '0',
        ClientToken: token,
      },
    ]);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(await request(isolate.id)).toMatchObject({ state: 'running', runId: EXECUTION_ID, runKind: 'automation' });
    expect(await rt().repositories.mitigations.getRun(EXECUTION_ID)).toEqual({ incidentId: incident.id, requestId: isolate.id });
  });

  it('revoke-ingress-rule: one StartAutomationExecution on the rule the watched change opened, no targets, then its own status ends it', async () => {
    rt().bus.put('default', fixture('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json'));
    await rt().bus.drain();
    const [incident] = await rt().repositories.incidents.listIncidents();
    const [proposed] = await rt().repositories.mitigations.listRequests(incident!.id);
    // watch.respond proposed it, parameters pre-filled from the signal; it awaits approval as usual.
    expect(proposed).toMatchObject({
      catalogId: 'revoke-ingress-rule',
      state: 'awaiting_approval',
      requestedBy: 'policy:classification',
      plan: { parameters: { GroupId: 'sg-0123456789abcdef0', SecurityGroupRuleId: 'sgr-0abcdef1234567890' } },
    });
    const approved = await approveAsCto(proposed!.id);
    const execution = executor();
    expect(await execution.onApproved(approvedEvent(approved))).toEqual({ outcome: 'started', runId: EXECUTION_ID });
    expect(automationInputs()).toStrictEqual([
      {
        DocumentName: 'Firebreak-RevokeSecurityGroupIngress',
        DocumentVersion: '$DEFAULT',
        Parameters: {
          GroupId: ['sg-0123456789abcdef0'],
          SecurityGroupRuleId: ['sgr-0abcdef1234567890'],
          AutomationAssumeRole: [ROLE],
        },
        ClientToken: expectedClientToken(proposed!.id),
      },
    ]);
    expect(await deliver(execution, automationEvent(EXECUTION_ID, 'Success'))).toEqual([
      { outcome: 'succeeded', requestId: proposed!.id },
    ]);
    // No children to read: the execution acted on one resource.
    expect(ssmMock.commandCalls(DescribeAutomationExecutionsCommand)).toHaveLength(0);
    expect(await request(proposed!.id)).toMatchObject({ state: 'succeeded' });
  });

  it('SSM refusing the call (AccessDenied): the request fails with the reason, nothing is left running', async () => {
    const { incident, diagnostics } = await guardDutyIncident();
    ssmMock.on(SendCommandCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));

    expect(await executor().onApproved(approvedEvent(diagnostics))).toEqual({
      outcome: 'failed_to_start',
      reason: 'Systems Manager refused it: AccessDeniedException',
    });
    await rt().bus.drain();

    expect(await request(diagnostics.id)).toMatchObject({
      state: 'failed',
      reason: 'Systems Manager refused it: AccessDeniedException',
    });
    expect((await incidentOf(incident.id)).status).toBe('open');
    expect(summaries(incident, diagnostics.id)).toHaveLength(1);
  });
});

describe('duplicate and concurrent Mitigation Approved deliveries', () => {
  beforeEach(async () => {
    await start();
  });

  it('five concurrent deliveries of one approval: exactly one SendCommand, one started, four already_handled; the run then completes', async () => {
    const { incident, diagnostics } = await guardDutyIncident();
    const execution = executor();

    const results = await Promise.all(Array.from({ length: 5 }, () => execution.onApproved(approvedEvent(diagnostics))));

    expect(results.map((r) => r.outcome).sort()).toEqual([
      'already_handled',
      'already_handled',
      'already_handled',
      'already_handled',
      'started',
    ]);
    expect(results.filter((r) => r.outcome === 'already_handled').map((r) => r.reason)).toEqual(
      Array(4).fill('request is running'),
    );
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(ssmMock.calls()).toHaveLength(1);
    expect(await request(diagnostics.id)).toMatchObject({ state: 'running', runId: COMMAND_ID });
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.started')).toHaveLength(1);

    // A late redelivery, once the run is under way, changes nothing either.
    expect(await execution.onApproved(approvedEvent(diagnostics))).toEqual({
      outcome: 'already_handled',
      reason: 'request is running',
    });
    expect(ssmMock.calls()).toHaveLength(1);

    await deliver(
      execution,
      invocationEvent(COMMAND_ID, INSTANCE, 'InProgress'),
      invocationEvent(COMMAND_ID, INSTANCE, 'Success'),
      commandEvent(COMMAND_ID, 'Success'),
    );
    expect(await request(diagnostics.id)).toMatchObject({ state: 'succeeded' });
    expect(await execution.onApproved(approvedEvent(diagnostics))).toEqual({
      outcome: 'already_handled',
      reason: 'request is succeeded',
    });
    expect(ssmMock.calls()).toHaveLength(1);
  });

  it('concurrent deliveries of two approvals on one incident: each runs exactly once', async () => {
    const { diagnostics, isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    const execution = executor();

    const results = await Promise.all([
      ...Array.from({ length: 3 }, () => execution.onApproved(approvedEvent(diagnostics))),
      ...Array.from({ length: 3 }, () => execution.onApproved(approvedEvent(approved))),
    ]);

    expect(results.filter((r) => r.outcome === 'started')).toHaveLength(2);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(ssmMock.commandCalls(StartAutomationExecutionCommand)).toHaveLength(1);
    expect((await request(diagnostics.id)).state).toBe('running');
    expect((await request(isolate.id)).state).toBe('running');
  });

  it('the runtime wiring: a pre-approved request whose Mitigation Approved is delivered twice on the bus runs once', async () => {
    // The runtime's own executor and tracker (over the simulated fleet): collect-diagnostics runs as the incident opens.
    await rt().stop();
    await start({ execute: true });
    rt().bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
    await rt().bus.drain();
    const [incident] = await rt().repositories.incidents.listIncidents();
    const diagnostics = (await rt().repositories.mitigations.listRequests(incident!.id)).find(
      (r) => r.catalogId === 'collect-diagnostics',
    )!;
    const approvals = rt().bus.emitted.filter(
      (e) => e['detail-type'] === 'Mitigation Approved' && (e.detail as { requestId: string }).requestId === diagnostics.id,
    );
    expect(approvals).toHaveLength(1);

    rt().bus.put('firebreak', withNewId(approvals[0]!));
    rt().bus.put('firebreak', withNewId(approvals[0]!));
    await rt().bus.drain();

    expect(rt().fleet.calls.filter((c) => c.api === 'SendCommand')).toHaveLength(1);
    expect(await request(diagnostics.id)).toMatchObject({ state: 'succeeded' });
    expect(rt().bus.deadLetters).toEqual([]);
  });
});

describe('the simulated fleet end to end', () => {
  beforeEach(async () => {
    await start({ execute: true });
  });

  it('200 instances, 3 fail and 2 time out: the CTO approves patch-critical with a signed command; one SendCommand, 195/3/2, failed, a handful of Slack calls, the 5 instances in the summary', async () => {
    const sample = fixture('inspector2-finding-ec2-package-vulnerability-active.json');
    rt().bus.put('default', { ...sample, detail: { ...sample.detail, severity: 'CRITICAL' } });
    await rt().bus.drain();
    const [incident] = await rt().repositories.incidents.listIncidents();
    const [patch] = await rt().repositories.mitigations.listRequests(incident!.id);
    expect(patch).toMatchObject({
      catalogId: 'patch-critical',
      state: 'awaiting_approval',
      requestedBy: 'policy:classification',
    });
    expect(rt().fleet.calls).toEqual([]);

    rt().fleet.behave({ instances: 200, fail: 3, timeOut: 2 });
    const slackBefore = rt().slack.calls().length;
    expect(await command(CTO, `approve ${patch!.id}`)).toBe(`${patch!.id} approved by the CTO <@${CTO}>.`);

    // One SendCommand, by tag, exactly as the plan says.
    const sends = rt().fleet.calls.filter((c) => c.api === 'SendCommand');
    expect(sends).toHaveLength(1);
    expect(sends[0]!.input).toMatchObject({
      DocumentName: 'AWS-RunPatchBaseline',
      Targets: [{ Key: 'tag:firebreak:fleet', Values: ['production'] }],
      MaxConcurrency: '10%',
      MaxErrors: '5%',
      TimeoutSeconds: 7200,
    });
    expect(rt().fleet.calls).toHaveLength(1);
    expect(rt().bus.deadLetters).toEqual([]);

    // Every status event the fleet sent reached track; the counts are exact.
    const tracked = rt().bus.deliveries.filter((d) => d.rule === 'Track');
    expect(tracked).toHaveLength(401);
    const progress = await progressOf(patch!);
    expect(progress).toMatchObject({ in_progress: 0, succeeded: 195, failed: 3, timed_out: 2, runStatus: 'Failed' });
    const failedIds = tracked
      .map((d) => (d.event as EventEnvelope).detail)
      .filter((detail) => detail['instance-id'] && ['Failed', 'TimedOut'].includes(detail.status as string))
      .map((detail) => detail['instance-id'] as string)
      .sort();
    expect(failedIds).toHaveLength(5);
    expect(progress?.failedInstances).toEqual(new Set(failedIds));

    expect(await request(patch!.id)).toMatchObject({
      state: 'failed',
      reason: `5 of 200 instances failed or timed out: ${failedIds.join(', ')}`,
    });
    expect((await incidentOf(incident!.id)).status).toBe('open');

    // Progress posts coalesced: a handful of Slack calls for 401 status events, not hundreds.
    const slackCalls = rt().slack.calls().slice(slackBefore);
    const requestTs = (await rt().repositories.slackState.getSlackState(incident!.id, patch!.id))?.ts;
    const requestUpdates = slackCalls.filter((c) => c.method === 'chat.update' && c.args.ts === requestTs);
    expect(requestUpdates.length).toBeGreaterThanOrEqual(2);
    expect(requestUpdates.length).toBeLessThanOrEqual(5);
    expect(slackCalls.length).toBeLessThanOrEqual(10);

    const [summary, ...more] = summaries(incident!, patch!.id);
    expect(more).toEqual([]);
    expect(summary?.text).toContain('Progress: 195 succeeded · 3 failed · 2 timed out');
    expect(summary?.text).toContain(`Failed or timed out: ${failedIds.map((id) => `\`${id}\``).join(', ')}`);
  });
});
