import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

const LOGS_KEY_ID = 'LogsKey';

/**
 * The stack's key for CloudWatch Logs (every function's log group, the Slack access logs, the
 * mitigation output): one per stack, created on first use. Its own key, not the table's: the logs
 * service must be allowed to use it, and the key that protects the audit trail admits no service
 * beyond those that store Firebreak's data. Only CloudWatch Logs of this account and region may use
 * it, and only for log groups (the encryption context names the log group).
 */
export function logsKeyOf(scope: Construct): kms.Key {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(LOGS_KEY_ID);
  if (existing) return existing as kms.Key;
  const key = new kms.Key(stack, LOGS_KEY_ID, {
    description: 'Firebreak: encrypts the log groups of its functions, Slack access logs and mitigation output',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    }),
  );
  denyGrantsExceptForAwsResources(key);
  return key;
}

/**
 * Control Tower CT.KMS.PR.3: nobody may create a grant on the key unless it is for an AWS resource
 * (DynamoDB, Secrets Manager and CloudWatch Logs create theirs that way) or made by an AWS service.
 */
export function denyGrantsExceptForAwsResources(key: kms.Key): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
}
