/**
 * `/firebreak cancel` over the bus, on DynamoDB Local: the Slack function records the cancel (audit
 * entry and `Mitigation Cancel Requested` in one transaction) and calls no Systems Manager; the
 * execute handler stops the run (CancelCommand / StopAutomationExecution, asserted exactly) and ends
 * the request once. Abuse cases: a responder, a stranger, a second cancel, a replayed or unasked-for
 * event, a request that ended meanwhile, Systems Manager refusing (harness: execution-harness.ts).
 */
import { CancelCommandCommand, StopAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXECUTE_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { createExecuteHandler } from '../../functions/execute/handler.ts';
import { lambdaContext, type BusEvent } from '../../functions/local/event-bus.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import type { Execution } from '../../functions/workflow/execution.ts';
import {
  CTO,
  SENIOR1,
  RESPONDER,
  COMMAND_ID,
  EXECUTION_ID,
  ssmMock,
  start,
  useExecutionHarness,
  rt,
  executor,
  guardDutyIncident,
  approveAsCto,
  approvedEvent,
  request,
  incidentOf,
  audit,
  invocationEvent,
  commandEvent,
  deliver,
  fleetInstance,
  summaries,
  thread,
  command,
  runningPatch,
  tamper,
} from './execution-harness.ts';
import { fixture } from '../support.ts';

useExecutionHarness();

const UNDER_WAY = (id: string) =>
  `${id}: cancel requested. Systems Manager is asked to stop the remaining invocations; the outcome follows in the incident's thread.`;

/** The `Mitigation Cancel Requested` events the Slack function committed (published by the relay). */
const cancelEvents = (): BusEvent[] => rt().bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Cancel Requested');

/** Delivers an event to the real execute handler (its schema and routing), then lets notify render what it announced. */
async function execute(execution: Execution, event: BusEvent): Promise<unknown> {
  const result = await createExecuteHandler(() => execution)(event as never, lambdaContext('execute'));
  await rt().bus.drain();
  return result;
}

const tooLateNotices = (incident: Parameters<typeof thread>[0]) =>
  thread(incident).filter((m) => m.text.includes('came too late'));
const ssmErrorNotices = (incident: Parameters<typeof thread>[0]) =>
  thread(incident).filter((m) => m.text.includes('Systems Manager did not cancel'));

describe('/firebreak cancel: slack records it, execute stops the run', () => {
  beforeEach(async () => {
    await start();
  });

  it('by the CTO: recorded and announced without SSM, then CancelCommand once, cancelled, audited, the summary once', async () => {
    const { incident, patch, execution } = await runningPatch();

    expect(await command(CTO, `cancel ${patch.id}`)).toBe(UNDER_WAY(patch.id));
    // The Slack function called no Systems Manager: the request runs until execute has stopped it.
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect(await request(patch.id)).toMatchObject({ state: 'running', cancel: { by: CTO } });
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancel_requested')).toEqual([
      expect.objectContaining({ actor: `slack:${CTO}`, data: { requestId: patch.id, runId: COMMAND_ID } }),
    ]);
    const [event, ...more] = cancelEvents();
    expect(more).toEqual([]);
    expect(event!.detail).toEqual({ incidentId: incident.id, requestId: patch.id });
    // The very pattern the stack's execute rule and the local bus use delivers it.
    expect(matchesPattern(EXECUTE_PATTERN, event)).toBe(true);

    expect(await execute(execution, event!)).toEqual({ outcome: 'cancelled' });
    expect(ssmMock.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toStrictEqual([{ CommandId: COMMAND_ID }]);
    const cancelled = await request(patch.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', decidedBy: [CTO] });
    expect(cancelled.reason).toBeUndefined();
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancelled')).toEqual([
      expect.objectContaining({ actor: `slack:${CTO}`, data: { requestId: patch.id, decidedBy: [CTO] } }),
    ]);
    expect((await incidentOf(incident.id)).status).toBe('open');
    expect(summaries(incident, patch.id)).toHaveLength(1);
    expect(summaries(incident, patch.id)[0]!.text).toContain(`cancelled by <@${CTO}>.`);

    // Replayed: nothing twice (no second SSM call, no second end, no second summary).
    expect(await execute(execution, event!)).toEqual({ outcome: 'already_handled', reason: 'already cancelled' });
    await deliver(execution, invocationEvent(COMMAND_ID, fleetInstance(1), 'Cancelled'), commandEvent(COMMAND_ID, 'Cancelled'));
    expect((await request(patch.id)).state).toBe('cancelled');
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(1);
    expect(summaries(incident, patch.id)).toHaveLength(1);
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancelled')).toHaveLength(1);
    expect(await command(CTO, `cancel ${patch.id}`)).toBe(`${patch.id} is cancelled, not running.`);
    expect(cancelEvents()).toHaveLength(1);
  });

  it('a running automation, by a senior engineer: StopAutomationExecution (Type Cancel), no rollback offered', async () => {
    const { isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    const execution = executor();
    await execution.onApproved(approvedEvent(approved));
    await rt().bus.drain();

    expect(await command(SENIOR1, `cancel ${isolate.id}`)).toBe(UNDER_WAY(isolate.id));
    expect(await execute(execution, cancelEvents()[0]!)).toEqual({ outcome: 'cancelled' });
    expect(ssmMock.commandCalls(StopAutomationExecutionCommand).map((c) => c.args[0].input)).toStrictEqual([
      { AutomationExecutionId: EXECUTION_ID, Type: 'Cancel' },
    ]);
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect(await request(isolate.id)).toMatchObject({ state: 'cancelled', decidedBy: [SENIOR1] });
    expect(
      (await rt().repositories.mitigations.listRequests(approved.incidentId)).some((r) => r.catalogId === 'release-instance'),
    ).toBe(false);
  });

  it('a responder and someone off the roster are refused and audited; nothing is recorded or announced', async () => {
    const { incident, patch } = await runningPatch();

    for (const who of [RESPONDER, 'U0STRANGER1'])
      expect(await command(who, `cancel ${patch.id}`)).toBe('Only the CTO or a senior engineer can cancel a running mitigation.');
    expect(await request(patch.id)).not.toHaveProperty('cancel');
    expect((await request(patch.id)).state).toBe('running');
    expect(cancelEvents()).toEqual([]);
    const refusals = (await audit(incident.id)).filter((a) => a.action === 'mitigation.cancel_refused');
    expect(refusals.map((a) => [a.actor, a.data])).toEqual(
      [RESPONDER, 'U0STRANGER1'].map((who) => [
        `slack:${who}`,
        { requestId: patch.id, refusal: 'not_authorized', userId: who, teamId: rt().config.slack.teamId },
      ]),
    );
    expect((await audit(incident.id)).map((a) => a.action)).not.toContain('mitigation.cancel_requested');
  });

  it('a cancel under way is not asked twice; not running, starting or unknown requests are refused', async () => {
    const { incident, patch } = await runningPatch();
    expect(await command(SENIOR1, `cancel ${patch.id}`)).toBe(UNDER_WAY(patch.id));
    const asked = (await request(patch.id)).cancel!.at;
    expect(await command(CTO, `cancel ${patch.id}`)).toBe(
      `${patch.id} is already being cancelled (asked by <@${SENIOR1}> at ${asked}).`,
    );
    expect(cancelEvents()).toHaveLength(1);
    expect((await request(patch.id)).cancel).toEqual({ by: SENIOR1, at: asked });

    const requests = await rt().repositories.mitigations.listRequests(incident.id);
    const diagnostics = requests.find((r) => r.catalogId === 'collect-diagnostics')!;
    expect(await command(CTO, `cancel ${diagnostics.id}`)).toBe(`${diagnostics.id} is approved, not running.`);
    const isolate = requests.find((r) => r.catalogId === 'isolate-instance')!;
    expect(await command(CTO, `cancel ${isolate.id}`)).toBe(`${isolate.id} is awaiting approval, not running.`);
    await tamper(isolate, (stored) => ({ ...stored, state: 'running' }));
    expect(await command(CTO, `cancel ${isolate.id}`)).toBe(
      `${isolate.id} is starting and has no Systems Manager run id yet; try again in a moment.`,
    );
    expect(await command(CTO, 'cancel MIT-0000000000')).toBe('No mitigation request MIT-0000000000.');
    expect(cancelEvents()).toHaveLength(1);
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
  });

  it('an event nobody asked for (forged or for another request) stops nothing', async () => {
    const { incident, patch, execution } = await runningPatch();
    const forged = {
      ...structuredClone(rt().bus.emitted[0]!),
      'detail-type': 'Mitigation Cancel Requested',
      detail: { incidentId: incident.id, requestId: patch.id },
    };
    expect(await execute(execution, forged)).toEqual({ outcome: 'already_handled', reason: 'no cancel was requested' });
    expect(await execution.onCancelRequested({ incidentId: incident.id, requestId: 'MIT-0000000000' })).toEqual({
      outcome: 'unknown request',
    });
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect((await request(patch.id)).state).toBe('running');
  });

  it('a request that ended before execute got to the cancel: no SSM call, said once in the thread, audited', async () => {
    const { incident, patch, execution } = await runningPatch();
    expect(await command(CTO, `cancel ${patch.id}`)).toBe(UNDER_WAY(patch.id));
    await deliver(execution, invocationEvent(COMMAND_ID, fleetInstance(1), 'Success'), commandEvent(COMMAND_ID, 'Success'));
    expect((await request(patch.id)).state).toBe('succeeded');

    const event = cancelEvents()[0]!;
    expect(await execute(execution, event)).toEqual({ outcome: 'too_late', reason: 'request is succeeded' });
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect(await request(patch.id)).toMatchObject({ state: 'succeeded', cancel: { by: CTO, endedFirst: 'succeeded' } });
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancel_too_late')).toEqual([
      expect.objectContaining({ actor: 'system:execute', data: { requestId: patch.id, state: 'succeeded', requestedBy: CTO } }),
    ]);
    const [notice, ...again] = tooLateNotices(incident);
    expect(again).toEqual([]);
    expect(notice!.text).toContain(`The cancel <@${CTO}> asked for came too late`);
    expect(notice!.text).toContain('had already succeeded. Nothing was stopped.');

    expect(await execute(execution, event)).toEqual({ outcome: 'already_handled', reason: 'already said it had succeeded' });
    expect(tooLateNotices(incident)).toHaveLength(1);
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancel_too_late')).toHaveLength(1);
  });

  it('Systems Manager refusing: the delivery fails (retried, then dead-lettered), said once in the thread; a retry that gets through cancels', async () => {
    const { incident, patch, execution } = await runningPatch();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    ssmMock.on(CancelCommandCommand).rejects(throttled);
    expect(await command(CTO, `cancel ${patch.id}`)).toBe(UNDER_WAY(patch.id));
    const event = cancelEvents()[0]!;

    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(createExecuteHandler(() => execution)(event as never, lambdaContext('execute'))).rejects.toThrow(
        'Rate exceeded',
      );
      await rt().bus.drain();
    }
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(3);
    expect(await request(patch.id)).toMatchObject({ state: 'running', cancel: { by: CTO, failedAt: expect.any(String) } });
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancel_failed')).toEqual([
      expect.objectContaining({
        actor: 'system:execute',
        data: { requestId: patch.id, error: 'ThrottlingException', requestedBy: CTO },
      }),
    ]);
    const [notice, ...again] = ssmErrorNotices(incident);
    expect(again).toEqual([]);
    expect(notice!.text).toContain(`for <@${CTO}>: \`ThrottlingException\``);
    expect(notice!.text).toContain('dead-letter queue');
    expect(summaries(incident, patch.id)).toEqual([]);

    // Someone may ask again once Systems Manager refused; then it gets through.
    expect(await command(SENIOR1, `cancel ${patch.id}`)).toBe(UNDER_WAY(patch.id));
    expect((await request(patch.id)).cancel).toEqual({ by: SENIOR1, at: expect.any(String) });
    ssmMock.on(CancelCommandCommand).resolves({});
    expect(await execute(execution, cancelEvents()[1]!)).toEqual({ outcome: 'cancelled' });
    expect(await request(patch.id)).toMatchObject({ state: 'cancelled', decidedBy: [SENIOR1] });
    expect((await audit(incident.id)).filter((a) => a.action === 'mitigation.cancelled').map((a) => a.actor)).toEqual([
      `slack:${SENIOR1}`,
    ]);
    expect(summaries(incident, patch.id)).toHaveLength(1);
    expect(ssmErrorNotices(incident)).toHaveLength(1);
    // The first event, still being retried, now finds nothing to do.
    expect(await execute(execution, event)).toEqual({ outcome: 'already_handled', reason: 'already cancelled' });
  });
});

