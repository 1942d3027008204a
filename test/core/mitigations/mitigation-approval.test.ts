/** Mitigation requests: the approval policy (helpers: requests.ts). */
import { describe, expect, it } from 'vitest';
import { planHash, replan, resolvePlan, type MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import { at, catalog, CTO, S1, S2, T0 } from './fixtures.ts';
import { S3, RESPONDER, INCIDENT, requestFor, lowRiskRequest, decision, apply, refusalOf } from './requests.ts';

describe('decide: the approval policy', () => {
  describe('refusals', () => {
    it('other_workspace: a request from another Slack workspace, even the CTO', () => {
      const result = decision({
        request: requestFor('isolate-instance'),
        member: CTO,
        actor: { userId: CTO.slackUserId, teamId: 'T0OTHERTEAM' },
      });
      expect(result).toEqual({
        allowed: false,
        refusal: 'other_workspace',
        message: 'This request comes from another Slack workspace.',
      });
    });

    it('not_on_roster: someone not on the roster cannot approve or reject', () => {
      for (const action of ['approve', 'reject'] as const) {
        expect(decision({ request: requestFor('isolate-instance'), member: undefined, action })).toEqual({
          allowed: false,
          refusal: 'not_on_roster',
          message: 'You are not on the Firebreak roster, so you cannot decide on mitigations.',
        });
      }
    });

    it('wrong_role: a responder can neither approve nor reject', () => {
      expect(decision({ request: requestFor('isolate-instance'), member: RESPONDER })).toMatchObject({
        allowed: false,
        refusal: 'wrong_role',
        message: 'Only the CTO or, when the CTO is unavailable, senior engineers can approve mitigations.',
      });
      expect(
        decision({ request: requestFor('isolate-instance'), member: RESPONDER, action: 'reject', reason: 'no' }),
      ).toMatchObject({ allowed: false, refusal: 'wrong_role', message: expect.stringContaining('can reject mitigations') });
      // Even when the CTO is away or the request escalated.
      expect(
        refusalOf(
          decision({
            request: { ...requestFor('isolate-instance'), escalatedAt: T0 },
            member: RESPONDER,
            cto: { ...CTO, awayUntil: at(120) },
          }),
        ),
      ).toBe('wrong_role');
    });

    it.each(['approved', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] as const)(
      'already_decided: a request that is %s',
      (state) => {
        const request = { ...requestFor('isolate-instance'), state, decidedBy: [S1.slackUserId, S2.slackUserId] };
        for (const member of [CTO, S1, S3]) {
          for (const action of ['approve', 'reject'] as const) {
            const result = decision({ request, member, action, now: at(5), reason: 'x' });
            expect(result).toMatchObject({
              allowed: false,
              refusal: 'already_decided',
              message: `MIT-0A1B2C3D4E is already ${state.replace('_', ' ')} (by <@U0SENIOR001>, <@U0SENIOR002>).`,
            });
          }
        }
      },
    );

    it('already_decided: a request approved by policy names the policy, not a broken mention', () => {
      const result = decision({ request: requestFor('collect-diagnostics'), member: CTO });
      expect(result).toMatchObject({ allowed: false, refusal: 'already_decided' });
      expect(result.message).toBe('MIT-0A1B2C3D4E is already approved (by policy).');
      expect(result.message).not.toContain('<@policy>');
    });

    it('expired: at and after the expiry time, with the expired request to store', () => {
      const request = requestFor('isolate-instance');
      expect(refusalOf(decision({ request, member: CTO, now: at(59) }))).toBe('allowed:approved');
      for (const now of [at(60), at(61), at(600)]) {
        const result = decision({ request, member: CTO, now });
        expect(result).toEqual({
          allowed: false,
          refusal: 'expired',
          message: `MIT-0A1B2C3D4E expired at ${at(60)}; request it again if it is still needed.`,
          expire: { ...request, state: 'expired', decidedAt: now, reason: 'approval window passed', version: 2 },
        });
      }
      // A rejection of an expired request expires it too.
      expect(refusalOf(decision({ request, member: S1, action: 'reject', reason: 'late', now: at(60) }))).toBe('expired');
    });

    it('self_approval: the requester cannot approve, whatever the role', () => {
      const bySenior = requestFor('restart-service', { requestedBy: `slack:${S1.slackUserId}` });
      expect(decision({ request: { ...bySenior, escalatedAt: T0 }, member: S1 })).toMatchObject({
        allowed: false,
        refusal: 'self_approval',
        message: expect.stringContaining('separation of duties'),
      });
      const byCto = requestFor('restart-service', { requestedBy: `slack:${CTO.slackUserId}` });
      expect(refusalOf(decision({ request: byCto, member: CTO }))).toBe('self_approval');
      // Someone else may approve it.
      expect(refusalOf(decision({ request: { ...bySenior, escalatedAt: T0 }, member: S2 }))).toBe('allowed:approval_recorded');
      expect(refusalOf(decision({ request: bySenior, member: CTO }))).toBe('allowed:approved');
    });

    it('self_approval: whoever changed the plan cannot approve it either', () => {
      const request = requestFor('restart-service', { requestedBy: `slack:${RESPONDER.slackUserId}` });
      const changed = replan(
        { ...request, escalatedAt: T0 },
        resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'sshd.service' }),
        at(2),
        `slack:${S2.slackUserId}`,
      );
      expect(refusalOf(decision({ request: changed, member: S2, now: at(3) }))).toBe('self_approval');
      expect(refusalOf(decision({ request: changed, member: S1, now: at(3) }))).toBe('allowed:approval_recorded');
    });

    it('the requester may still reject their own request', () => {
      const request = requestFor('restart-service', { requestedBy: `slack:${S1.slackUserId}` });
      expect(refusalOf(decision({ request, member: S1, action: 'reject', reason: 'not needed' }))).toBe('allowed:rejected');
    });

    it('cto_available: a senior before the CTO is away or silent, with a reply that says until when', () => {
      const request = requestFor('isolate-instance');
      expect(decision({ request, member: S1, now: at(14) })).toEqual({
        allowed: false,
        refusal: 'cto_available',
        message: `The CTO <@U0CTO000001> is available: senior engineers can approve only if the CTO is away or silent until ${at(15)}.`,
      });
      // An away time that has passed does not count.
      expect(refusalOf(decision({ request, member: S1, now: at(14), cto: { ...CTO, awayUntil: at(10) } }))).toBe('cto_available');
      expect(refusalOf(decision({ request, member: S1, now: at(14), cto: { ...CTO, awayUntil: at(14) } }))).toBe('cto_available');
    });

    it('already_approved: the same senior counts once', () => {
      const request = { ...requestFor('isolate-instance'), escalatedAt: at(15) };
      const once = apply(request, S1, at(16));
      expect(decision({ request: once, member: S1, now: at(17) })).toEqual({
        allowed: false,
        refusal: 'already_approved',
        message: 'You already approved this plan; another senior engineer has to approve too.',
      });
    });
  });

  describe('approvals', () => {
    it('the CTO approves alone, at any time before expiry, bound to the current plan hash', () => {
      const request = requestFor('isolate-instance');
      const result = decision({ request, member: CTO, now: at(1) });
      expect(result).toEqual({
        allowed: true,
        outcome: 'approved',
        message: 'MIT-0A1B2C3D4E approved by the CTO <@U0CTO000001>.',
        request: {
          ...request,
          state: 'approved',
          approvals: [{ userId: CTO.slackUserId, role: 'cto', at: at(1), planHash: request.planHash }],
          decidedBy: [CTO.slackUserId],
          decidedAt: at(1),
          version: 2,
        },
      });
      // Also after escalation, and while marked away.
      expect(refusalOf(decision({ request: { ...request, escalatedAt: at(15) }, member: CTO, now: at(30) }))).toBe(
        'allowed:approved',
      );
      expect(refusalOf(decision({ request, member: CTO, cto: { ...CTO, awayUntil: at(120) } }))).toBe('allowed:approved');
    });

    it('a senior approval of a request that is already partly approved by seniors does not need the CTO', () => {
      const request = { ...requestFor('isolate-instance'), escalatedAt: at(15) };
      const first = decision({ request, member: S1, now: at(16) });
      expect(first).toMatchObject({
        allowed: true,
        outcome: 'approval_recorded',
        message: 'Approval by <@U0SENIOR001> recorded: 1 of 2 senior approvals.',
      });
      const recorded = (first as { request: MitigationRequest }).request;
      expect(recorded).toMatchObject({
        state: 'awaiting_approval',
        version: 2,
        approvals: [{ userId: S1.slackUserId, role: 'senior', at: at(16), planHash: request.planHash }],
      });
      expect(recorded.decidedBy).toBeUndefined();
      const second = decision({ request: recorded, member: S2, now: at(17) });
      expect(second).toMatchObject({
        allowed: true,
        outcome: 'approved',
        message: 'MIT-0A1B2C3D4E approved by senior engineers <@U0SENIOR001> and <@U0SENIOR002>.',
      });
      expect((second as { request: MitigationRequest }).request).toMatchObject({
        state: 'approved',
        decidedBy: [S1.slackUserId, S2.slackUserId],
        decidedAt: at(17),
        version: 3,
      });
    });

    it.each([
      ['high', 'isolate-instance', 2],
      ['medium', 'restart-service', 2],
      ['low', 'low-risk', 1],
    ])('a %s-risk request needs %s… senior approvals', (_risk, catalogId, quorum) => {
      let request = catalogId === 'low-risk' ? lowRiskRequest() : requestFor(catalogId);
      request = { ...request, escalatedAt: at(15) };
      const seniors = [S1, S2, S3];
      for (let i = 0; i < quorum - 1; i++) {
        request = apply(request, seniors[i]!, at(16 + i));
        expect(request.state).toBe('awaiting_approval');
      }
      request = apply(request, seniors[quorum - 1]!, at(20));
      expect(request.state).toBe('approved');
      expect(request.decidedBy).toEqual(seniors.slice(0, quorum).map((s) => s.slackUserId));
    });

    it('the quorum comes from the request (as configured when it was made)', () => {
      let request: MitigationRequest = { ...requestFor('isolate-instance'), seniorQuorum: 3, escalatedAt: at(15) };
      request = apply(request, S1, at(16));
      request = apply(request, S2, at(16));
      expect(request.state).toBe('awaiting_approval');
      expect(apply(request, S3, at(16)).state).toBe('approved');
    });

    it('CTO away: seniors may approve at once', () => {
      const away = { ...CTO, awayUntil: at(120) };
      expect(refusalOf(decision({ request: requestFor('isolate-instance'), member: S1, cto: away, now: at(1) }))).toBe(
        'allowed:approval_recorded',
      );
    });

    it('CTO silent: past the escalation time seniors may approve, even before the escalation was recorded', () => {
      const request = requestFor('isolate-instance');
      expect(request.escalatedAt).toBeUndefined();
      expect(refusalOf(decision({ request, member: S1, now: at(15) }))).toBe('allowed:approval_recorded');
    });

    it('escalated: once recorded, seniors may approve even if the CTO is back', () => {
      const request = { ...requestFor('isolate-instance'), escalatedAt: at(1) };
      expect(refusalOf(decision({ request, member: S1, now: at(2) }))).toBe('allowed:approval_recorded');
    });

    it('approvals bind to the plan hash: after a plan change earlier approvals no longer count', () => {
      let request: MitigationRequest = {
        ...requestFor('restart-service', { requestedBy: `slack:${RESPONDER.slackUserId}` }),
        escalatedAt: at(1),
      };
      request = apply(request, S1, at(2));
      const newPlan = resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'apache2.service' });
      request = replan(request, newPlan, at(3), `slack:${RESPONDER.slackUserId}`);
      // S2 alone is 1 of 2 on the new plan: S1's approval was for the old one.
      const afterS2 = decision({ request, member: S2, now: at(4) });
      expect(afterS2).toMatchObject({ allowed: true, outcome: 'approval_recorded', message: expect.stringContaining('1 of 2') });
      request = (afterS2 as { request: MitigationRequest }).request;
      // S1 may approve again, this time the new plan.
      const afterS1 = decision({ request, member: S1, now: at(5) });
      expect(afterS1).toMatchObject({ allowed: true, outcome: 'approved' });
      const approved = (afterS1 as { request: MitigationRequest }).request;
      expect(approved.decidedBy).toEqual([S2.slackUserId, S1.slackUserId]);
      expect(approved.approvals.map((a) => [a.userId, a.planHash === planHash(newPlan)])).toEqual([
        [S1.slackUserId, false],
        [S2.slackUserId, true],
        [S1.slackUserId, true],
      ]);
    });

    it('approvals recorded for another hash are ignored even without a replan record', () => {
      const request: MitigationRequest = {
        ...requestFor('isolate-instance'),
        escalatedAt: at(1),
        approvals: [{ userId: S1.slackUserId, role: 'senior', at: at(1), planHash: 'f'.repeat(64) }],
      };
      expect(decision({ request, member: S2, now: at(2) })).toMatchObject({ allowed: true, outcome: 'approval_recorded' });
    });
  });

  describe('rejections', () => {
    it('the CTO rejects, ending the request, with the reason kept as typed and escaped in the reply', () => {
      const request = requestFor('isolate-instance');
      const result = decision({ request, member: CTO, action: 'reject', reason: '  <!channel> wrong host  ', now: at(2) });
      expect(result).toEqual({
        allowed: true,
        outcome: 'rejected',
        message: 'MIT-0A1B2C3D4E rejected by <@U0CTO000001>: &lt;!channel&gt; wrong host',
        request: {
          ...request,
          state: 'rejected',
          decidedBy: [CTO.slackUserId],
          decidedAt: at(2),
          reason: '<!channel> wrong host',
          version: 2,
        },
      });
    });

    it('a senior may reject while the CTO is available, and after approvals were recorded', () => {
      expect(
        decision({ request: requestFor('isolate-instance'), member: S1, action: 'reject', reason: 'no', now: at(1) }),
      ).toMatchObject({ allowed: true, outcome: 'rejected', request: { state: 'rejected', decidedBy: [S1.slackUserId] } });
      const partly = apply({ ...requestFor('isolate-instance'), escalatedAt: at(15) }, S1, at(16));
      expect(decision({ request: partly, member: S2, action: 'reject', reason: 'no', now: at(17) })).toMatchObject({
        allowed: true,
        outcome: 'rejected',
      });
    });

    it('a rejection without a reason says so', () => {
      for (const reason of [undefined, '', '   ']) {
        const result = decision({
          request: requestFor('isolate-instance'),
          member: CTO,
          action: 'reject',
          ...(reason === undefined ? {} : { reason }),
        });
        expect(result).toMatchObject({
          allowed: true,
          message: 'MIT-0A1B2C3D4E rejected by <@U0CTO000001>: no reason given',
          request: { reason: 'no reason given' },
        });
      }
    });
  });

  it('is pure: the request it is given is not changed', () => {
    const request = { ...requestFor('isolate-instance'), escalatedAt: at(15) };
    const frozen = structuredClone(request);
    decision({ request, member: S1, now: at(16) });
    decision({ request, member: CTO, now: at(16) });
    decision({ request, member: CTO, now: at(90) });
    expect(request).toEqual(frozen);
  });
});

// --- escalate, replan, isAway ---------------------------------------------------------------------
