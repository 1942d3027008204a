/**
 * The checks before anything reaches Systems Manager: verifyForExecution (approved, unexpired, the
 * approved plan, the quorum) and revalidatePlan / checkPlan against the deployed catalog entry
 * (harness: ssm-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { MAX_PARAMETER_LENGTH, replan, type MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import { type RosterMember } from '../../../functions/core/approval/roster.ts';
import { checkPlan, FLEET_TAG, revalidatePlan, verifyForExecution } from '../../../functions/core/mitigations/ssm.ts';
import { at, catalog, CTO, entry, INSTANCE_A, S1, S2 } from './fixtures.ts';
import { REQUEST_ID, requestFor, ctoApproved, withPlan } from './ssm-harness.ts';

describe('verifyForExecution', () => {
  const approved = ctoApproved(requestFor('restart-service', { serviceName: 'nginx.service' }));
  const ok = (request: MitigationRequest, now = at(2), approvedPlanHash = request.planHash) =>
    verifyForExecution(request, { now, approvedPlanHash });

  it('accepts a request the CTO approved, for the approved plan, before it expires', () => {
    expect(ok(approved)).toEqual({ ok: true, approvedBy: [CTO.slackUserId] });
  });

  it('refuses a request that is not approved (awaiting, running, finished)', () => {
    for (const state of ['awaiting_approval', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] as const) {
      expect(ok({ ...approved, state })).toMatchObject({ ok: false, reason: 'not_approved' });
    }
    expect(ok(requestFor('restart-service', { serviceName: 'nginx.service' }))).toMatchObject({
      ok: false,
      reason: 'not_approved',
      message: `${REQUEST_ID} is awaiting approval, not approved, so it was not run.`,
    });
  });

  it('refuses an expired request', () => {
    expect(ok(approved, at(59)).ok).toBe(true);
    expect(ok(approved, approved.expiresAt)).toMatchObject({ ok: false, reason: 'expired' });
    expect(ok(approved, at(600))).toMatchObject({ ok: false, reason: 'expired' });
    expect(ok(approved, 'not a date')).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses a stored plan edited after approval (the recomputed hash no longer matches)', () => {
    const tampered = withPlan(approved, { parameters: { serviceName: 'sshd.service' } });
    expect(ok(tampered, at(2), approved.planHash)).toMatchObject({ ok: false, reason: 'plan_changed' });
    const retargeted = withPlan(approved, { targets: { type: 'tags', key: FLEET_TAG, values: ['production'] } });
    expect(ok(retargeted, at(2), approved.planHash)).toMatchObject({ ok: false, reason: 'plan_changed' });
    const faster = withPlan(approved, { rateControl: { maxConcurrency: '100%', maxErrors: '100%' } });
    expect(ok(faster, at(2), approved.planHash)).toMatchObject({ ok: false, reason: 'plan_changed' });
  });

  it('refuses when the approval event names another plan hash', () => {
    expect(ok(approved, at(2), 'f'.repeat(64))).toMatchObject({ ok: false, reason: 'plan_changed' });
    // A prefix is not the hash.
    expect(ok(approved, at(2), approved.planHash.slice(0, 12))).toMatchObject({ ok: false, reason: 'plan_changed' });
  });

  it('refuses a plan whose only approvals were given for another hash', () => {
    // Replanned after the CTO approved, and (wrongly) left approved: the stored plan, hash and event agree, the approval does not.
    const plan = { ...approved.plan, parameters: { serviceName: 'sshd.service' } };
    const replanned = { ...replan(approved, plan, at(2), `slack:${S1.slackUserId}`), state: 'approved' as const };
    expect(ok(replanned)).toMatchObject({ ok: false, reason: 'unapproved_plan' });
  });

  it('counts senior approvals only up to the quorum, and never the requester or responders', () => {
    const request = { ...requestFor('restart-service', { serviceName: 'nginx.service' }), state: 'approved' as const };
    const approval = (member: RosterMember) => ({
      userId: member.slackUserId,
      role: member.role,
      at: at(20),
      planHash: request.planHash,
    });
    expect(request.seniorQuorum).toBe(2);
    expect(ok({ ...request, approvals: [approval(S1)] })).toMatchObject({ ok: false, reason: 'unapproved_plan' });
    expect(ok({ ...request, approvals: [approval(S1), approval(S1)] })).toMatchObject({ ok: false, reason: 'unapproved_plan' });
    expect(ok({ ...request, approvals: [approval(S1), approval(S2)] })).toEqual({
      ok: true,
      approvedBy: [S1.slackUserId, S2.slackUserId],
    });
    expect(ok({ ...request, requestedBy: `slack:${CTO.slackUserId}`, approvals: [approval(CTO)] })).toMatchObject({
      ok: false,
      reason: 'unapproved_plan',
    });
    expect(ok({ ...request, planChangedBy: [`slack:${S2.slackUserId}`], approvals: [approval(S1), approval(S2)] })).toMatchObject(
      { ok: false, reason: 'unapproved_plan' },
    );
    expect(
      ok({ ...request, approvals: [{ userId: 'U0RESPOND01', role: 'responder', at: at(20), planHash: request.planHash }] }),
    ).toMatchObject({ ok: false, reason: 'unapproved_plan' });
  });

  it('accepts a pre-approved request (approved by policy) unless the deployed catalog no longer pre-approves it', () => {
    const diagnostics = requestFor('collect-diagnostics');
    expect(diagnostics.state).toBe('approved');
    expect(ok(diagnostics)).toEqual({ ok: true, approvedBy: ['policy'] });
    expect(verifyForExecution(diagnostics, { now: at(2), approvedPlanHash: diagnostics.planHash, preApproved: true })).toEqual({
      ok: true,
      approvedBy: ['policy'],
    });
    expect(
      verifyForExecution(diagnostics, { now: at(2), approvedPlanHash: diagnostics.planHash, preApproved: false }),
    ).toMatchObject({ ok: false, reason: 'unapproved_plan' });
    // "Approved by policy" on a stored high-risk request is not an approval.
    const forged = { ...requestFor('isolate-instance'), state: 'approved' as const, decidedBy: ['policy'] };
    expect(ok(forged)).toMatchObject({ ok: false, reason: 'unapproved_plan' });
  });
});

describe('revalidatePlan / checkPlan', () => {
  const restart = requestFor('restart-service', { serviceName: 'nginx.service' });
  const editParameters = (parameters: Record<string, string>) => ({ ...restart.plan, parameters });

  it('accepts a plan that is still what its catalog entry resolves to', () => {
    expect(checkPlan(restart.plan, catalog('restart-service'))).toEqual({ ok: true });
    expect(revalidatePlan(restart.plan, catalog('restart-service'))).toBe(true);
    expect(revalidatePlan(requestFor('patch-critical').plan, catalog('patch-critical'))).toBe(true);
    expect(revalidatePlan(requestFor('isolate-instance').plan, catalog('isolate-instance'))).toBe(true);
  });

  it.each([
    ['; rm -rf /', 'a command after a semicolon'],
    ['nginx; rm -rf /', 'a semicolon'],
    ['$(curl x)', 'command substitution'],
    ['`id`', 'backticks'],
    ['nginx\nreboot', 'a newline'],
    ['a | sh', 'a pipe'],
  ])('refuses a stored parameter %j (%s) before SSM', (serviceName) => {
    expect(checkPlan(editParameters({ serviceName }), catalog('restart-service'))).toEqual({
      ok: false,
      reason: 'invalid_plan',
      message: 'serviceName contains a character that is never allowed in a parameter',
    });
    expect(revalidatePlan(editParameters({ serviceName }), catalog('restart-service'))).toBe(false);
  });

  it('refuses ../ whatever the pattern says', () => {
    expect(checkPlan(editParameters({ serviceName: '../../etc/passwd' }), catalog('restart-service'))).toEqual({
      ok: false,
      reason: 'invalid_plan',
      message: 'serviceName contains ".." (path traversal is never allowed in a parameter)',
    });
    const logs = entry({
      parameters: { path: { allowedPattern: '^/var/log/[a-z0-9_-]+(/[a-z0-9_.-]+)*$' } },
      targets: { type: 'tags', key: FLEET_TAG, values: ['production'] },
    });
    const plan = requestFor(logs, { path: '/var/log/nginx/access.log' }).plan;
    expect(revalidatePlan(plan, logs)).toBe(true);
    expect(checkPlan({ ...plan, parameters: { path: '/var/log/../../etc/shadow' } }, logs)).toMatchObject({
      ok: false,
      reason: 'invalid_plan',
    });
  });

  it('refuses oversized values whatever the pattern says', () => {
    const anything = entry({
      parameters: { value: { allowedPattern: '^.*$' } },
      targets: { type: 'tags', key: FLEET_TAG, values: ['production'] },
    });
    const plan = requestFor(anything, { value: 'ok' }).plan;
    expect(revalidatePlan({ ...plan, parameters: { value: 'x'.repeat(MAX_PARAMETER_LENGTH) } }, anything)).toBe(true);
    expect(checkPlan({ ...plan, parameters: { value: 'x'.repeat(MAX_PARAMETER_LENGTH + 1) } }, anything)).toEqual({
      ok: false,
      reason: 'invalid_plan',
      message: `value is longer than ${MAX_PARAMETER_LENGTH} characters`,
    });
  });

  it('refuses parameters the entry does not take, and missing ones', () => {
    expect(checkPlan(editParameters({ serviceName: 'nginx.service', unit: 'x' }), catalog('restart-service'))).toMatchObject({
      ok: false,
      reason: 'invalid_plan',
      message: expect.stringMatching(/has no parameter unit/),
    });
    expect(checkPlan(editParameters({}), catalog('restart-service'))).toMatchObject({
      ok: false,
      reason: 'invalid_plan',
      message: expect.stringMatching(/needs serviceName/),
    });
  });

  it('refuses a plan that no longer matches the deployed catalog entry', () => {
    const faster = { ...catalog('restart-service'), rateControl: { maxConcurrency: '100%', maxErrors: '50%' } };
    expect(checkPlan(restart.plan, faster)).toEqual({
      ok: false,
      reason: 'catalog_mismatch',
      message: 'the plan no longer matches catalog entry restart-service (rateControl changed)',
    });
    expect(checkPlan(restart.plan, { ...catalog('restart-service'), documentVersion: '7' })).toMatchObject({
      ok: false,
      reason: 'catalog_mismatch',
      message: expect.stringMatching(/documentVersion changed/),
    });
    expect(checkPlan(restart.plan, catalog('block-ip'))).toMatchObject({
      ok: false,
      reason: 'catalog_mismatch',
      message: 'the plan is for restart-service, not block-ip',
    });
    expect(
      checkPlan(
        { ...restart.plan, targets: { type: 'tags', key: FLEET_TAG, values: ['production'] } },
        catalog('restart-service'),
      ),
    ).toMatchObject({ ok: false, reason: 'catalog_mismatch' });
    expect(
      checkPlan(
        { ...restart.plan, targets: { type: 'instances', instanceIds: [INSTANCE_A, 'i-zzzz'] } },
        catalog('restart-service'),
      ),
    ).toMatchObject({ ok: false, reason: 'catalog_mismatch', message: expect.stringMatching(/targets changed/) });
  });
});
