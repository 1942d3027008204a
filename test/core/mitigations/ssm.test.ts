import { describe, expect, it } from 'vitest';
import type { MitigationEntry } from '../../../functions/core/config.ts';
import {
  decide,
  MAX_PARAMETER_LENGTH,
  newMitigationRequest,
  planHash,
  replan,
  type MitigationPlan,
  type MitigationRequest,
} from '../../../functions/core/mitigations/mitigation.ts';
import { type RosterMember } from '../../../functions/core/approval/roster.ts';
import {
  automationClientToken,
  checkPlan,
  commandComment,
  FLEET_TAG,
  FLEET_TAG_CONDITION_KEY,
  knownTargetCount,
  revalidatePlan,
  sendCommandInput,
  SSM_COMMENT_MAX,
  startAutomationInput,
  verifyForExecution,
} from '../../../functions/core/mitigations/ssm.ts';
import { at, catalog, config, CTO, entry, INSTANCE_A, INSTANCE_B, S1, S2, T0, TEAM } from './fixtures.ts';

const INCIDENT = {
  id: 'INC-1A2B3C4D5E',
  severity: 'SEV2' as const,
  resources: [INSTANCE_A, `arn:aws:ec2:us-east-1:123456789012:instance/${INSTANCE_B}`],
};
const REQUEST_ID = 'MIT-0A1B2C3D4E';
const LOG_GROUP = '/firebreak/ssm-output';
const ROLE = 'arn:aws:iam::123456789012:role/firebreak-automation';

function requestFor(
  source: string | MitigationEntry,
  parameters: Record<string, string> = {},
  id = REQUEST_ID,
): MitigationRequest {
  return newMitigationRequest({
    id,
    entry: typeof source === 'string' ? catalog(source) : source,
    incident: INCIDENT,
    parameters,
    requestedBy: 'policy:classification',
    now: T0,
    policy: config.policy,
  });
}

/** A request approved by the CTO through the real approval policy. */
function ctoApproved(request: MitigationRequest): MitigationRequest {
  const result = decide({
    request,
    action: 'approve',
    actor: { userId: CTO.slackUserId, teamId: TEAM },
    workspaceTeamId: TEAM,
    member: CTO,
    cto: CTO,
    now: at(1),
  });
  if (!result.allowed) throw new Error(result.refusal);
  return result.request;
}

const withPlan = (request: MitigationRequest, plan: Partial<MitigationPlan>): MitigationRequest => ({
  ...request,
  plan: { ...request.plan, ...plan },
});

describe('fleet tag', () => {
  it('is firebreak:fleet, and the IAM condition key names it', () => {
    expect(FLEET_TAG).toBe('firebreak:fleet');
    expect(FLEET_TAG_CONDITION_KEY).toBe('ssm:resourceTag/firebreak:fleet');
  });
});

