import { describe, expect, it } from 'vitest';
import { appendToChain, releaseHoldChainId, verifyChain } from '../../functions/core/audit/chain.ts';
import type { HoldState } from '../../functions/core/deployments/release-hold.ts';
import { createClassifier } from '../../functions/core/signals/classify.ts';
import { ingestEnvelope } from '../../functions/workflow/record-signal.ts';
import { VirtualClock } from '../../functions/local/runtime.ts';
import { Workflow } from '../../functions/workflow/workflow.ts';
import { exampleConfig, fixture } from '../support.ts';
import { InMemoryStore } from '../support/in-memory-store.ts';

const config = exampleConfig();
const CTO = { userId: 'U0CTO000001', teamId: config.slack.teamId };
const RESPONDER = 'U0RESPOND01';

/** The workflow over the in-memory ports: proof that its four ports are all it needs. */
async function withIncident() {
  const store = new InMemoryStore();
  const scheduled: string[] = [];
  const clock = new VirtualClock('2026-11-23T09:00:00Z');
  const workflow = new Workflow({
    incidents: store.incidents,
    mitigations: store.mitigations,
    holds: store.holds,
    roster: store.roster,
    scheduler: { schedule: async ({ name }) => void scheduled.push(name) },
    config,
    now: clock.now,
  });
  const [opened] = await ingestEnvelope(fixture('guardduty-finding-ec2-high-wrapped.json'), {
    incidents: store.incidents,
    classify: createClassifier(config),
    now: clock.now,
    reopenWindowMinutes: config.dedup.reopenWindowMinutes,
    eventRetentionDays: config.eventRetentionDays,
    customSources: config.sources.custom,
  });
  // What the relay publishes is what was committed: only the workflow's own events from here on.
  const published = store.outbox;
  published.length = 0;
  return { store, published, scheduled, clock, workflow, incidentId: opened!.incidentId! };
}

describe('workflow on the in-memory ports', () => {
  it('approval path: requested (escalation and expiry scheduled), approved by the CTO, audited on the incident chain and announced', async () => {
    const { store, published, scheduled, workflow, incidentId } = await withIncident();
    const requested = await workflow.requestMitigation({
      incidentId,
      catalogId: 'isolate-instance',
      requestedBy: `slack:${RESPONDER}`,
    });
    expect(requested).toMatchObject({ ok: true, request: { state: 'awaiting_approval' } });
    const requestId = requested.request!.id;
    expect(scheduled).toEqual([`escalate-${requestId}`, `expire-${requestId}-20261123100000`]);

    const decided = await workflow.decideMitigation({ requestId, action: 'approve', actor: CTO });
    expect(decided.ok).toBe(true);
    expect(await store.mitigations.findRequest(requestId)).toMatchObject({ state: 'approved', version: 2 });
    const incident = (await store.incidents.getIncident(incidentId))!;
    const audit = store.audit(incidentId);
    expect(audit.map((e) => e.action).slice(-2)).toEqual(['mitigation.requested', 'mitigation.approved']);
    expect(verifyChain(audit, { seq: incident.auditSeq, hash: incident.auditHead }).valid).toBe(true);
    expect(published.map((e) => e.detailType)).toEqual(['Mitigation Requested', 'Mitigation Decided', 'Mitigation Approved']);
  });

  it('a requester cannot approve their own request: refused, audited, the request still awaits approval', async () => {
    const { store, workflow, incidentId } = await withIncident();
    const { request } = await workflow.requestMitigation({
      incidentId,
      catalogId: 'isolate-instance',
      requestedBy: 'slack:U0CTO000001',
    });
    const decided = await workflow.decideMitigation({ requestId: request!.id, action: 'approve', actor: CTO });
    expect(decided.ok).toBe(false);
    expect(await store.mitigations.findRequest(request!.id)).toMatchObject({ state: 'awaiting_approval', version: 1 });
    expect(store.audit(incidentId).at(-1)).toMatchObject({ action: 'mitigation.approve_refused', actor: 'slack:U0CTO000001' });
  });

  it('release hold: the CTO lifts it; both entries are on the hold chain that core extended', async () => {
    const { store, workflow, clock } = await withIncident();
    const hold: HoldState = {
      service: 'checkout',
      held: true,
      reason: 'DEP-0123456789AB failed in production',
      deploymentId: 'DEP-0123456789AB',
      environment: 'production',
      version: 'v2',
      heldAt: clock.now().toISOString(),
      seniorQuorum: 2,
      approvals: [],
      revision: 1,
    };
    const held = appendToChain(
      releaseHoldChainId('checkout'),
      undefined,
      [{ action: 'release.held', data: {} }],
      'test',
      hold.heldAt,
    );
    expect(await store.holds.saveHold(hold, undefined, held)).toBe(true);
    // A writer holding a stale read loses: the port's condition is the hold as it was read.
    expect(await store.holds.saveHold(hold, undefined, held)).toBe(false);

    expect(await workflow.approveRelease({ service: 'checkout', actor: CTO })).toMatchObject({ ok: true });
    const lifted = (await store.holds.getHold('checkout'))!;
    expect(lifted).toMatchObject({ held: false, liftedBy: [CTO.userId] });
    const chain = store.audit(releaseHoldChainId('checkout'));
    expect(chain.map((e) => e.action)).toEqual(['release.held', 'release.lifted']);
    expect(verifyChain(chain, { seq: lifted.auditSeq!, hash: lifted.auditHead! }).valid).toBe(true);
  });
});
