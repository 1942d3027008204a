/**
 * What the executor and tracker tests share (execution-*.test.ts): a local runtime on DynamoDB Local
 * WITHOUT its own executor (`execute: false`) unless a test asks for one, an `Execution` built with
 * the REAL SSM adapter over an `SSMClient` mocked by aws-sdk-client-mock (so the exact SendCommand
 * and StartAutomationExecution inputs are asserted), SSM's published status samples with their ids
 * and statuses changed, and signed Slack commands. One fresh runtime (and table) per test.
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
import { afterEach, beforeEach, expect, inject, vi } from 'vitest';
import { AwsSsmGateway } from '../../functions/adapters/ssm-gateway.ts';
import type { AuditEntry } from '../../functions/core/audit/chain.ts';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import { type MitigationRequest } from '../../functions/core/mitigations/mitigation.ts';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import { Execution } from '../../functions/workflow/execution.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';

export const CTO = 'U0CTO000001';
export const SENIOR1 = 'U0SENIOR001';
export const RESPONDER = 'U0RESPOND01';
export const TEAM = 'T0FIREBRK01';
export const START = '2026-11-23T09:00:00.000Z';
export const MINUTE = 60_000;
export const LOG_GROUP = '/firebreak/mitigations';
export const ROLE = 'arn:aws:iam::123456789012:role/firebreak-automation';
/** The instance of the GuardDuty sample finding. */
export const INSTANCE = 'i-99999999';
export const COMMAND_ID = 'cmd-1';
export const EXECUTION_ID = 'exec-1';

export const config = exampleConfig();
export const ssmMock = mockClient(SSMClient);
let runtime: LocalRuntime | undefined;
let tables = 0;

export async function start(options: { execute?: boolean } = {}): Promise<LocalRuntime> {
  runtime = await startLocalRuntime({
    config,
    start: START,
    endpoint: inject('dynamoEndpoint'),
    tableName: `execution-${process.pid}-${++tables}`,
    execute: options.execute ?? false,
  });
  return runtime;
}

/** Registers the per-test mocks and the runtime's teardown; call once at the top of a test file. */
export function useExecutionHarness(): void {
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
}

export const rt = (): LocalRuntime => {
  if (!runtime) throw new Error('no runtime');
  return runtime;
};

