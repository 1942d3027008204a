/**
 * Requests expire on time, on the in-memory ports: the expiry schedule made next to the escalation,
 * `Workflow.expireRequest` (audited by system:expire in the state change's commit, announced as an
 * expired decision), its no-op cases, and a click racing the expiry.
 */
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { createClassifier } from '../../functions/core/signals/classify.ts';
import type { BusEvent } from '../../functions/core/events/contract.ts';
import { ingestEnvelope } from '../../functions/workflow/record-signal.ts';
import { VirtualClock } from '../../functions/local/runtime.ts';
import type { OneTimeScheduler } from '../../functions/workflow/ports/bus.ts';
import { expiryScheduleName, scheduleTimeFor } from '../../functions/workflow/request-timers.ts';
import { Workflow } from '../../functions/workflow/workflow.ts';
import { exampleConfig, fixture } from '../support.ts';
import { InMemoryStore } from '../support/in-memory-store.ts';

const config = exampleConfig();
const CTO = { userId: 'U0CTO000001', teamId: config.slack.teamId };
const RESPONDER = 'U0RESPOND01';
const START = '2026-11-23T09:00:00.000Z';
const MINUTE = 60_000;

type Scheduled = Parameters<OneTimeScheduler['schedule']>[0];

type Ports = Pick<InMemoryStore, 'incidents' | 'mitigations' | 'holds' | 'roster'>;

/** A workflow over a store's ports, with its own clock and its own record of what it committed to publish and scheduled. */
function workflowOn(store: Ports, clock: VirtualClock) {
  const published: BusEvent[] = [];
  const scheduled: Scheduled[] = [];
  // What this workflow committed for the relay to publish: the events of its own applied commits.
  const incidents: Ports['incidents'] = {
    ...store.incidents,
    commitChange: async (change) => {
      const result = await store.incidents.commitChange(change);
      if (result.committed) published.push(...change.events);
      return result;
    },
  };
  const workflow = new Workflow({
    incidents,
    mitigations: store.mitigations,
    holds: store.holds,
    roster: store.roster,
    scheduler: { schedule: async (input) => void scheduled.push(input) },
    config,
    now: clock.now,
  });
  return { workflow, published, scheduled };
}

/** A GuardDuty incident and a responder's isolate-instance request (high risk: the CTO, or two seniors). */
async function pendingRequest(start = START) {
  const store = new InMemoryStore();
  const clock = new VirtualClock(start);
  const [opened] = await ingestEnvelope(fixture('guardduty-finding-ec2-high-wrapped.json'), {
    incidents: store.incidents,
    classify: createClassifier(config),
    now: clock.now,
    reopenWindowMinutes: config.dedup.reopenWindowMinutes,
    eventRetentionDays: config.eventRetentionDays,
    customSources: config.sources.custom,
  });
  const incidentId = opened!.incidentId!;
  const { workflow, published, scheduled } = workflowOn(store, clock);
  const requested = await workflow.requestMitigation({
    incidentId,
    catalogId: 'isolate-instance',
    requestedBy: `slack:${RESPONDER}`,
  });
  expect(requested).toMatchObject({ ok: true, request: { state: 'awaiting_approval' } });
  const request = requested.request!;
  published.length = 0;
  return { store, clock, workflow, published, scheduled, incidentId, request, ref: { incidentId, requestId: request.id } };
}