describe('sendCommandInput', () => {
  it("targets the incident's instances by id, with the plan's parameters, rate control and timeout", () => {
    const request = requestFor('restart-service', { serviceName: 'nginx.service' });
    expect(sendCommandInput(request, { outputLogGroup: LOG_GROUP })).toStrictEqual({
      DocumentName: 'Firebreak-RestartService',
      DocumentVersion: '$DEFAULT',
      Targets: [{ Key: 'InstanceIds', Values: [INSTANCE_A, INSTANCE_B] }],
      Parameters: { serviceName: ['nginx.service'] },
      MaxConcurrency: '25%',
      MaxErrors: '1',
      TimeoutSeconds: 600,
      Comment: `firebreak ${REQUEST_ID} ${INCIDENT.id}`,
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: LOG_GROUP },
    });
  });

  it('targets a fleet by tag (AWS-RunPatchBaseline), with the service role when given', () => {
    const request = requestFor('patch-critical');
    expect(
      sendCommandInput(request, {
        outputLogGroup: LOG_GROUP,
        serviceRoleArn: 'arn:aws:iam::123456789012:role/firebreak-ssm-notify',
      }),
    ).toStrictEqual({
      DocumentName: 'AWS-RunPatchBaseline',
      DocumentVersion: '$DEFAULT',
      Targets: [{ Key: 'tag:firebreak:fleet', Values: ['production'] }],
      Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
      MaxConcurrency: '10%',
      MaxErrors: '5%',
      TimeoutSeconds: 7200,
      Comment: `firebreak ${REQUEST_ID} ${INCIDENT.id}`,
      ServiceRoleArn: 'arn:aws:iam::123456789012:role/firebreak-ssm-notify',
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: LOG_GROUP },
    });
  });

  it('targets a resource group by name, with a pinned document version', () => {
    const group = entry({
      documentVersion: '3',
      targets: { type: 'resource-group', name: 'web-fleet' },
      rateControl: { maxConcurrency: '5', maxErrors: '0' },
      timeoutMinutes: 20,
    });
    expect(sendCommandInput(requestFor(group), { outputLogGroup: LOG_GROUP })).toStrictEqual({
      DocumentName: 'Firebreak-Test',
      DocumentVersion: '3',
      Targets: [{ Key: 'resource-groups:Name', Values: ['web-fleet'] }],
      Parameters: {},
      MaxConcurrency: '5',
      MaxErrors: '0',
      TimeoutSeconds: 1200,
      Comment: `firebreak ${REQUEST_ID} ${INCIDENT.id}`,
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: LOG_GROUP },
    });
  });

  it('targets several tag values at once', () => {
    const tagged = entry({ targets: { type: 'tags', key: 'Role', values: ['web', 'api'] } });
    expect(sendCommandInput(requestFor(tagged), { outputLogGroup: LOG_GROUP }).Targets).toStrictEqual([
      { Key: 'tag:Role', Values: ['web', 'api'] },
    ]);
  });

  it("clamps TimeoutSeconds to SSM's 30 s to 30 days", () => {
    const request = requestFor('restart-service', { serviceName: 'nginx.service' });
    expect(sendCommandInput(withPlan(request, { timeoutSeconds: 5 }), { outputLogGroup: LOG_GROUP }).TimeoutSeconds).toBe(30);
    expect(
      sendCommandInput(withPlan(request, { timeoutSeconds: 90 * 86_400 }), { outputLogGroup: LOG_GROUP }).TimeoutSeconds,
    ).toBe(2_592_000);
  });

  it('refuses instance lists over 50 (they must have gone by tag) and empty ones', () => {
    const request = requestFor('restart-service', { serviceName: 'nginx.service' });
    const ids = Array.from({ length: 51 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    expect(() =>
      sendCommandInput(withPlan(request, { targets: { type: 'instances', instanceIds: ids } }), { outputLogGroup: LOG_GROUP }),
    ).toThrow(/51 instances; more than 50 must be targeted by tag/);
    expect(
      sendCommandInput(withPlan(request, { targets: { type: 'instances', instanceIds: ids.slice(0, 50) } }), {
        outputLogGroup: LOG_GROUP,
      }).Targets[0]?.Values,
    ).toHaveLength(50);
    expect(() =>
      sendCommandInput(withPlan(request, { targets: { type: 'instances', instanceIds: [] } }), { outputLogGroup: LOG_GROUP }),
    ).toThrow(/targets no instance/);
  });

  it('refuses an automation plan and a missing log group', () => {
    expect(() => sendCommandInput(requestFor('isolate-instance'), { outputLogGroup: LOG_GROUP })).toThrow(
      /runs an automation runbook/,
    );
    expect(() => sendCommandInput(requestFor('patch-critical'), { outputLogGroup: '' })).toThrow(/CloudWatch Logs group/);
  });

  it('returns fresh arrays: changing the input never changes the stored plan', () => {
    const request = requestFor('restart-service', { serviceName: 'nginx.service' });
    const before = planHash(request.plan);
    const input = sendCommandInput(request, { outputLogGroup: LOG_GROUP });
    input.Targets[0]?.Values.push('i-0ccccccccccccccc3');
    input.Parameters.serviceName?.push('x');
    expect(planHash(request.plan)).toBe(before);
  });

  it('carries the request and incident ids in a comment of at most 100 characters', () => {
    expect(commandComment({ id: REQUEST_ID, incidentId: INCIDENT.id })).toBe('firebreak MIT-0A1B2C3D4E INC-1A2B3C4D5E');
    const long = commandComment({ id: `MIT-${'X'.repeat(80)}`, incidentId: `INC-${'Y'.repeat(80)}` });
    expect(long).toHaveLength(SSM_COMMENT_MAX);
    expect(long.startsWith(`firebreak MIT-${'X'.repeat(80)} INC-`)).toBe(true);
  });

  it('knows the target count of instance lists only', () => {
    expect(knownTargetCount(requestFor('restart-service', { serviceName: 'nginx.service' }).plan)).toBe(2);
    expect(knownTargetCount(requestFor('patch-critical').plan)).toBeUndefined();
  });
});

