import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { exampleConfigInput, newApp } from './synth.ts';

const raw = exampleConfigInput();

type Resource = { Type: string; Properties: Record<string, unknown> };
let app: App;
let stack: FirebreakStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  const config = parseConfig({
    ...raw,
    maintenance: {
      windows: [
        {
          id: 'sunday-patch',
          schedule: 'cron(0 2 ? * SUN *)',
          timezone: 'Europe/Berlin',
          durationHours: 4,
          cutoffHours: 1,
          targets: { key: 'firebreak:fleet', values: ['production'] },
        },
      ],
    },
  });
  app = newApp();
  stack = new FirebreakStack(app, 'Firebreak', { config });
  // A stand-in grantee, to see what the registration grant allows.
  const role = new iam.Role(stack, 'RegistrarProbe', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  stack.maintenanceWindows.grantRegisterTasks(role);
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('maintenance windows in the stack', () => {
  it('each configured window becomes an SSM Maintenance Window with its tag target and no task', () => {
    const [[windowId, window]] = ofType('AWS::SSM::MaintenanceWindow') as [[string, Resource]];
    expect(window.Properties).toEqual({
      Name: 'Firebreak-sunday-patch',
      Description: 'Firebreak maintenance window sunday-patch',
      Schedule: 'cron(0 2 ? * SUN *)',
      ScheduleTimezone: 'Europe/Berlin',
      Duration: 4,
      Cutoff: 1,
      AllowUnassociatedTargets: false,
    });
    expect(ofType('AWS::SSM::MaintenanceWindowTarget').map(([, r]) => r.Properties)).toEqual([
      {
        WindowId: { Ref: windowId },
        Name: 'sunday-patch-tagged',
        ResourceType: 'INSTANCE',
        Targets: [{ Key: 'tag:firebreak:fleet', Values: ['production'] }],
      },
    ]);
    expect(ofType('AWS::SSM::MaintenanceWindowTask')).toEqual([]);
  });

  it('the registration grant names these windows only', () => {
    const [, policy] = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('RegistrarProbe'))!;
    const [windowId] = ofType('AWS::SSM::MaintenanceWindow')[0]!;
    expect((policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Action: ['ssm:DeregisterTaskFromMaintenanceWindow', 'ssm:RegisterTaskWithMaintenanceWindow'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ssm:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':maintenancewindow/',
              { Ref: windowId },
            ],
          ],
        },
      },
    ]);
  });

  it('without windows (the default) the stack has none, and no maintenance function', () => {
    const bare = new FirebreakStack(newApp(), 'Bare', {
      config: parseConfig({ ...raw, maintenance: {} }),
    });
    const template = Template.fromStack(bare).toJSON().Resources as Record<string, Resource>;
    expect(Object.values(template).filter((r) => r.Type.startsWith('AWS::SSM::MaintenanceWindow'))).toEqual([]);
    expect(bare.patchBatches).toBeUndefined();
  });

  it('the maintenance function knows where each window is, may register tasks in them only, and hears batches and window status', () => {
    const fn = stack.patchBatches!.maintenanceFunction;
    const [windowId] = ofType('AWS::SSM::MaintenanceWindow').map(([id]) => id);
    const [targetId] = ofType('AWS::SSM::MaintenanceWindowTarget').map(([id]) => id);
    const [, lambda] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('PatchBatchesMaintenance'))!;
    const variables = (lambda.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables.MAINTENANCE_WINDOWS)).toContain(windowId!);
    expect(JSON.stringify(variables.MAINTENANCE_WINDOWS)).toContain(targetId!);
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) =>
        JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(fn.executionRole.node.defaultChild as never)),
      )
      .flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement,
      );
    const register = statements.find((st) => JSON.stringify(st.Action).includes('RegisterTaskWithMaintenanceWindow'))!;
    // CDK sorts the actions.
    expect(register.Action).toEqual(['ssm:DeregisterTaskFromMaintenanceWindow', 'ssm:RegisterTaskWithMaintenanceWindow']);
    expect(JSON.stringify(register.Resource)).toContain(windowId!);
    const patterns = ofType('AWS::Events::Rule')
      .filter(([id]) => id.startsWith('PatchBatches'))
      .map(([, r]) => r.Properties.EventPattern);
    expect(patterns).toEqual(
      expect.arrayContaining([
        { source: ['firebreak'], 'detail-type': ['Patch Batch Changed', 'Patch Batch Approved'] },
        {
          source: ['aws.ssm'],
          'detail-type': [
            'Maintenance Window Execution State-change Notification',
            'Maintenance Window Task Execution State-change Notification',
            'Maintenance Window Task Target Invocation State-change Notification',
          ],
        },
      ]),
    );
  });
});

describe('the configuration review policy', () => {
  it('is read-only: the review calls and nothing else', () => {
    const [, policy] = ofType('AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith('ConfigurationReview'))!;
    expect((policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        // CDK sorts the actions.
        Action: [
          'config:DescribeComplianceByConfigRule',
          'config:GetComplianceDetailsByConfigRule',
          'ec2:DescribeInstances',
          'ec2:DescribeSecurityGroups',
          'iam:ListUsers',
          'ssm:DescribeInstanceInformation',
          'ssm:DescribeInstancePatchStates',
        ],
        Effect: 'Allow',
        Resource: '*',
      },
      {
        Action: 'iam:ListAccessKeys',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':user/*']] },
      },
    ]);
  });

  it('cdk-nag finds nothing unacknowledged in these constructs', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    const ours = report.violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
      .filter((line) => /MaintenanceWindows|ConfigurationReview|PatchBatches/.test(line));
    expect(ours).toEqual([]);
  });
});
