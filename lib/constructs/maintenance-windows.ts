import { Arn, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { MaintenanceWindow } from '../../functions/core/maintenance/maintenance-config.ts';

export interface MaintenanceWindowsProps {
  /** `maintenance.windows` of the validated configuration. */
  readonly windows: readonly MaintenanceWindow[];
}

/** One configured window as the stack made it. */
export interface DeployedMaintenanceWindow {
  readonly window: ssm.CfnMaintenanceWindow;
  /** The tag target every patch task of the window runs on. */
  readonly target: ssm.CfnMaintenanceWindowTarget;
}

/**
 * The scheduled maintenance windows of `maintenance.windows`: one SSM Maintenance Window per entry
 * (schedule, time zone, duration, cutoff) with one target, the instances carrying its tag. The
 * windows hold no task: Firebreak registers an `AWS-RunPatchBaseline` task in a window only once
 * its patch batch is approved, and deregisters it after the run, so a window with nothing approved
 * patches nothing.
 */
export class MaintenanceWindows extends Construct {
  /** By configured window id. */
  readonly windows: ReadonlyMap<string, DeployedMaintenanceWindow>;

  constructor(scope: Construct, id: string, props: MaintenanceWindowsProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    const windows = new Map<string, DeployedMaintenanceWindow>();
    for (const config of props.windows) {
      const window = new ssm.CfnMaintenanceWindow(this, `Window-${config.id}`, {
        name: `${stackName}-${config.id}`.slice(0, 128),
        description: config.description || `Firebreak maintenance window ${config.id}`,
        schedule: config.schedule,
        scheduleTimezone: config.timezone,
        duration: config.durationHours,
        cutoff: config.cutoffHours,
        // Only the tagged target below: a task can never reach an instance the window does not name.
        allowUnassociatedTargets: false,
      });
      const target = new ssm.CfnMaintenanceWindowTarget(this, `Target-${config.id}`, {
        windowId: window.ref,
        name: `${config.id}-tagged`.slice(0, 128),
        resourceType: 'INSTANCE',
        targets: [{ key: `tag:${config.targets.key}`, values: [...config.targets.values] }],
      });
      windows.set(config.id, { window, target });
    }
    this.windows = windows;
  }

  /** What the function registering tasks needs to find each window: `{ "<id>": { "windowId", "targetId" } }` (tokens). */
  deployedIds(): Record<string, { windowId: string; targetId: string }> {
    return Object.fromEntries(
      [...this.windows].map(([id, { window, target }]) => [id, { windowId: window.ref, targetId: target.ref }]),
    );
  }

  /**
   * Register and deregister tasks in these windows, and nothing else. The tasks run as the
   * Systems Manager service-linked role (no ServiceRoleArn is passed), so no iam:PassRole is needed.
   */
  grantRegisterTasks(grantee: iam.IGrantable): void {
    if (this.windows.size === 0) return;
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:RegisterTaskWithMaintenanceWindow', 'ssm:DeregisterTaskFromMaintenanceWindow'],
        resources: [...this.windows.values()].map(({ window }) =>
          Arn.format({ service: 'ssm', resource: 'maintenancewindow', resourceName: window.ref }, stack),
        ),
      }),
    );
  }
}

/**
 * The read-only permissions of the CTO's configuration review (`firebreak review`), as a managed
 * policy to attach to whoever runs it. The List/Describe calls it makes support no resource-level
 * restriction except `iam:ListAccessKeys` (users only).
 */
export class ConfigurationReviewPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description:
        'Firebreak configuration review: read EC2 instances and security groups, SSM, AWS Config compliance, IAM access keys',
      statements: [
        new iam.PolicyStatement({
          actions: [
            'ec2:DescribeInstances',
            'ec2:DescribeSecurityGroups',
            'ssm:DescribeInstanceInformation',
            'ssm:DescribeInstancePatchStates',
            'config:DescribeComplianceByConfigRule',
            'config:GetComplianceDetailsByConfigRule',
            'iam:ListUsers',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          actions: ['iam:ListAccessKeys'],
          resources: [Arn.format({ service: 'iam', region: '', resource: 'user', resourceName: '*' }, stack)],
        }),
      ],
    });
    Validations.of(this.policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Read-only List/Describe calls (ec2:DescribeInstances, ec2:DescribeSecurityGroups, ssm:DescribeInstanceInformation, ssm:DescribeInstancePatchStates, config:DescribeComplianceByConfigRule, config:GetComplianceDetailsByConfigRule, iam:ListUsers) support no resource-level permissions.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]',
        reason: 'The review lists the access keys of every IAM user of the account: that is what it reports on. Read only.',
      },
    );
  }
}
