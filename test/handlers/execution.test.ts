/**
 * The executor and tracker (functions/workflow/execution.ts) on DynamoDB Local.
 *
 * Most tests run a local runtime WITHOUT its own executor (`execute: false`): the workflow creates
 * and approves requests, and an `Execution` built here with the REAL SSM adapter (`AwsSsmGateway`
 * over an `SSMClient` mocked by aws-sdk-client-mock) runs them, so the exact SendCommand and
 * StartAutomationExecution inputs are asserted. Status events are SSM's published samples with
 * their ids and statuses changed. One test runs the simulated fleet end to end with signed Slack
 * commands. One fresh runtime (and table) per test.
 */
import { createHash } from 'node:crypto';
import {
  CancelCommandCommand,
  DescribeAutomationExecutionsCommand,
  SendCommandCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { AwsSsmGateway } from '../../functions/adapters/ssm-gateway.ts';
import type { AuditEntry } from '../../functions/core/audit/chain.ts';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import { planHash, type MitigationRequest } from '../../functions/core/mitigations/mitigation.ts';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import { Execution } from '../../functions/workflow/execution.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';

const CTO = 'U0CTO000001';
const SENIOR1 = 'U0SENIOR001';
const RESPONDER = 'U0RESPOND01';
const TEAM = 'T0FIREBRK01';
const START = '2026-11-23T09:00:00.000Z';
const MINUTE = 60_000;
const LOG_GROUP = '/firebreak/mitigations';
const ROLE = 'arn:aws:iam::123456789012:role/firebreak-automation';
/** The instance of the GuardDuty sample finding. */
const INSTANCE = 'i-99999999';
const COMMAND_ID = 'cmd-1';
const EXECUTION_ID = 'exec-1';

const config = exampleConfig();
const ssmMock = mockClient(SSMClient);
let runtime: LocalRuntime | undefined;
let tables = 0;

async function start(options: { execute?: boolean } = {}): Promise<LocalRuntime> {
  runtime = await startLocalRuntime({
    config,
    start: START,
    endpoint: inject('dynamoEndpoint'),
    tableName: `execution-${process.pid}-${++tables}`,
    execute: options.execute ?? false,
  });
  return runtime;
}

beforeEach(() => {
  ssmMock.reset();
  ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
  ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION_ID });
  ssmMock.on(CancelCommandCommand).resolves({});
  ssmMock.on(StopAutomationExecutionCommand).resolves({});
  // Runs with no child executions (test/handlers/automation-progress.test.ts covers the children).
  ssmMock.on(DescribeAutomationExecutionsCommand).resolves({ AutomationExecutionMetadataList: [] });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await runtime?.stop();
  runtime = undefined;
});

const rt = (): LocalRuntime => {
  if (!runtime) throw new Error('no runtime');
  return runtime;
};

