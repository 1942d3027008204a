import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError, type MitigationEntry } from '../../functions/core/config.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { createAutomationRole, grantedActions } from '../../lib/constructs/automation-role.ts';
import { grantResponseActions } from '../../lib/constructs/response-grants.ts';
import { permissionProblems, resourceRunbookActions, shippedDocuments } from '../../lib/documents/index.ts';
import { exampleConfig } from '../support.ts';
import { newApp } from './synth.ts';

const config = exampleConfig();
const shipped = shippedDocuments({
  diagnosticsBucketName: 'bucket',
  automationRoleArn: 'arn:aws:iam::123456789012:role/r',
  fleetTagKey: 'firebreak:fleet',
});
const isolate = config.mitigations.find((m) => m.id === 'isolate-instance')!;
const restartInstance: MitigationEntry = {
  ...isolate,
  id: 'restart-instance',
  document: 'AWS-RestartEC2Instance',
  rollback: undefined,
};

describe('the permissions a catalog entry needs', () => {
  const role = createAutomationRole(new Stack(new App(), 'Roles'), 'firebreak:fleet', undefined);
  const granted = grantedActions(role);

  it('reads what the automation role grants', () => {
    expect([...granted].sort()).toEqual([
      'ec2:CreateSnapshots',
      'ec2:CreateTags',
      'ec2:DeleteTags',
      'ec2:DescribeInstances',
      'ec2:ModifyInstanceAttribute',
    ]);
  });

  it("finds the shipped runbooks' declared actions all granted, once the catalog's responses to watched changes are", () => {
    const needed = resourceRunbookActions(config.mitigations, shipped);
    expect([...needed].sort()).toEqual([
      'cloudtrail:StartLogging',
      'ec2:RevokeSecurityGroupIngress',
      'iam:DetachRolePolicy',
      'iam:UpdateAccessKey',
      's3:GetBucketPublicAccessBlock',
      's3:PutBucketPublicAccessBlock',
    ]);
    // Without those grants, every response entry is named.
    expect(permissionProblems(config.mitigations, shipped, granted).join('\n')).toMatch(
      /revoke-ingress-rule.*ec2:RevokeSecurityGroupIngress/,
    );
    const responder = createAutomationRole(new Stack(new App(), 'Responder'), 'firebreak:fleet', undefined);
    grantResponseActions(responder, needed);
    expect(permissionProblems(config.mitigations, shipped, grantedActions(responder))).toEqual([]);
  });

  it('never grants a response action it has no scoped grant for: synth fails on the entry instead', () => {
    const deleteUser: MitigationEntry = {
      ...config.mitigations.find((m) => m.id === 'restore-s3-public-access-block')!,
      id: 'delete-user',
      document: 'AWS-DeleteIAMUser',
      permissions: ['iam:DeleteUser'],
    };
    const responder = createAutomationRole(new Stack(new App(), 'Responder2'), 'firebreak:fleet', undefined);
    grantResponseActions(responder, resourceRunbookActions([deleteUser], shipped));
    expect(grantedActions(responder).has('iam:DeleteUser')).toBe(false);
    expect(permissionProblems([deleteUser], shipped, grantedActions(responder))).toEqual([
      'mitigations[0] (delete-user).permissions: AWS-DeleteIAMUser needs iam:DeleteUser, which the automation role does not grant',
    ]);
  });

  it('refuses an AWS-managed runbook that declares nothing, and one that needs what the role lacks', () => {
    expect(
      permissionProblems(
        [
          restartInstance,
          {
            ...restartInstance,
            id: 'declared',
            permissions: ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:DescribeInstances'],
          },
        ],
        shipped,
        granted,
      ),
    ).toEqual([
      'mitigations[0] (restart-instance).permissions: AWS-RestartEC2Instance is not shipped by the stack, so the entry must declare the IAM actions it calls as the automation role',
      'mitigations[1] (declared).permissions: AWS-RestartEC2Instance needs ec2:StopInstances, ec2:StartInstances, which the automation role does not grant',
    ]);
  });

  it('counts service wildcards, and ignores command documents (they run as the instance profile)', () => {
    const declared = { ...restartInstance, permissions: ['ec2:StartInstances'] };
    expect(permissionProblems([declared], shipped, new Set(['ec2:*']))).toEqual([]);
    expect(permissionProblems([{ ...declared, kind: 'command' }], shipped, new Set())).toEqual([]);
  });

  it('fails synth for an entry that would run without its permissions', () => {
    const app = newApp();
    expect(
      () =>
        new FirebreakStack(app, 'Firebreak', { config: { ...config, mitigations: [...config.mitigations, restartInstance] } }),
    ).toThrow(ConfigError);
    expect(
      () =>
        new FirebreakStack(newApp(), 'Firebreak', {
          config: { ...config, mitigations: [...config.mitigations, restartInstance] },
        }),
    ).toThrow(/restart-instance\)\.permissions: AWS-RestartEC2Instance is not shipped by the stack/);
  });
});
