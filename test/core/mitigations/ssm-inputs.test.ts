/**
 * What Firebreak asks Systems Manager for: the fleet tag, SendCommand inputs (targets by id, tag or
 * resource group, rate control, timeout, comment) and StartAutomationExecution inputs (one execution
 * per target, the stack role, a deterministic client token) (harness: ssm-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { planHash } from '../../../functions/core/mitigations/mitigation.ts';
import {
  automationClientToken,
  commandComment,
  FLEET_TAG,
  FLEET_TAG_CONDITION_KEY,
  knownTargetCount,
  sendCommandInput,
  SSM_COMMENT_MAX,
  startAutomationInput,
} from '../../../functions/core/mitigations/ssm.ts';
import { entry, INSTANCE_A, INSTANCE_B } from './fixtures.ts';
import { INCIDENT, REQUEST_ID, LOG_GROUP, ROLE, requestFor, withPlan } from './ssm-harness.ts';

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