describe('/firebreak cancel through the local runtime: the bus routes it to execute, which stops the run on the simulated fleet', () => {
  it('signed command -> outbox -> relay -> execute rule -> fleet Cancel -> cancelled, announced in the thread', async () => {
    await start({ execute: true });
    rt().bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
    await rt().bus.drain();
    const [incident] = await rt().repositories.incidents.listIncidents();
    const isolate = (await rt().repositories.mitigations.listRequests(incident!.id)).find(
      (r) => r.catalogId === 'isolate-instance',
    )!;
    expect(isolate.state).toBe('awaiting_approval');
    // The fleet holds the run in progress until it is cancelled.
    rt().fleet.behave({ instances: 1, hold: true });
    await command(CTO, `approve ${isolate.id}`);
    const running = await request(isolate.id);
    expect(running.state).toBe('running');
    const runId = (running as typeof running & { runId: string }).runId;

    expect(await command(CTO, `cancel ${isolate.id}`)).toBe(UNDER_WAY(isolate.id));
    expect(rt().fleet.calls.filter((c) => c.api === 'Cancel')).toEqual([
      { api: 'Cancel', input: { kind: 'automation', id: runId }, document: 'Firebreak-IsolateInstance' },
    ]);
    expect(await request(isolate.id)).toMatchObject({ state: 'cancelled', decidedBy: [CTO] });
    expect(summaries(incident!, isolate.id)).toHaveLength(1);
    expect(rt().bus.deadLetters).toEqual([]);
    expect(ssmMock.calls()).toHaveLength(0);
  });
});