/** The executor the runtime would build, but over the real SSM adapter (its client mocked). */
function executor(overrides: { config?: FirebreakConfig } = {}): Execution {
  const { repositories, clock, workflow } = rt();
  const ssm = new AwsSsmGateway(new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  return new Execution({
    ...repositories,
    config: overrides.config ?? config,
    now: clock.now,
    workflow,
    ssm,
    outputLogGroup: LOG_GROUP,
    automationRoleArn: ROLE,
  });
}

const sendCommandInputs = () => ssmMock.commandCalls(SendCommandCommand).map((c) => c.args[0].input);
const automationInputs = () => ssmMock.commandCalls(StartAutomationExecutionCommand).map((c) => c.args[0].input);

// --- requests -------------------------------------------------------------------------------------

/** A GuardDuty high finding on i-99999999: collect-diagnostics (pre-approved) and isolate-instance (awaiting). */
async function guardDutyIncident() {
  rt().bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
  await rt().bus.drain();
  const [incident] = await rt().repositories.incidents.listIncidents();
  expect(incident).toBeDefined();
  const requests = await rt().repositories.mitigations.listRequests(incident!.id);
  const diagnostics = requests.find((r) => r.catalogId === 'collect-diagnostics');
  const isolate = requests.find((r) => r.catalogId === 'isolate-instance');
  expect(diagnostics).toMatchObject({ state: 'approved', decidedBy: ['policy'] });
  expect(isolate).toMatchObject({ state: 'awaiting_approval' });
  return { incident: incident!, diagnostics: diagnostics!, isolate: isolate! };
}

/** A request made by a senior engineer through the workflow. */
async function requestAsSenior(
  incidentId: string,
  catalogId: string,
  parameters?: Record<string, string>,
): Promise<MitigationRequest> {
  const reply = await rt().workflow.requestMitigation({
    incidentId,
    catalogId,
    requestedBy: `slack:${SENIOR1}`,
    ...(parameters ? { parameters } : {}),
  });
  expect(reply.ok, reply.text).toBe(true);
  await rt().bus.drain();
  return reply.request!;
}

/** The CTO approves through the workflow (the approval policy decides). */
async function approveAsCto(requestId: string): Promise<MitigationRequest> {
  const reply = await rt().workflow.decideMitigation({ requestId, action: 'approve', actor: { userId: CTO, teamId: TEAM } });
  expect(reply.ok, reply.text).toBe(true);
  await rt().bus.drain();
  const approved = await request(requestId);
  expect(approved.state).toBe('approved');
  return approved;
}

/** What a `Mitigation Approved` event carries. */
const approvedEvent = (r: Pick<MitigationRequest, 'incidentId' | 'id' | 'planHash'>) => ({
  incidentId: r.incidentId,
  requestId: r.id,
  planHash: r.planHash,
});

const request = async (requestId: string): Promise<MitigationRequest> =>
  (await rt().repositories.mitigations.findRequest(requestId))!;
const incidentOf = async (id: string): Promise<Incident> => (await rt().repositories.incidents.getIncident(id))!;
const audit = (incidentId: string): Promise<AuditEntry[]> => rt().repositories.incidents.getAudit(incidentId);
const progressOf = async (r: Pick<MitigationRequest, 'incidentId' | 'id'>) =>
  rt().repositories.mitigations.getProgress(r.incidentId, r.id);

/** Rewrites a stored request as someone with write access to the table could. */
async function tamper(
  r: Pick<MitigationRequest, 'incidentId' | 'id'>,
  change: (stored: MitigationRequest) => MitigationRequest,
): Promise<void> {
  const incident = await incidentOf(r.incidentId);
  const stored = (await rt().repositories.mitigations.getRequest(r.incidentId, r.id))!;
  const result = await rt().repositories.incidents.commitChange({
    incident: { ...incident, version: incident.version + 1 },
    expectedIncidentVersion: incident.version,
    audit: [],
    updateRequest: { request: { ...change(stored), version: stored.version + 1 }, expectedVersion: stored.version },
    events: [],
  });
  expect(result.committed).toBe(true);
}

// --- SSM status events (the published samples, ids and statuses changed) -----------------------

const instanceArn = (id: string) => `arn:aws:ec2:us-east-1:123456789012:instance/${id}`;

function invocationEvent(commandId: string, instanceId: string, status: string): EventEnvelope {
  const sample = withNewId(fixture('ssm-command-invocation-status-change-success.json'));
  return {
    ...sample,
    resources: [instanceArn(instanceId)],
    detail: { ...sample.detail, 'command-id': commandId, 'instance-id': instanceId, status },
  };
}

function commandEvent(commandId: string, status: string): EventEnvelope {
  const sample = withNewId(fixture('ssm-command-status-change-success.json'));
  return { ...sample, detail: { ...sample.detail, 'command-id': commandId, status } };
}

function automationEvent(executionId: string, status: string): EventEnvelope {
  const sample = withNewId(fixture('ssm-automation-execution-status-change-success.json'));
  return {
    ...sample,
    resources: [`arn:aws:ssm:us-east-1:123456789012:automation-execution/${executionId}`],
    detail: { ...sample.detail, ExecutionId: executionId, Status: status },
  };
}

/** Delivers status events to the tracker one at a time, then lets notify render what they announced. */
async function deliver(
  execution: Execution,
  ...events: EventEnvelope[]
): Promise<Array<{ outcome: string; requestId?: string }>> {
  const results: Array<{ outcome: string; requestId?: string }> = [];
  for (const event of events) results.push(await execution.onStatusEvent(event));
  await rt().bus.drain();
  return results;
}

/** A 17-character instance id, i-0000000000000000n. */
const fleetInstance = (n: number) => `i-0${String(n).padStart(16, '0')}`;

// --- Slack ----------------------------------------------------------------------------------------

function incidentMessage(incident: Pick<Incident, 'id' | 'channel'>): StandInMessage {
  const message = rt().slack.latest((m) => m.channel === incident.channel && !m.thread_ts && m.text.includes(incident.id));
  expect(message, `message of ${incident.id}`).toBeDefined();
  return message!;
}

function thread(incident: Pick<Incident, 'id' | 'channel'>): StandInMessage[] {
  const top = incidentMessage(incident);
  return rt().slack.thread(top.channel, top.ts);
}

/** The final summaries of a request in its incident's thread. */
const summaries = (incident: Pick<Incident, 'id' | 'channel'>, requestId: string) =>
  thread(incident).filter((m) => new RegExp(`\\(\`${requestId}\`\\) (succeeded|failed|cancelled)\\.`).test(m.text));

/** `/firebreak <text>` as a user, signed as Slack signs it; the ephemeral reply's text. */
async function command(userId: string, text: string): Promise<string> {
  const response = await rt().command(userId, text);
  expect(response.statusCode).toBe(200);
  return response.body ? ((JSON.parse(response.body) as { text?: string }).text ?? '') : '';
}

/** The ClientToken SSM gets for a request, computed independently: SHA-256 of the id as a version-8 UUID. */
function expectedClientToken(requestId: string): string {
  const hex = createHash('sha256').update(requestId).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ==================================================================================================

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

describe('re-verification before SSM: refused, audited, said in the thread', () => {
  beforeEach(async () => {
    await start();
  });

  async function expectRefused(r: MitigationRequest, reason: string, result: { outcome: string; reason?: string }) {
    expect(result).toEqual({ outcome: 'refused', reason });
    await rt().bus.drain();
    expect(ssmMock.calls()).toHaveLength(0);
    expect(await request(r.id)).toMatchObject({ state: 'failed', reason: `refused by the executor: ${reason}` });
    const entries = await audit(r.incidentId);
    expect(entries.filter((a) => a.action === 'mitigation.execution_refused')).toEqual([
      expect.objectContaining({ actor: 'system:execute', data: { requestId: r.id, reason } }),
    ]);
    expect(entries.map((a) => a.action)).not.toContain('mitigation.started');
    expect(
      rt()
        .bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Failed')
        .map((e) => e.detail),
    ).toEqual([{ incidentId: r.incidentId, requestId: r.id, reason }]);
    const incident = await incidentOf(r.incidentId);
    expect(incident.status).toBe('open');
    const [summary, ...more] = summaries(incident, r.id);
    expect(more).toEqual([]);
    expect(summary?.text).toContain(`Reason: refused by the executor: ${reason}`);
    // Not retried into running by a redelivery.
    expect(await executor().onApproved(approvedEvent(r))).toEqual({ outcome: 'already_handled', reason: 'request is failed' });
    expect(ssmMock.calls()).toHaveLength(0);
  }

  it('the stored plan tampered after approval (parameters changed, hash left): plan_changed', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    await tamper(patch, (r) => ({ ...r, plan: { ...r.plan, parameters: { ...r.plan.parameters, RebootOption: 'NoReboot' } } }));
    expect(planHash((await request(patch.id)).plan)).not.toBe(patch.planHash);

    await expectRefused(patch, 'plan_changed', await executor().onApproved(approvedEvent(patch)));
  });

  it('the stored plan and its hash both replaced after approval: the approved hash in the event no longer matches, plan_changed', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    await tamper(patch, (r) => {
      const plan = { ...r.plan, targets: { type: 'tags' as const, key: 'firebreak:fleet', values: ['production', 'staging'] } };
      return { ...r, plan, planHash: planHash(plan) };
    });
    await expectRefused(patch, 'plan_changed', await executor().onApproved(approvedEvent(patch)));
  });

  it('the event carrying another plan hash than the one approved: plan_changed', async () => {
    const { isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    await expectRefused(
      approved,
      'plan_changed',
      await executor().onApproved({ ...approvedEvent(approved), planHash: 'f'.repeat(64) }),
    );
  });

  it('plan, hash and event all replaced consistently: no approval is bound to that plan, unapproved_plan', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    let forged = '';
    await tamper(patch, (r) => {
      const plan = { ...r.plan, rateControl: { maxConcurrency: '100%', maxErrors: '100%' } };
      forged = planHash(plan);
      return { ...r, plan, planHash: forged };
    });
    await expectRefused(patch, 'unapproved_plan', await executor().onApproved({ ...approvedEvent(patch), planHash: forged }));
  });

  it('an injected parameter value in a stored plan whose hashes and approval all agree: refused by the catalog re-check (invalid_plan)', async () => {
    const { incident } = await guardDutyIncident();
    const restart = await approveAsCto(
      (await requestAsSenior(incident.id, 'restart-service', { serviceName: 'nginx.service' })).id,
    );
    let forged = '';
    await tamper(restart, (r) => {
      const plan = { ...r.plan, parameters: { serviceName: 'nginx.service; rm -rf /' } };
      forged = planHash(plan);
      return { ...r, plan, planHash: forged, approvals: r.approvals.map((a) => ({ ...a, planHash: forged })) };
    });
    await expectRefused(restart, 'invalid_plan', await executor().onApproved({ ...approvedEvent(restart), planHash: forged }));
  });

  it('the approval expired before the event arrived: expired', async () => {
    const { isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    expect(approved.expiresAt).toBe('2026-11-23T10:00:00.000Z');
    rt().clock.advance(60 * MINUTE);
    await expectRefused(approved, 'expired', await executor().onApproved(approvedEvent(approved)));
  });

  it('the incident was resolved after the approval: incident_resolved, nothing runs', async () => {
    const { incident, isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    expect(
      (
        await rt().workflow.incidentAction({
          kind: 'resolve',
          incidentId: incident.id,
          userId: 'U0CTO000001',
          note: 'false positive',
        })
      ).ok,
    ).toBe(true);
    expect(await executor().onApproved(approvedEvent(approved))).toEqual({ outcome: 'refused', reason: 'incident_resolved' });
    expect(ssmMock.calls()).toHaveLength(0);
    expect(await request(approved.id)).toMatchObject({ state: 'failed', reason: 'refused by the executor: incident_resolved' });
  });

  it('one second before expiry it still runs', async () => {
    const { isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    rt().clock.advance(60 * MINUTE - 1000);
    expect((await executor().onApproved(approvedEvent(approved))).outcome).toBe('started');
  });

  it('a catalog entry no longer pre-approved: the policy-approved request is refused (unapproved_plan)', async () => {
    const { diagnostics } = await guardDutyIncident();
    const deployed: FirebreakConfig = {
      ...config,
      mitigations: config.mitigations.map((m) => (m.id === 'collect-diagnostics' ? { ...m, preApproved: false } : m)),
    };
    await expectRefused(
      diagnostics,
      'unapproved_plan',
      await executor({ config: deployed }).onApproved(approvedEvent(diagnostics)),
    );
  });

  it('a catalog entry removed since: catalog_entry_removed', async () => {
    const { diagnostics } = await guardDutyIncident();
    const deployed: FirebreakConfig = {
      ...config,
      mitigations: config.mitigations.filter((m) => m.id !== 'collect-diagnostics'),
    };
    await expectRefused(
      diagnostics,
      'catalog_entry_removed',
      await executor({ config: deployed }).onApproved(approvedEvent(diagnostics)),
    );
  });

  it('a catalog entry whose rate control changed since approval: the plan no longer matches it (catalog_mismatch)', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    const deployed: FirebreakConfig = {
      ...config,
      mitigations: config.mitigations.map((m) =>
        m.id === 'patch-critical' ? { ...m, rateControl: { maxConcurrency: '5%', maxErrors: '5%' } } : m,
      ),
    };
    await expectRefused(patch, 'catalog_mismatch', await executor({ config: deployed }).onApproved(approvedEvent(patch)));
  });

  it('an unknown request: refused without touching anything', async () => {
    const { incident } = await guardDutyIncident();
    expect(
      await executor().onApproved({ incidentId: incident.id, requestId: 'MIT-0000000000', planHash: 'a'.repeat(64) }),
    ).toEqual({ outcome: 'refused', reason: 'unknown request' });
    expect(ssmMock.calls()).toHaveLength(0);
  });
});

describe('status events', () => {
  beforeEach(async () => {
    await start();
  });

  async function runningPatch() {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    const execution = executor();
    expect((await execution.onApproved(approvedEvent(patch))).outcome).toBe('started');
    await rt().bus.drain();
    return { incident, patch, execution };
  }

  it('out of order and duplicated invocation events: exact counts per bucket, failed ids kept once', async () => {
    const { patch, execution } = await runningPatch();
    const [a, b, c, d] = [1, 2, 3, 4].map(fleetInstance) as [string, string, string, string];

    const results = await deliver(
      execution,
      invocationEvent(COMMAND_ID, a, 'Success'), // Success before its InProgress
      invocationEvent(COMMAND_ID, a, 'InProgress'),
      invocationEvent(COMMAND_ID, a, 'Success'), // duplicate
      invocationEvent(COMMAND_ID, b, 'InProgress'),
      invocationEvent(COMMAND_ID, b, 'Failed'),
      invocationEvent(COMMAND_ID, b, 'Failed'), // duplicate
      invocationEvent(COMMAND_ID, b, 'InProgress'), // late
      invocationEvent(COMMAND_ID, c, 'TimedOut'),
      invocationEvent(COMMAND_ID, c, 'InProgress'),
      invocationEvent(COMMAND_ID, d, 'Pending'),
      invocationEvent(COMMAND_ID, d, 'InProgress'),
    );
    expect(results.every((r) => r.outcome === 'running' && r.requestId === patch.id)).toBe(true);

    const progress = await progressOf(patch);
    expect(progress).toMatchObject({ in_progress: 1, succeeded: 1, failed: 1, timed_out: 1 });
    expect(progress?.failedInstances).toEqual(new Set([b, c]));
    expect(await request(patch.id)).toMatchObject({ state: 'running' });
  });

  it('the same events delivered concurrently count once', async () => {
    const { patch, execution } = await runningPatch();
    const instances = [1, 2, 3].map(fleetInstance);
    const events = instances.flatMap((id, i) => [
      invocationEvent(COMMAND_ID, id, 'InProgress'),
      invocationEvent(COMMAND_ID, id, i === 0 ? 'Failed' : 'Success'),
    ]);
    // Every event delivered three times, all at once, in no particular order.
    await Promise.all(
      [...events, ...events.map((e) => withNewId(e)), ...[...events].reverse()].map((e) => execution.onStatusEvent(e)),
    );

    const progress = await progressOf(patch);
    expect(progress).toMatchObject({ succeeded: 2, failed: 1 });
    // A counter no event ever touched is absent, which reads as 0 (whether an InProgress was
    // counted before its Success depends on the order the concurrent deliveries happen to take).
    expect(progress?.in_progress ?? 0).toBe(0);
    expect(progress?.timed_out ?? 0).toBe(0);
    expect(progress?.failedInstances).toEqual(new Set([instances[0]]));
  });

  it('command Success after its invocations: succeeded, incident back to open, one summary; late events change nothing', async () => {
    const { incident, patch, execution } = await runningPatch();
    expect((await incidentOf(incident.id)).status).toBe('mitigating');
    const [a, b] = [fleetInstance(1), fleetInstance(2)];

    await deliver(
      execution,
      invocationEvent(COMMAND_ID, a, 'InProgress'),
      invocationEvent(COMMAND_ID, b, 'InProgress'),
      invocationEvent(COMMAND_ID, a, 'Success'),
      invocationEvent(COMMAND_ID, b, 'Success'),
      commandEvent(COMMAND_ID, 'InProgress'),
    );
    expect((await request(patch.id)).state).toBe('running');

    expect(await deliver(execution, commandEvent(COMMAND_ID, 'Success'))).toEqual([
      { outcome: 'succeeded', requestId: patch.id },
    ]);
    expect(await request(patch.id)).toMatchObject({ state: 'succeeded', decidedAt: START });
    expect((await incidentOf(incident.id)).status).toBe('open');
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.succeeded')).toEqual([
      expect.objectContaining({ actor: 'system:track', data: { requestId: patch.id } }),
    ]);
    expect(
      rt()
        .bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Succeeded')
        .map((e) => e.detail),
    ).toEqual([{ incidentId: incident.id, requestId: patch.id, final: true }]);
    const [summary, ...more] = summaries(incident, patch.id);
    expect(more).toEqual([]);
    expect(summary?.text).toContain(`(\`${patch.id}\`) succeeded. Progress: 2 succeeded`);
    expect(summary?.text).not.toContain('Failed or timed out');

    // Duplicates and stragglers after the end: no second summary, no state change, no new audit entry.
    const auditBefore = (await audit(incident.id)).length;
    await deliver(
      execution,
      commandEvent(COMMAND_ID, 'Success'),
      commandEvent(COMMAND_ID, 'InProgress'),
      invocationEvent(COMMAND_ID, a, 'InProgress'),
    );
    expect((await request(patch.id)).state).toBe('succeeded');
    expect(await audit(incident.id)).toHaveLength(auditBefore);
    expect(summaries(incident, patch.id)).toHaveLength(1);
  });

  it('an acknowledged incident goes back to acknowledged when its mitigation ends', async () => {
    const { incident } = await guardDutyIncident();
    expect((await rt().workflow.incidentAction({ kind: 'ack', incidentId: incident.id, userId: SENIOR1 })).ok).toBe(true);
    const execution = executor();
    const diagnostics = (await rt().repositories.mitigations.listRequests(incident.id)).find(
      (r) => r.catalogId === 'collect-diagnostics',
    )!;
    await execution.onApproved(approvedEvent(diagnostics));
    expect((await incidentOf(incident.id)).status).toBe('mitigating');
    await deliver(execution, invocationEvent(COMMAND_ID, INSTANCE, 'Success'), commandEvent(COMMAND_ID, 'Success'));
    expect((await incidentOf(incident.id)).status).toBe('acknowledged');
  });

  it('the incident stays mitigating while another mitigation still runs', async () => {
    const { incident, diagnostics, isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    const execution = executor();
    await execution.onApproved(approvedEvent(diagnostics));
    await execution.onApproved(approvedEvent(approved));
    await deliver(execution, commandEvent(COMMAND_ID, 'Success'));
    expect((await request(diagnostics.id)).state).toBe('succeeded');
    expect((await incidentOf(incident.id)).status).toBe('mitigating');
    await deliver(execution, automationEvent(EXECUTION_ID, 'Success'));
    expect((await request(isolate.id)).state).toBe('succeeded');
    expect((await incidentOf(incident.id)).status).toBe('open');
  });

  it('command Failed: failed with the count, Mitigation Failed, one summary listing the failed and timed-out instances; no rollback entry, no new request', async () => {
    const { incident, patch, execution } = await runningPatch();
    const [a, b, c] = [1, 2, 3].map(fleetInstance) as [string, string, string];

    await deliver(
      execution,
      invocationEvent(COMMAND_ID, a, 'Success'),
      invocationEvent(COMMAND_ID, b, 'Failed'),
      invocationEvent(COMMAND_ID, c, 'TimedOut'),
      commandEvent(COMMAND_ID, 'Failed'),
      commandEvent(COMMAND_ID, 'Failed'),
    );

    expect(await request(patch.id)).toMatchObject({
      state: 'failed',
      reason: `2 of 3 instances failed or timed out: ${b}, ${c}`,
    });
    expect((await incidentOf(incident.id)).status).toBe('open');
    expect(
      rt()
        .bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Failed')
        .map((e) => e.detail),
    ).toEqual([{ incidentId: incident.id, requestId: patch.id, final: true }]);
    const [summary, ...more] = summaries(incident, patch.id);
    expect(more).toEqual([]);
    expect(summary?.text).toContain(`(\`${patch.id}\`) failed. Progress: 1 succeeded · 1 failed · 1 timed out`);
    expect(summary?.text).toContain(`Failed or timed out: \`${b}\`, \`${c}\``);
    expect((await rt().repositories.mitigations.listRequests(incident.id)).map((r) => r.catalogId).sort()).toEqual([
      'collect-diagnostics',
      'isolate-instance',
      'patch-critical',
    ]);
  });

  it('automation Failed (isolate-instance): failed, and its rollback (release-instance) requested anew by policy:rollback, awaiting approval', async () => {
    const { incident, isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    const execution = executor();
    await execution.onApproved(approvedEvent(approved));

    expect(
      await deliver(execution, automationEvent(EXECUTION_ID, 'InProgress'), automationEvent(EXECUTION_ID, 'Failed')),
    ).toEqual([
      { outcome: 'running', requestId: isolate.id },
      // This mock lists no child executions (test/handlers/automation-progress.test.ts lists them).
      { outcome: 'failed', requestId: isolate.id, children: { children: 0, skipped: 0, truncated: false } },
    ]);

    expect((await request(isolate.id)).state).toBe('failed');
    const rollbacks = (await rt().repositories.mitigations.listRequests(incident.id)).filter(
      (r) => r.catalogId === 'release-instance',
    );
    expect(rollbacks).toEqual([
      expect.objectContaining({
        state: 'awaiting_approval',
        requestedBy: 'policy:rollback',
        approvals: [],
        plan: expect.objectContaining({
          document: 'Firebreak-ReleaseInstance',
          targets: { type: 'instances', instanceIds: [INSTANCE] },
        }),
      }),
    ]);
    const rollback = rollbacks[0]!;
    expect(
      rt()
        .scheduler.pending()
        .map((j) => j.name),
    ).toContain(`escalate-${rollback.id}`);
    // Its own approval message in the thread, with buttons, and the isolation's summary.
    expect(
      thread(incident).some(
        (m) => JSON.stringify(m.blocks).includes(`\`${rollback.id}\``) && JSON.stringify(m.blocks).includes('mitigation_approve'),
      ),
    ).toBe(true);
    expect(summaries(incident, isolate.id)).toHaveLength(1);
    // Not run without approval: no second run, and a redelivered failure asks for no second rollback
    // (nor reads the children again: the request has already ended).
    await deliver(execution, automationEvent(EXECUTION_ID, 'Failed'));
    expect(
      (await rt().repositories.mitigations.listRequests(incident.id)).filter((r) => r.catalogId === 'release-instance'),
    ).toHaveLength(1);
    expect(ssmMock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'StartAutomationExecutionCommand',
      'DescribeAutomationExecutionsCommand',
    ]);
  });

  it("events for a command or execution that is not Firebreak's are ignored", async () => {
    const { patch, execution } = await runningPatch();
    const foreign = [
      fixture('ssm-command-invocation-status-change-success.json'),
      fixture('ssm-command-status-change-success.json'),
      fixture('ssm-command-status-change-failed-derived.json'),
      fixture('ssm-automation-execution-status-change-success.json'),
      invocationEvent('cmd-2', fleetInstance(1), 'Failed'),
      commandEvent('cmd-2', 'Failed'),
    ];
    const before = rt().bus.emitted.length;
    expect((await deliver(execution, ...foreign)).map((r) => r.outcome)).toEqual(Array(foreign.length).fill('not ours'));
    expect(await progressOf(patch)).toBeUndefined();
    expect((await request(patch.id)).state).toBe('running');
    expect(rt().bus.emitted.length).toBe(before);
  });

  // BUG (functions/workflow/execution.ts, onStatusEvent): the run's own status is written with a
  // conditional update that is not retried. Two status events of one command processed
  // concurrently (EventBridge invokes track in parallel) both read "no status yet"; InProgress
  // writes first, Success's condition fails, and Success is dropped: the run never ends.
  it('concurrent command InProgress and Success: the run still ends succeeded', async () => {
    const { patch, execution } = await runningPatch();
    const store = rt().repositories.mitigations;
    const getProgress = store.getProgress.bind(store);
    const setRunStatus = store.setRunStatus.bind(store);
    // Both deliveries read the progress item before either writes its status; InProgress writes first.
    // (The waits are bounded, so a fix that reads or writes differently cannot hang the test.)
    const bounded = (promise: Promise<void>) =>
      Promise.race([promise, new Promise<void>((resolve) => setTimeout(resolve, 2000))]);
    let reads = 0;
    let bothRead!: () => void;
    const readBarrier = new Promise<void>((resolve) => (bothRead = resolve));
    vi.spyOn(store, 'getProgress').mockImplementation(async (...args) => {
      const item = await getProgress(...args);
      if (++reads <= 2) {
        if (reads === 2) bothRead();
        await bounded(readBarrier);
      }
      return item;
    });
    let inProgressWritten!: () => void;
    const written = new Promise<void>((resolve) => (inProgressWritten = resolve));
    vi.spyOn(store, 'setRunStatus').mockImplementation(async (incidentId, requestId, status, previous) => {
      if (status === 'Success') await bounded(written);
      const ok = await setRunStatus(incidentId, requestId, status, previous);
      if (status === 'InProgress') inProgressWritten();
      return ok;
    });

    await Promise.all([
      execution.onStatusEvent(commandEvent(COMMAND_ID, 'InProgress')),
      execution.onStatusEvent(commandEvent(COMMAND_ID, 'Success')),
    ]);
    vi.restoreAllMocks();

    expect((await progressOf(patch))?.runStatus).toBe('Success');
    expect((await request(patch.id)).state).toBe('succeeded');
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

describe('/firebreak cancel on a running mitigation', () => {
  beforeEach(async () => {
    await start();
  });

  /** patch-critical running on the mocked SSM: a command id, and no status event ever. */
  async function runningPatch() {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    const execution = executor();
    expect((await execution.onApproved(approvedEvent(patch))).outcome).toBe('started');
    await rt().bus.drain();
    return { incident, patch, execution };
  }

  it('by the CTO: CancelCommand for its command id, cancelled, audited, the summary once; late Cancelled events change nothing', async () => {
    const { incident, patch, execution } = await runningPatch();

    expect(await execution.cancel({ requestId: patch.id, userId: CTO })).toEqual({
      ok: true,
      text: `${patch.id} cancelled: Systems Manager stops the remaining invocations.`,
    });
    await rt().bus.drain();

    expect(ssmMock.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toStrictEqual([{ CommandId: COMMAND_ID }]);
    expect(await request(patch.id)).toMatchObject({ state: 'cancelled', reason: `cancelled by <@${CTO}>` });
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancelled')).toEqual([
      expect.objectContaining({ actor: `slack:${CTO}`, data: { requestId: patch.id, reason: `cancelled by <@${CTO}>` } }),
    ]);
    expect((await incidentOf(incident.id)).status).toBe('open');
    expect(summaries(incident, patch.id)).toHaveLength(1);

    await deliver(execution, invocationEvent(COMMAND_ID, fleetInstance(1), 'Cancelled'), commandEvent(COMMAND_ID, 'Cancelled'));
    expect((await request(patch.id)).state).toBe('cancelled');
    expect(summaries(incident, patch.id)).toHaveLength(1);
    // Cancelling again: refused, no second SSM call.
    expect((await execution.cancel({ requestId: patch.id, userId: CTO })).ok).toBe(false);
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(1);
  });

  it('a running automation: StopAutomationExecution (Type Cancel), by a senior engineer', async () => {
    const { isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    const execution = executor();
    await execution.onApproved(approvedEvent(approved));

    expect((await execution.cancel({ requestId: isolate.id, userId: SENIOR1 })).ok).toBe(true);
    expect(ssmMock.commandCalls(StopAutomationExecutionCommand).map((c) => c.args[0].input)).toStrictEqual([
      { AutomationExecutionId: EXECUTION_ID, Type: 'Cancel' },
    ]);
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect((await request(isolate.id)).state).toBe('cancelled');
    // A cancelled isolation is not a failure: no rollback is offered.
    expect(
      (await rt().repositories.mitigations.listRequests(approved.incidentId)).some((r) => r.catalogId === 'release-instance'),
    ).toBe(false);
  });

  it('signed slash commands: a responder is refused, the CTO cancels (the runtime cancels through its simulated fleet)', async () => {
    const { incident, patch } = await runningPatch();

    expect(await command(RESPONDER, `cancel ${patch.id}`)).toBe(
      'Only the CTO or a senior engineer can cancel a running mitigation.',
    );
    expect((await request(patch.id)).state).toBe('running');
    expect(rt().fleet.calls).toEqual([]);
    expect((await audit(incident.id)).map((a) => a.action)).not.toContain('mitigation.cancelled');

    expect(await command(CTO, `cancel ${patch.id}`)).toBe(
      `${patch.id} cancelled: Systems Manager stops the remaining invocations.`,
    );
    expect(rt().fleet.calls).toEqual([{ api: 'Cancel', input: { kind: 'command', id: COMMAND_ID } }]);
    expect(await request(patch.id)).toMatchObject({ state: 'cancelled' });
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancelled').map((a) => a.actor)).toEqual([
      `slack:${CTO}`,
    ]);
    expect(summaries(incident, patch.id)).toHaveLength(1);
    expect(ssmMock.calls().filter((c) => c.args[0] instanceof CancelCommandCommand)).toHaveLength(0);
  });

  it('a request that is not running is refused: approved but not started, finished, unknown; someone off the roster too', async () => {
    const { incident, diagnostics } = await guardDutyIncident();
    const execution = executor();

    expect(await execution.cancel({ requestId: diagnostics.id, userId: CTO })).toEqual({
      ok: false,
      text: `${diagnostics.id} is approved, not running.`,
    });
    expect(await command(CTO, `cancel ${diagnostics.id}`)).toBe(`${diagnostics.id} is approved, not running.`);
    const isolate = (await rt().repositories.mitigations.listRequests(incident.id)).find(
      (r) => r.catalogId === 'isolate-instance',
    )!;
    expect(await execution.cancel({ requestId: isolate.id, userId: CTO })).toEqual({
      ok: false,
      text: `${isolate.id} is awaiting approval, not running.`,
    });

    await execution.onApproved(approvedEvent(diagnostics));
    await deliver(execution, commandEvent(COMMAND_ID, 'Success'));
    expect(await execution.cancel({ requestId: diagnostics.id, userId: CTO })).toEqual({
      ok: false,
      text: `${diagnostics.id} is succeeded, not running.`,
    });

    expect(await execution.cancel({ requestId: 'MIT-0000000000', userId: CTO })).toEqual({
      ok: false,
      text: 'No mitigation request MIT-0000000000.',
    });
    expect((await execution.cancel({ requestId: diagnostics.id, userId: 'U0STRANGER1' })).ok).toBe(false);
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect(rt().fleet.calls).toEqual([]);
  });
});
