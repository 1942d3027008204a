/** Mitigation requests: escalation, expiry, a new plan, and who is away (helpers: requests.ts). */
import { describe, expect, it } from 'vitest';
import { escalate, expire, planHash, replan, resolvePlan } from '../../../functions/core/mitigations/mitigation.ts';
import { isAway } from '../../../functions/core/approval/roster.ts';
import { at, catalog, CTO, S1, T0 } from './fixtures.ts';
import { S3, RESPONDER, INCIDENT, requestFor, decision, apply } from './requests.ts';

describe('escalate', () => {
  const request = requestFor('isolate-instance');

  it('marks an undecided request escalated once its time has come', () => {
    expect(escalate(request, at(15))).toEqual({ ...request, escalatedAt: at(15), version: 2 });
    expect(escalate(request, at(30))).toMatchObject({ escalatedAt: at(30) });
  });

  it('does nothing before its time, twice, after a decision, or after expiry', () => {
    expect(escalate(request, at(14))).toBeUndefined();
    expect(escalate({ ...request, escalatedAt: at(15) }, at(16))).toBeUndefined();
    for (const state of ['approved', 'rejected', 'expired', 'running'] as const)
      expect(escalate({ ...request, state }, at(16))).toBeUndefined();
    expect(escalate(request, at(60))).toBeUndefined();
  });
});

describe('expire', () => {
  const request = requestFor('isolate-instance');

  it('expires an undecided request at and after the end of its window, the same transition as a late click', () => {
    expect(request.expiresAt).toBe(at(60));
    const expired = { ...request, state: 'expired', decidedAt: at(60), reason: 'approval window passed', version: 2 };
    expect(expire(request, at(60))).toEqual(expired);
    expect(expire(request, at(61))).toMatchObject({ state: 'expired', decidedAt: at(61) });
    expect(decision({ request, member: CTO, now: at(60) })).toMatchObject({
      allowed: false,
      refusal: 'expired',
      expire: expired,
    });
  });

  it('leaves a request alone before its window ends (a schedule that fired early), and once decided or expired', () => {
    expect(expire(request, new Date(Date.parse(at(60)) - 1).toISOString())).toBeUndefined();
    for (const state of ['approved', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] as const)
      expect(expire({ ...request, state }, at(90))).toBeUndefined();
  });

  it('keeps approvals short of the quorum on record', () => {
    const partial = apply({ ...request, escalatedAt: at(15) }, S1, at(20));
    expect(partial.approvals).toHaveLength(1);
    expect(expire(partial, at(60))).toMatchObject({ state: 'expired', approvals: partial.approvals });
  });
});

describe('replan', () => {
  it('keeps the approval window and the escalation time: the timers scheduled at creation still hold', () => {
    const request = requestFor('restart-service', { requestedBy: `slack:${RESPONDER.slackUserId}` });
    const plan = resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'apache2.service' });
    const changed = replan(request, plan, at(30), `slack:${S3.slackUserId}`);
    expect([changed.expiresAt, changed.escalateAt]).toEqual([request.expiresAt, request.escalateAt]);
  });

  it('changes the plan and its hash, keeps the approvals on record and remembers who changed it', () => {
    const request = apply(
      { ...requestFor('restart-service', { requestedBy: `slack:${RESPONDER.slackUserId}` }), escalatedAt: at(1) },
      S1,
      at(2),
    );
    const plan = resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'apache2.service' });
    const changed = replan(request, plan, at(3), `slack:${S3.slackUserId}`);
    expect(changed).toMatchObject({
      state: 'awaiting_approval',
      plan,
      planHash: planHash(plan),
      requestedAt: at(3),
      requestedBy: `slack:${RESPONDER.slackUserId}`,
      approvals: request.approvals,
      version: request.version + 1,
      planChangedBy: [`slack:${S3.slackUserId}`],
    });
    expect(changed.planHash).not.toBe(request.planHash);
    expect(
      replan(
        changed,
        resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'x.service' }),
        at(4),
        `slack:${S3.slackUserId}`,
      ).planChangedBy,
    ).toEqual([`slack:${S3.slackUserId}`]);
  });
});

describe('isAway', () => {
  it('is away strictly before awayUntil', () => {
    expect(isAway(undefined, T0)).toBe(false);
    expect(isAway({}, T0)).toBe(false);
    expect(isAway({ awayUntil: at(1) }, T0)).toBe(true);
    expect(isAway({ awayUntil: T0 }, T0)).toBe(false);
    expect(isAway({ awayUntil: at(-1) }, T0)).toBe(false);
  });
});