describe('the expiry schedule', () => {
  it('is made with the escalation when a request awaits approval: both invoke escalate, at their times', async () => {
    const { scheduled, incidentId, request } = await pendingRequest();
    expect(request.expiresAt).toBe('2026-11-23T10:00:00.000Z');
    const ref = { incidentId, requestId: request.id };
    expect(scheduled).toEqual([
      {
        name: `escalate-${request.id}`,
        at: '2026-11-23T09:15:00.000Z',
        target: 'escalate',
        event: { detailType: 'Mitigation Escalation Due', detail: ref },
      },
      {
        name: `expire-${request.id}-20261123100000`,
        at: '2026-11-23T10:00:00.000Z',
        target: 'escalate',
        event: { detailType: 'Mitigation Expiry Due', detail: ref },
      },
    ]);
  });

  it('is named after the request and the end of its window, so a moved window would get a schedule of its own', () => {
    const request = { id: 'MIT-0A1B2C3D4E', expiresAt: '2026-11-23T10:00:00.000Z' };
    expect(expiryScheduleName(request)).toBe('expire-MIT-0A1B2C3D4E-20261123100000');
    expect(expiryScheduleName({ ...request, expiresAt: '2026-11-23T10:30:00.000Z' })).toBe(
      'expire-MIT-0A1B2C3D4E-20261123103000',
    );
    // Well within Scheduler's 64 characters, and only the characters it accepts.
    expect(expiryScheduleName(request)).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
  });

  it('fires on the next whole minute when the window ends mid-minute (Scheduler keeps minutes), never before it', () => {
    expect(scheduleTimeFor('2026-11-23T10:00:00.000Z')).toBe('2026-11-23T10:00:00.000Z');
    expect(scheduleTimeFor('2026-11-23T10:00:00.001Z')).toBe('2026-11-23T10:01:00.000Z');
    expect(scheduleTimeFor('2026-11-23T10:00:59.999Z')).toBe('2026-11-23T10:01:00.000Z');
  });

  it('a request made mid-minute: its expiry fires at the rounded time and finds the window over', async () => {
    const { scheduled, workflow, clock, ref, request } = await pendingRequest('2026-11-23T09:00:12.345Z');
    const expiry = scheduled.find((s) => s.event.detailType === 'Mitigation Expiry Due')!;
    expect([request.expiresAt, expiry.at]).toEqual(['2026-11-23T10:00:12.345Z', '2026-11-23T10:01:00.000Z']);
    clock.advance(Date.parse(expiry.at) - clock.now().getTime());
    expect(await workflow.expireRequest(ref)).toBe('expired');
  });

  it('is not made for a request approved by policy, and alone (no escalation) when the CTO is away', async () => {
    const { store, clock, workflow, scheduled, incidentId } = await pendingRequest();
    scheduled.length = 0;
    // collect-diagnostics is pre-approved; the classification already proposed it, so ask for it as a person.
    const diagnostics = await workflow.requestMitigation({
      incidentId,
      catalogId: 'collect-diagnostics',
      requestedBy: `slack:${RESPONDER}`,
    });
    expect(diagnostics.request).toMatchObject({ state: 'approved' });
    expect(scheduled).toEqual([]);

    await store.roster.setAway(CTO.userId, '2026-11-23T12:00:00.000Z', clock.now().toISOString());
    const blocked = await workflow.requestMitigation({
      incidentId,
      catalogId: 'block-ip',
      parameters: { ipAddress: '81.2.69.144' },
      requestedBy: `slack:${RESPONDER}`,
    });
    expect(blocked.request).toMatchObject({ state: 'awaiting_approval', escalatedAt: START });
    expect(scheduled.map((s) => s.name)).toEqual([expiryScheduleName(blocked.request!)]);
  });

  it('is not made again when the plan changes: the window stays where it was', async () => {
    const { workflow, scheduled, incidentId } = await pendingRequest();
    const first = await workflow.requestMitigation({
      incidentId,
      catalogId: 'block-ip',
      parameters: { ipAddress: '81.2.69.144' },
      requestedBy: `slack:${RESPONDER}`,
    });
    scheduled.length = 0;
    const changed = await workflow.requestMitigation({
      incidentId,
      catalogId: 'block-ip',
      parameters: { ipAddress: '81.2.69.145' },
      requestedBy: `slack:${RESPONDER}`,
    });
    expect(changed.text).toContain('the plan changed');
    expect(changed.request!.expiresAt).toBe(first.request!.expiresAt);
    expect(scheduled).toEqual([]);
  });
});

describe('Workflow.expireRequest', () => {
  it('expires an unanswered request at the end of its window: state, audit by system:expire, announcement', async () => {
    const { store, clock, workflow, published, incidentId, request, ref } = await pendingRequest();
    clock.advance(60 * MINUTE);
    expect(await workflow.expireRequest(ref)).toBe('expired');

    expect(await store.mitigations.getRequest(incidentId, request.id)).toEqual({
      ...request,
      state: 'expired',
      decidedAt: '2026-11-23T10:00:00.000Z',
      reason: 'approval window passed',
      version: request.version + 1,
    });
    const audit = store.audit(incidentId);
    expect(audit.at(-1)).toMatchObject({
      action: 'mitigation.expired',
      actor: 'system:expire',
      at: '2026-11-23T10:00:00.000Z',
      data: { requestId: request.id, expiresAt: request.expiresAt },
    });
    const incident = (await store.incidents.getIncident(incidentId))!;
    expect(verifyChain(audit, { seq: incident.auditSeq, hash: incident.auditHead }).valid).toBe(true);
    expect(published).toEqual([
      { detailType: 'Mitigation Decided', detail: { incidentId, requestId: request.id, outcome: 'expired' } },
    ]);
  });

  it('is idempotent: a second delivery of the schedule changes nothing and announces nothing', async () => {
    const { store, clock, workflow, published, incidentId, ref } = await pendingRequest();
    clock.advance(61 * MINUTE);
    expect(await workflow.expireRequest(ref)).toBe('expired');
    const after = { audit: store.audit(incidentId), incident: await store.incidents.getIncident(incidentId) };
    expect(await workflow.expireRequest(ref)).toBe('already_decided');
    expect({ audit: store.audit(incidentId), incident: await store.incidents.getIncident(incidentId) }).toEqual(after);
    expect(published).toHaveLength(1);
  });

  it('leaves alone a schedule that fired early, a request already decided and a request that does not exist', async () => {
    const { store, clock, workflow, published, incidentId, request, ref } = await pendingRequest();
    const untouched = store.audit(incidentId);
    clock.advance(60 * MINUTE - 1);
    expect(await workflow.expireRequest(ref)).toBe('not_due');
    expect(await store.mitigations.getRequest(incidentId, request.id)).toEqual(request);
    expect(store.audit(incidentId)).toEqual(untouched);

    expect(await workflow.expireRequest({ incidentId, requestId: 'MIT-0000000000' })).toBe('not_found');
    expect(await workflow.expireRequest({ incidentId: 'INC-0000000000', requestId: request.id })).toBe('not_found');

    expect(await workflow.decideMitigation({ requestId: request.id, action: 'approve', actor: CTO })).toMatchObject({ ok: true });
    published.length = 0;
    clock.advance(MINUTE);
    expect(await workflow.expireRequest(ref)).toBe('already_decided');
    expect(await store.mitigations.getRequest(incidentId, request.id)).toMatchObject({ state: 'approved' });
    expect(store.audit(incidentId).filter((e) => e.action === 'mitigation.expired')).toEqual([]);
    expect(published).toEqual([]);
  });

  it('after a late click already expired it, the schedule finds it expired: one expiry, one announcement', async () => {
    const { store, clock, workflow, published, incidentId, ref } = await pendingRequest();
    clock.advance(60 * MINUTE);
    const late = await workflow.decideMitigation({ requestId: ref.requestId, action: 'approve', actor: CTO });
    expect(late.text).toContain('expired at 2026-11-23T10:00:00.000Z; request it again');
    expect(await workflow.expireRequest(ref)).toBe('already_decided');
    expect(store.audit(incidentId).filter((e) => e.action === 'mitigation.expired')).toEqual([
      expect.objectContaining({ actor: `slack:${CTO.userId}` }),
    ]);
    expect(published.map((e) => e.detail)).toEqual([{ ...ref, outcome: 'expired' }]);
  });
});

