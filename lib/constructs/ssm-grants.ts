import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { MitigationEntry } from '../../functions/core/config.ts';
import type { FirebreakFunction } from './firebreak-function.ts';

/**
 * Lets `fn` run the catalog: `ssm:SendCommand` on its Command documents and on instances carrying
 * the fleet tag; `ssm:StartAutomationExecution` on its runbooks, passing only the automation role,
 * only to SSM.
 */
export function grantRunMitigations(
  fn: FirebreakFunction,
  options: { catalog: readonly MitigationEntry[]; tagKey: string; automationRole: iam.IRole },
): void {
  const { catalog, tagKey, automationRole } = options;
  const stack = Stack.of(fn);
  const role = fn.executionRole;
  const names = (kind: MitigationEntry['kind']) =>
    [...new Set(catalog.filter((entry) => entry.kind === kind).map((entry) => entry.document))].sort();
  const commandDocuments = names('command');
  const runbooks = names('automation');

  if (commandDocuments.length) {
    // Two statements, because a condition applies to every resource of its statement: the
    // documents carry no fleet tag, the instances must.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: commandDocuments.map((name) => documentArn(stack, name)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [
          stack.formatArn({
            service: 'ec2',
            resource: 'instance',
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
        conditions: { StringLike: { [`ssm:resourceTag/${tagKey}`]: '*' } },
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
      reason: `ssm:SendCommand only on instances that carry the fleet tag ${tagKey} (condition ssm:resourceTag/${tagKey}); targets are chosen per incident at run time, so they cannot be listed at deploy time.`,
    });
  }
  if (runbooks.length) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:StartAutomationExecution'],
        resources: runbooks.map((name) => automationDefinitionArn(stack, name)),
      }),
    );
    for (const name of runbooks) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(automationDefinitionArn(stack, name), stack)}]`,
        reason: `ssm:StartAutomationExecution on the runbook ${name} only, in any of its versions (the catalog pins $DEFAULT or a version number, and the stack publishes a new version on every change).`,
      });
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [automationRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      }),
    );
  }
}

/** Lets `fn` (execute, on `Mitigation Cancel Requested`) cancel Run Command commands and stop Automation executions. */
export function grantCancelRuns(fn: FirebreakFunction): void {
  const role = fn.executionRole;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:CancelCommand'], resources: ['*'] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ssm:StopAutomationExecution'],
      resources: [
        Stack.of(fn).formatArn({
          service: 'ssm',
          resource: 'automation-execution',
          resourceName: '*',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
    }),
  );
  Validations.of(role).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, and ssm:CancelCommand (execute stopping a run someone cancelled with /firebreak cancel) takes only a command id: none of them supports resource-level permissions.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-execution/*]',
      reason:
        'ssm:StopAutomationExecution (execute stopping a run someone cancelled with /firebreak cancel) on automation executions of this account and region: execution ids are only known at run time; the function stops only ids it stored for a running request.',
    },
  );
}

/**
 * Lets `fn` list automation executions: track reads the child executions of a rate-controlled run
 * (`DescribeAutomationExecutions` filtered by `ParentExecutionId`) to learn each target instance's
 * result. The action supports no resource-level permissions (the Service Authorization Reference
 * lists no resource type for it), so its resource is `*`; it returns execution metadata only and
 * changes nothing.
 */
export function grantReadAutomationExecutions(fn: FirebreakFunction): void {
  const role = fn.executionRole;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:DescribeAutomationExecutions'], resources: ['*'] }));
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, and track reads the child executions of its automation runs with ssm:DescribeAutomationExecutions (read-only metadata): none of them supports resource-level permissions.',
  });
}

/** AWS owns every document whose name starts with AWS, Amazon or AMZN (no one else may use those prefixes). */
const isAwsOwned = (name: string) => /^(aws|amazon|amzn)/i.test(name);

/** The ARN SendCommand checks for a document: this account's, AWS's (no account), or the ARN the catalog gives. */
export function documentArn(stack: Stack, name: string): string {
  if (name.startsWith('arn:')) return name;
  return stack.formatArn({
    service: 'ssm',
    resource: 'document',
    resourceName: name,
    account: isAwsOwned(name) ? '' : undefined,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** The ARN StartAutomationExecution checks for a runbook, any version: `automation-definition/<name>:*`. */
export function automationDefinitionArn(stack: Stack, name: string): string {
  if (name.startsWith('arn:')) return `${name.replace(':document/', ':automation-definition/')}:*`;
  return stack.formatArn({
    service: 'ssm',
    resource: 'automation-definition',
    resourceName: `${name}:*`,
    account: isAwsOwned(name) ? '' : undefined,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** How cdk-nag spells an ARN built with formatArn (pseudo parameters as <AWS::Region>). */
function nagArn(arn: string, stack: Stack): string {
  const resolved = stack.resolve(arn) as unknown;
  if (typeof resolved === 'string') return resolved;
  const parts = (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts.map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join('');
}