/** The executor the runtime would build, but over the real SSM adapter (its client mocked). */
export function executor(overrides: { config?: FirebreakConfig } = {}): Execution {
  const { repositories, clock } = rt();
  const ssm = new AwsSsmGateway(new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  return new Execution({
    ...repositories,
    config: overrides.config ?? config,
    now: clock.now,
    ssm,
    outputLogGroup: LOG_GROUP,
    automationRoleArn: ROLE,
  });
}

export const sendCommandInputs = () => ssmMock.commandCalls(SendCommandCommand).map((c) => c.args[0].input);
export const automationInputs = () => ssmMock.commandCalls(StartAutomationExecutionCommand).map((c) => c.args[0].input);

// --- requests -------------------------------------------------------------------------------------

/** A GuardDuty high finding on i-99999999: collect-diagnostics (pre-approved) and isolate-instance (awaiting). */
export async function guardDutyIncident() {
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
export async function requestAsSenior(
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
export async function approveAsCto(requestId: string): Promise<MitigationRequest> {
  const reply = await rt().workflow.decideMitigation({ requestId, action: 'approve', actor: { userId: CTO, teamId: TEAM } });
  expect(reply.ok, reply.text).toBe(true);
  await rt().bus.drain();
  const approved = await request(requestId);
  expect(approved.state).toBe('approved');
  return approved;
}

/** What a `Mitigation Approved` event carries. */
export const approvedEvent = (r: Pick<MitigationRequest, 'incidentId' | 'id' | 'planHash'>) => ({
  incidentId: r.incidentId,
  requestId: r.id,
  planHash: r.planHash,
});

export const request = async (requestId: string): Promise<MitigationRequest> =>
  (await rt().repositories.mitigations.findRequest(requestId))!;
export const incidentOf = async (id: string): Promise<Incident> => (await rt().repositories.incidents.getIncident(id))!;
export const audit = (incidentId: string): Promise<AuditEntry[]> => rt().repositories.incidents.getAudit(incidentId);
export const progressOf = async (r: Pick<MitigationRequest, 'incidentId' | 'id'>) =>
  rt().repositories.mitigations.getProgress(r.incidentId, r.id);

/** Rewrites a stored request as someone with write access to the table could. */
export async function tamper(
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

export const instanceArn = (id: string) => `arn:aws:ec2:us-east-1:123456789012:instance/${id}`;

export function invocationEvent(commandId: string, instanceId: string, status: string): EventEnvelope {
  const sample = withNewId(fixture('ssm-command-invocation-status-change-success.json'));
  return {
    ...sample,
    resources: [instanceArn(instanceId)],
    detail: { ...sample.detail, 'command-id': commandId, 'instance-id': instanceId, status },
  };
}

export function commandEvent(commandId: string, status: string): EventEnvelope {
  const sample = withNewId(fixture('ssm-command-status-change-success.json'));
  return { ...sample, detail: { ...sample.detail, 'command-id': commandId, status } };
}

export function automationEvent(executionId: string, status: string): EventEnvelope {
  const sample = withNewId(fixture('ssm-automation-execution-status-change-success.json'));
  return {
    ...sample,
    resources: [`arn:aws:ssm:us-east-1:123456789012:automation-execution/${executionId}`],
    detail: { ...sample.detail, ExecutionId: executionId, Status: status },
  };
}

/** Delivers status events to the tracker one at a time, then lets notify render what they announced. */
export async function deliver(
  execution: Execution,
  ...events: EventEnvelope[]
): Promise<Array<{ outcome: string; requestId?: string }>> {
  const results: Array<{ outcome: string; requestId?: string }> = [];
  for (const event of events) results.push(await execution.onStatusEvent(event));
  await rt().bus.drain();
  return results;
}

/** A 17-character instance id, i-0000000000000000n. */
export const fleetInstance = (n: number) => `i-0${String(n).padStart(16, '0')}`;

// --- Slack ----------------------------------------------------------------------------------------

export function incidentMessage(incident: Pick<Incident, 'id' | 'channel'>): StandInMessage {
  const message = rt().slack.latest((m) => m.channel === incident.channel && !m.thread_ts && m.text.includes(incident.id));
  expect(message, `message of ${incident.id}`).toBeDefined();
  return message!;
}

export function thread(incident: Pick<Incident, 'id' | 'channel'>): StandInMessage[] {
  const top = incidentMessage(incident);
  return rt().slack.thread(top.channel, top.ts);
}

/** The final summaries of a request in its incident's thread. */
export const summaries = (incident: Pick<Incident, 'id' | 'channel'>, requestId: string) =>
  thread(incident).filter((m) => new RegExp(`\\(\`${requestId}\`\\) (succeeded|failed|cancelled)( by [^.]+)?\\.`).test(m.text));

/** `/firebreak <text>` as a user, signed as Slack signs it; the ephemeral reply's text. */
export async function command(userId: string, text: string): Promise<string> {
  const response = await rt().command(userId, text);
  expect(response.statusCode).toBe(200);
  return response.body ? ((JSON.parse(response.body) as { text?: string }).text ?? '') : '';
}

/** The ClientToken SSM gets for a request, computed independently: SHA-256 of the id as a version-8 UUID. */
export function expectedClientToken(requestId: string): string {
  const hex = createHash('sha256').update(requestId).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** patch-critical running on the mocked SSM: a command id, and no status event ever. */
export async function runningPatch() {
  const { incident } = await guardDutyIncident();
  const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
  const execution = executor();
  expect((await execution.onApproved(approvedEvent(patch))).outcome).toBe('started');
  await rt().bus.drain();
  return { incident, patch, execution };
}
