import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What the automation role may do to answer a watched change, by IAM action: the resources each
 * grant is scoped to, and why. An action is granted only when a catalog entry's runbook needs it
 * (declared by the shipped runbook or by the entry's `permissions`), so a stack whose catalog has no
 * such entry keeps the narrow instance-only role; an action not listed here is never granted, and
 * synth fails on the entry that needs it.
 */
function responseGrants(stack: Stack): Record<string, { resources: string[]; reason: string }> {
  const iamArn = (resource: string) =>
    stack.formatArn({ service: 'iam', region: '', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const buckets = stack.formatArn({ service: 's3', region: '', account: '', resource: '*' });
  return {
    'ec2:RevokeSecurityGroupIngress': {
      resources: [
        stack.formatArn({
          service: 'ec2',
          resource: 'security-group',
          resourceName: '*',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
      reason: 'The group whose rule was opened is named by the incident at run time; revoking only removes access.',
    },
    'ec2:DescribeSecurityGroups': {
      resources: ['*'],
      reason: 'ec2:DescribeSecurityGroups does not support resource-level permissions; read-only.',
    },
    'iam:UpdateAccessKey': {
      resources: [iamArn('user')],
      reason: 'The user whose key is deactivated (or reactivated after approval) is named by the incident at run time.',
    },
    'iam:DetachRolePolicy': {
      resources: [iamArn('role')],
      reason: 'The role a policy was just attached to is named by the incident at run time; detaching only removes permissions.',
    },
    'cloudtrail:StartLogging': {
      resources: [
        stack.formatArn({
          service: 'cloudtrail',
          region: '*',
          resource: 'trail',
          resourceName: '*',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
      reason: 'The trail whose logging was stopped is named by the incident at run time; starting logging only adds evidence.',
    },
    's3:PutBucketPublicAccessBlock': {
      resources: [buckets],
      reason:
        'The bucket whose Block Public Access was removed is named by the incident at run time; the call only restores protection.',
    },
    's3:GetBucketPublicAccessBlock': { resources: [buckets], reason: 'Read-only: the runbook reads the setting it restores.' },
  };
}

/** cdk-nag's name for each wildcard resource above (tokens rendered as `<AWS::AccountId>`…). */
const NAG_RESOURCE: Record<string, string> = {
  'ec2:RevokeSecurityGroupIngress': 'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*',
  'ec2:DescribeSecurityGroups': '*',
  'iam:UpdateAccessKey': 'arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*',
  'iam:DetachRolePolicy': 'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*',
  'cloudtrail:StartLogging': 'arn:<AWS::Partition>:cloudtrail:*:<AWS::AccountId>:trail/*',
  's3:PutBucketPublicAccessBlock': 'arn:<AWS::Partition>:s3:::*',
  's3:GetBucketPublicAccessBlock': 'arn:<AWS::Partition>:s3:::*',
};

/**
 * Grants the automation role the response actions `needed` (those listed above), each scoped as
 * listed. The security group and `*` wildcards are already acknowledged for the instance runbooks.
 */
export function grantResponseActions(role: iam.Role, needed: ReadonlySet<string>): void {
  const grants = responseGrants(Stack.of(role));
  const reasons = new Map<string, string[]>();
  for (const [action, grant] of Object.entries(grants)) {
    if (!needed.has(action)) continue;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [action], resources: grant.resources }));
    const resource = NAG_RESOURCE[action]!;
    reasons.set(resource, [...(reasons.get(resource) ?? []), `${action}: ${grant.reason}`]);
  }
  for (const [resource, why] of reasons) {
    if (resource === '*' || resource.endsWith(':security-group/*')) continue;
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason: why.join(' ') });
  }
}