describe('a click racing the expiry', () => {
  /**
   * Two processes on one store: the clicker read the request a moment before the window ended, the
   * schedule fired at its end. `first` commits in between the other's read and its commit.
   */
  async function race(first: 'expiry' | 'click') {
    const setup = await pendingRequest();
    const { store, incidentId, ref } = setup;
    const clickClock = new VirtualClock(new Date(Date.parse(setup.request.expiresAt) - 1000));
    const expiryClock = new VirtualClock(setup.request.expiresAt);
    let interleaved = false;
    const racing = (run: () => Promise<unknown>): Ports => ({
      mitigations: store.mitigations,
      holds: store.holds,
      roster: store.roster,
      incidents: {
        ...store.incidents,
        commitChange: async (change: Parameters<typeof store.incidents.commitChange>[0]) => {
          if (!interleaved) {
            interleaved = true;
            await run();
          }
          return store.incidents.commitChange(change);
        },
      },
    });
    const clicker = workflowOn(store, clickClock);
    const expirer = workflowOn(store, expiryClock);
    const approve = (workflow: Workflow) =>
      workflow.decideMitigation({ requestId: ref.requestId, action: 'approve', actor: CTO });
    let click: Awaited<ReturnType<Workflow['decideMitigation']>>;
    let expiry: Awaited<ReturnType<Workflow['expireRequest']>>;
    if (first === 'expiry') {
      const slowClicker = workflowOn(
        racing(async () => (expiry = await expirer.workflow.expireRequest(ref))),
        clickClock,
      );
      click = await approve(slowClicker.workflow);
      clicker.published.push(...slowClicker.published);
    } else {
      const slowExpirer = workflowOn(
        racing(async () => (click = await approve(clicker.workflow))),
        expiryClock,
      );
      expiry = await slowExpirer.workflow.expireRequest(ref);
      expirer.published.push(...slowExpirer.published);
    }
    const request = (await store.mitigations.getRequest(incidentId, ref.requestId))!;
    const outcomes = store
      .audit(incidentId)
      .filter((e) => ['mitigation.expired', 'mitigation.approved'].includes(e.action))
      .map((e) => e.action);
    return { click: click!, expiry: expiry!, request, outcomes, published: [...clicker.published, ...expirer.published] };
  }

  it('expiry first: the approval re-reads, finds it expired and is refused; nothing was approved', async () => {
    const { click, expiry, request, outcomes, published } = await race('expiry');
    expect(expiry).toBe('expired');
    expect(click).toEqual({ ok: false, text: `${request.id} is already expired.` });
    expect(request).toMatchObject({ state: 'expired', approvals: [] });
    expect(outcomes).toEqual(['mitigation.expired']);
    expect(published.map((e) => e.detailType)).toEqual(['Mitigation Decided']);
  });

  it('approval first: the expiry re-reads, finds it approved and does nothing', async () => {
    const { click, expiry, request, outcomes, published } = await race('click');
    expect(click.ok).toBe(true);
    expect(expiry).toBe('already_decided');
    expect(request).toMatchObject({ state: 'approved', decidedBy: [CTO.userId] });
    expect(outcomes).toEqual(['mitigation.approved']);
    expect(published.map((e) => e.detailType)).toEqual(['Mitigation Decided', 'Mitigation Approved']);
  });
});
