import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError, type MitigationEntry } from '../../functions/core/config.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { createAutomationRole, grantedActions } from '../../lib/constructs/automation-role.ts';
import { permissionProblems, shippedDocuments } from '../../lib/documents/index.ts';
import { exampleConfig } from '../support.ts';

/** The feature flags `cdk synth` uses. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;
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

  it("finds the shipped runbooks' declared actions all granted", () => {
    expect(permissionProblems(config.mitigations, shipped, granted)).toEqual([]);
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
    const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    expect(
      () =>
        new FirebreakStack(app, 'Firebreak', { config: { ...config, mitigations: [...config.mitigations, restartInstance] } }),
    ).toThrow(ConfigError);
    expect(
      () =>
        new FirebreakStack(new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } }), 'Firebreak', {
          config: { ...config, mitigations: [...config.mitigations, restartInstance] },
        }),
    ).toThrow(/restart-instance\)\.permissions: AWS-RestartEC2Instance is not shipped by the stack/);
  });
});
