import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { PREVIOUS_GROUPS_TAG, SNAPSHOT_INSTANCE_TAG } from '../documents/index.ts';

/**
 * The role the Automation runbooks run as (`AutomationAssumeRole`), created in `scope` with the id
 * `AutomationRole`: read instances; snapshot, tag and move only instances carrying the fleet tag;
 * create only snapshots tagged as Firebreak's; touch only the previous-groups tag.
 */
export function createAutomationRole(scope: Construct, tagKey: string, vpcId: string | undefined): iam.Role {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'AutomationRole', {
    description:
      'Assumed by Systems Manager Automation to run the Firebreak runbooks (isolate and release instances carrying the fleet tag)',
    // Confused-deputy guard: only automation executions of this account may use the role.
    assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'ssm',
            resource: 'automation-execution',
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        },
      },
    }),
  });

  const ec2Arn = (resource: string, account?: string) =>
    stack.formatArn({ service: 'ec2', resource, resourceName: '*', account, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const instances = ec2Arn('instance');
  const fleetTagged = { StringLike: { [`aws:ResourceTag/${tagKey}`]: '*' } };
  const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, conditions }));

  allow(['ec2:DescribeInstances'], ['*']);
  // One crash-consistent snapshot of every volume of the instance.
  allow(['ec2:CreateSnapshots'], [instances], fleetTagged);
  allow(['ec2:CreateSnapshots'], [ec2Arn('volume')]);
  allow(['ec2:CreateSnapshots'], [ec2Arn('snapshot', '')], {
    StringLike: { [`aws:RequestTag/${SNAPSHOT_INSTANCE_TAG}`]: 'i-*' },
  });
  allow(['ec2:CreateTags'], [ec2Arn('snapshot', '')], { StringEquals: { 'ec2:CreateAction': 'CreateSnapshots' } });
  // The previous-groups tag, and no other: the fleet tag itself can never be added or removed.
  allow(['ec2:CreateTags', 'ec2:DeleteTags'], [instances], {
    ...fleetTagged,
    'ForAllValues:StringEquals': { 'aws:TagKeys': [PREVIOUS_GROUPS_TAG] },
    // DeleteTags without tag keys deletes every tag; ForAllValues alone would allow that.
    Null: { 'aws:TagKeys': 'false' },
  });
  allow(['ec2:ModifyInstanceAttribute'], [instances], fleetTagged);
  allow(
    ['ec2:ModifyInstanceAttribute'],
    [ec2Arn('security-group')],
    vpcId
      ? {
          StringEquals: {
            'ec2:Vpc': stack.formatArn({
              service: 'ec2',
              resource: 'vpc',
              resourceName: vpcId,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        }
      : undefined,
  );

  const reasons: Record<string, string> = {
    '*': "ec2:DescribeInstances does not support resource-level permissions; the runbooks read an instance's tags, VPC, interfaces and groups before changing anything.",
    'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*': `Every instance action is conditioned on the fleet tag (aws:ResourceTag/${tagKey}); instances to isolate are named by incidents at run time. Tag changes are limited to ${PREVIOUS_GROUPS_TAG}.`,
    'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*':
      "ec2:CreateSnapshots reads every volume attached to the (fleet-tagged) instance; volumes do not inherit the instance's tags, so they cannot be conditioned on the fleet tag.",
    'arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*': `Snapshot ids do not exist before they are created; creation requires the request tag ${SNAPSHOT_INSTANCE_TAG}, and tagging is allowed only as part of CreateSnapshots.`,
    'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*': `ModifyInstanceAttribute checks the groups as well as the instance: the quarantine group, and on release the groups recorded when the instance was isolated (any of the instance's former groups${vpcId ? `, limited to ${vpcId}` : ''}).`,
  };
  for (const [resource, reason] of Object.entries(reasons))
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  return role;
}

/** The IAM actions a role's policies grant (resources and conditions aside), for the catalog's permission check. */
export function grantedActions(role: iam.Role): Set<string> {
  const actions = new Set<string>();
  for (const child of role.node.children) {
    if (!(child instanceof iam.Policy)) continue;
    const document = Stack.of(role).resolve(child.document.toJSON()) as {
      Statement?: Array<{ Effect: string; Action: string | string[] }>;
    };
    for (const statement of document.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of [statement.Action].flat()) actions.add(action);
    }
  }
  return actions;
}
