/**
 * The escalate / expire function on DynamoDB Local: the expiry schedule a request gets when it is
 * made, fired by the virtual clock through the real handler; the request expired and audited, its
 * Slack message without buttons and the thread told what to do; redeliveries, early and malformed
 * deliveries; and a click racing the expiry on the table's conditional writes.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import type { WorkflowChange } from '../../functions/core/persistence.ts';
import { InvalidEventError } from '../../functions/core/signals/signal.ts';
import { createEscalateHandler } from '../../functions/escalate/handler.ts';
import { lambdaContext } from '../../functions/local/event-bus.ts';
import { startLocalRuntime, VirtualClock, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import type { IncidentsPort } from '../../functions/workflow/ports/repositories.ts';
import { Workflow } from '../../functions/workflow/workflow.ts';
import { exampleConfig, fixture, tableSnapshot, withNewId } from '../support.ts';

const CTO = 'U0CTO000001';
const RESPONDER = 'U0RESPOND01';
const START = '2026-11-23T09:00:00.000Z';
const MINUTE = 60_000;

const config = exampleConfig();
let runtime: LocalRuntime;
let tables = 0;

beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: START,
    endpoint: inject('dynamoEndpoint'),
    tableName: `escalate-${process.pid}-${++tables}`,
    execute: false,
  });
});

afterEach(async () => {
  await runtime?.stop();
});

/** A GuardDuty high finding: its incident and the proposed isolate-instance request, awaiting approval. */
async function isolateRequest() {
  runtime.bus.put('default', withNewId(fixture('guardduty-finding-ec2-high-wrapped.json')));
  await runtime.bus.drain();
  const [incident] = await runtime.repositories.incidents.listIncidents();
  const requests = await runtime.repositories.mitigations.listRequests(incident!.id);
  const request = requests.find((r) => r.catalogId === 'isolate-instance')!;
  expect(request).toMatchObject({ state: 'awaiting_approval', expiresAt: '2026-11-23T10:00:00.000Z' });
  return { incident: incident!, request, ref: { incidentId: incident!.id, requestId: request.id } };
}

const stored = (incidentId: string, requestId: string) => runtime.repositories.mitigations.getRequest(incidentId, requestId);
const decidedEvents = () => runtime.bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Decided').map((e) => e.detail);
const threadOf = (incident: { channel: string; id: string }): StandInMessage[] => {
  const top = runtime.slack.latest((m) => m.channel === incident.channel && !m.thread_ts && m.text.includes(incident.id))!;
  return runtime.slack.thread(incident.channel, top.ts);
};
const expiryReplies = (incident: { channel: string; id: string }) =>
  threadOf(incident).filter((m) => m.text.startsWith('Mitigation expired unapproved'));
const requestMessage = (incident: { channel: string; id: string }, title: string) =>
  threadOf(incident).find((m) => m.blocks.some((b) => (b as { type: string }).type === 'header') && m.text.includes(title))!;
/** A roster user's `/firebreak …` through the real Slack app: the text of its answer. */
const command = async (userId: string, text: string): Promise<string> => {
  const response = await runtime.command(userId, text);
  return (JSON.parse(response.body ?? '{}') as { text?: string }).text ?? '';
};
const hasButtons = (message: StandInMessage) => message.blocks.some((b) => (b as { type: string }).type === 'actions');

/** The event a one-time schedule invokes escalate with. */
const scheduled = (detailType: string, detail: object) => ({
  version: '0',
  id: `expire-${Math.random().toString(16).slice(2)}`,
  source: 'firebreak',
  account: '123456789012',
  region: 'us-east-1',
  time: runtime.clock.now().toISOString(),
  resources: [],
  'detail-type': detailType,
  detail,
});