describe('startAutomationInput', () => {
  it('starts one rate-controlled execution per instance, as the stack role, with a client token', () => {
    expect(startAutomationInput(requestFor('isolate-instance'), { automationRoleArn: ROLE })).toStrictEqual({
      DocumentName: 'Firebreak-IsolateInstance',
      DocumentVersion: '$DEFAULT',
      Parameters: { AutomationAssumeRole: [ROLE] },
      TargetParameterName: 'InstanceId',
      Targets: [{ Key: 'ParameterValues', Values: [INSTANCE_A, INSTANCE_B] }],
      MaxConcurrency: '1',
      MaxErrors: '0',
      ClientToken: '1c72c332-089c-8424-84ba-cc4a13576404',
    });
  });

  it('targets by tag and resource group too, keeping the plan parameters', () => {
    const tagged = entry({
      kind: 'automation',
      parameters: { reason: { allowedPattern: '^[a-z-]{1,40}$' } },
      targets: { type: 'tags', key: FLEET_TAG, values: ['production'] },
    });
    expect(startAutomationInput(requestFor(tagged, { reason: 'forensics' }), { automationRoleArn: ROLE })).toStrictEqual({
      DocumentName: 'Firebreak-Test',
      DocumentVersion: '$DEFAULT',
      Parameters: { reason: ['forensics'], AutomationAssumeRole: [ROLE] },
      TargetParameterName: 'InstanceId',
      Targets: [{ Key: 'tag:firebreak:fleet', Values: ['production'] }],
      MaxConcurrency: '10%',
      MaxErrors: '1',
      ClientToken: automationClientToken(REQUEST_ID),
    });
    const group = entry({ kind: 'automation', targets: { type: 'resource-group', name: 'db-fleet' } });
    expect(startAutomationInput(requestFor(group), { automationRoleArn: ROLE }).Targets).toStrictEqual([
      { Key: 'ResourceGroup', Values: ['db-fleet'] },
    ]);
  });

  it('refuses a command plan, a missing role, and plans that try to set the role or the target parameter', () => {
    expect(() => startAutomationInput(requestFor('patch-critical'), { automationRoleArn: ROLE })).toThrow(
      /runs a command document/,
    );
    expect(() => startAutomationInput(requestFor('isolate-instance'), { automationRoleArn: '' })).toThrow(/role/);
    const request = requestFor('isolate-instance');
    expect(() =>
      startAutomationInput(withPlan(request, { parameters: { AutomationAssumeRole: 'arn:aws:iam::123456789012:role/admin' } }), {
        automationRoleArn: ROLE,
      }),
    ).toThrow(/AutomationAssumeRole is set by Firebreak/);
    expect(() =>
      startAutomationInput(withPlan(request, { parameters: { InstanceId: 'i-0ccccccccccccccc3' } }), { automationRoleArn: ROLE }),
    ).toThrow(/InstanceId is set by Firebreak/);
  });

  it('derives the client token deterministically from the request id, as a UUID of 36 characters', () => {
    const token = automationClientToken(REQUEST_ID);
    expect(token).toBe('1c72c332-089c-8424-84ba-cc4a13576404');
    expect(automationClientToken(REQUEST_ID)).toBe(token);
    expect(token).toHaveLength(36);
    // SSM's pattern, plus RFC 9562 version 8 and variant bits.
    expect(token).toMatch(/^[a-f0-9]{8}-[a-f0-9]{4}-8[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/);
    expect(automationClientToken('MIT-0A1B2C3D4F')).not.toBe(token);
    const tokens = new Set(Array.from({ length: 2000 }, (_, i) => automationClientToken(`MIT-${i}`)));
    expect(tokens.size).toBe(2000);
    for (const t of [...tokens].slice(0, 200))
      expect(t).toMatch(/^[a-f0-9]{8}-[a-f0-9]{4}-8[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/);
    // A retried delivery builds the same input, so SSM sees the same token.
    expect(startAutomationInput(requestFor('isolate-instance'), { automationRoleArn: ROLE })).toStrictEqual(
      startAutomationInput(requestFor('isolate-instance'), { automationRoleArn: ROLE }),
    );
  });
});

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