describe('expiry on time', () => {
  it('an unanswered request expires when its window ends: expired, audited by system:expire, buttons gone, the thread told', async () => {
    const { incident, request, ref } = await isolateRequest();
    expect(runtime.scheduler.pending()).toContainEqual({
      name: `expire-${request.id}-20261123100000`,
      at: '2026-11-23T10:00:00.000Z',
      target: 'escalate',
      event: { 'detail-type': 'Mitigation Expiry Due', detail: ref },
    });
    expect(hasButtons(requestMessage(incident, 'Isolate instance'))).toBe(true);

    await runtime.advance(59 * MINUTE);
    expect(await stored(incident.id, request.id)).toMatchObject({ state: 'awaiting_approval', escalatedAt: expect.any(String) });
    const fired = await runtime.advance(1 * MINUTE);
    expect(fired.filter((d) => d.rule.startsWith('schedule:')).map((d) => [d.rule, d.result])).toEqual([
      [`schedule:expire-${request.id}-20261123100000`, { ...ref, outcome: 'expired' }],
    ]);

    expect(await stored(incident.id, request.id)).toMatchObject({
      state: 'expired',
      decidedAt: '2026-11-23T10:00:00.000Z',
      reason: 'approval window passed',
      version: request.version + 2, // escalated, then expired
    });
    const audit = await runtime.repositories.incidents.getAudit(incident.id);
    expect(audit.at(-1)).toMatchObject({
      action: 'mitigation.expired',
      actor: 'system:expire',
      at: '2026-11-23T10:00:00.000Z',
      data: { requestId: request.id, expiresAt: request.expiresAt },
    });
    const head = (await runtime.repositories.incidents.getIncident(incident.id))!;
    expect(verifyChain(audit, { seq: head.auditSeq, hash: head.auditHead }).valid).toBe(true);
    expect(decidedEvents()).toEqual([{ ...ref, outcome: 'expired' }]);

    const message = requestMessage(incident, 'Isolate instance');
    expect(hasButtons(message)).toBe(false);
    expect(message.text).toBe(`Mitigation expired: Isolate instance for forensics for incident ${incident.id}.`);
    expect(JSON.stringify(message.blocks)).toContain('Expired at 2026-11-23 10:00:00 UTC without a decision.');
    const [reply, ...more] = expiryReplies(incident);
    expect(more).toEqual([]);
    expect(JSON.stringify(reply!.blocks)).toContain(
      `If it is still needed, request it again: \`/firebreak mitigate ${incident.id} isolate-instance\``,
    );
    expect(runtime.bus.deadLetters).toEqual([]);

    // A command on the expired request says it is finished.
    expect(await command(CTO, `approve ${request.id}`)).toBe(`${request.id} is already expired.`);
  });

  it('a request someone made: the reply mentions them, with the command and its parameters to ask again', async () => {
    const { incident } = await isolateRequest();
    const made = await command(RESPONDER, `mitigate ${incident.id} block-ip ipAddress=81.2.69.144`);
    const requestId = /MIT-[0-9A-F]{10}/.exec(made)![0];
    await runtime.advance(60 * MINUTE);
    expect(await stored(incident.id, requestId)).toMatchObject({ state: 'expired' });
    const reply = expiryReplies(incident).find((m) => m.text.includes(requestId))!;
    expect(JSON.stringify(reply.blocks)).toContain(
      `<@${RESPONDER}> If it is still needed, request it again: \`/firebreak mitigate ${incident.id} block-ip ipAddress=81.2.69.144\``,
    );
  });
});

describe('the escalate handler with an expiry', () => {
  it('is a no-op when it fires early, expires once when due, and changes nothing when delivered again', async () => {
    const { incident, request, ref } = await isolateRequest();
    const handler = createEscalateHandler(() => runtime.workflow);
    const invoke = async (event: object) => {
      const result = await handler(event as never, lambdaContext('escalate'));
      await runtime.bus.drain();
      return result;
    };

    runtime.clock.advance(60 * MINUTE - 1000);
    const before = await tableSnapshot(runtime);
    expect(await invoke(scheduled('Mitigation Expiry Due', ref))).toEqual({ ...ref, outcome: 'not_due' });
    expect(await tableSnapshot(runtime)).toBe(before);
    expect(decidedEvents()).toEqual([]);

    runtime.clock.advance(1000);
    expect(await invoke(scheduled('Mitigation Expiry Due', ref))).toEqual({ ...ref, outcome: 'expired' });
    const after = await tableSnapshot(runtime);
    const messages = runtime.slack.messages().length;
    expect(await invoke(scheduled('Mitigation Expiry Due', ref))).toEqual({ ...ref, outcome: 'already_decided' });
    expect(await tableSnapshot(runtime)).toBe(after);
    expect(decidedEvents()).toEqual([{ ...ref, outcome: 'expired' }]);
    expect(runtime.slack.messages()).toHaveLength(messages);
    expect(expiryReplies(incident)).toHaveLength(1);

    const missing = { incidentId: incident.id, requestId: 'MIT-0000000000' };
    expect(await invoke(scheduled('Mitigation Expiry Due', missing))).toEqual({ ...missing, outcome: 'not_found' });
    expect((await stored(incident.id, request.id))!.state).toBe('expired');
  });

  it('refuses a malformed expiry and an event that is not a schedule of its own (to be dead-lettered), changing nothing', async () => {
    const { ref } = await isolateRequest();
    const handler = createEscalateHandler(() => runtime.workflow);
    runtime.clock.advance(61 * MINUTE);
    const before = await tableSnapshot(runtime);
    for (const event of [
      scheduled('Mitigation Expiry Due', { ...ref, requestId: 'MIT-<!channel>' }),
      scheduled('Mitigation Expiry Due', { incidentId: ref.incidentId }),
      scheduled('Mitigation Approved', { ...ref, planHash: 'a'.repeat(64) }),
    ])
      await expect(handler(event as never, lambdaContext('escalate'))).rejects.toBeInstanceOf(InvalidEventError);
    expect(await tableSnapshot(runtime)).toBe(before);
  });
});

describe('a click racing the expiry, on the conditional writes of the table', () => {
  /** Two processes: `first` commits between the other's read and its commit. */
  async function race(first: 'expiry' | 'click') {
    const { incident, request, ref } = await isolateRequest();
    const real = runtime.repositories.incidents;
    const workflowAt = (at: number, incidents: IncidentsPort = real) =>
      new Workflow({
        ...runtime.repositories,
        incidents,
        scheduler: runtime.scheduler,
        config,
        now: new VirtualClock(new Date(at)).now,
      });
    let interleaved = false;
    const racing = (run: () => Promise<unknown>): IncidentsPort => ({
      getIncident: (id) => real.getIncident(id),
      findByFingerprint: (fingerprint) => real.findByFingerprint(fingerprint),
      commitChange: async (change: WorkflowChange) => {
        if (!interleaved) {
          interleaved = true;
          await run();
        }
        return real.commitChange(change);
      },
    });
    const windowEnd = Date.parse(request.expiresAt);
    const approve = (workflow: Workflow) =>
      workflow.decideMitigation({
        requestId: request.id,
        action: 'approve',
        actor: { userId: CTO, teamId: config.slack.teamId },
      });
    let click: Awaited<ReturnType<typeof approve>> | undefined;
    let expiry: string | undefined;
    if (first === 'expiry') {
      const expirer = workflowAt(windowEnd);
      click = await approve(
        workflowAt(
          windowEnd - 1000,
          racing(async () => (expiry = await expirer.expireRequest(ref))),
        ),
      );
    } else {
      const clicker = workflowAt(windowEnd - 1000);
      expiry = await workflowAt(
        windowEnd,
        racing(async () => (click = await approve(clicker))),
      ).expireRequest(ref);
    }
    await runtime.bus.drain();
    const outcomes = (await runtime.repositories.incidents.getAudit(incident.id))
      .filter((e) => e.data.requestId === request.id && ['mitigation.expired', 'mitigation.approved'].includes(e.action))
      .map((e) => e.action);
    return { incident, click: click!, expiry, request: (await stored(incident.id, request.id))!, outcomes };
  }

  it('expiry first: the approval loses the conditional write, re-reads and is refused; Slack shows one expiry', async () => {
    const { incident, click, expiry, request, outcomes } = await race('expiry');
    expect(expiry).toBe('expired');
    expect(click).toEqual({ ok: false, text: `${request.id} is already expired.` });
    expect(request).toMatchObject({ state: 'expired', approvals: [] });
    expect(outcomes).toEqual(['mitigation.expired']);
    const approvals = runtime.bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Approved');
    expect(approvals.map((e) => (e.detail as { requestId: string }).requestId)).not.toContain(request.id);
    expect(expiryReplies(incident)).toHaveLength(1);
  });

  it('approval first: the expiry loses the conditional write, re-reads and leaves the approved request alone', async () => {
    const { incident, click, expiry, request, outcomes } = await race('click');
    expect(click.ok).toBe(true);
    expect(expiry).toBe('already_decided');
    expect(request).toMatchObject({ state: 'approved', decidedBy: [CTO] });
    expect(outcomes).toEqual(['mitigation.approved']);
    expect(decidedEvents()).toEqual([{ incidentId: incident.id, requestId: request.id, outcome: 'approved' }]);
    expect(runtime.bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Approved')).toHaveLength(2); // with collect-diagnostics, by policy
    expect(expiryReplies(incident)).toEqual([]);
  });
});
