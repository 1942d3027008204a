import { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { synthesize } from './synth.ts';

let stack: FirebreakStack;
let template: Template;
const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

beforeAll(() => {
  ({ stack, template } = synthesize());
});

describe('postmortem archive', () => {
  it('is a private, versioned bucket encrypted with the store key, logging access, kept when the stack goes', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[logicalId(stack.postmortems.bucket)]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(stack.foundation.key), 'Arn'] },
            },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalId(stack.mitigation.accessLogsBucket) },
        LogFilePrefix: 'postmortems/',
      },
    });
  });

  it('lets notify put objects under postmortems/ and nothing else, and tells it the bucket', () => {
    const notify = template.findResources('AWS::Lambda::Function')[logicalId(stack.workflow.notifyFunction)]!;
    expect(notify.Properties.Environment.Variables.POSTMORTEM_BUCKET).toEqual({ Ref: logicalId(stack.postmortems.bucket) });
    const s3Statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')))
        .filter((s) => JSON.stringify(s.Resource).includes(logicalId(stack.postmortems.bucket)))
        .map((s) => ({ roles: policy.Properties.Roles, ...s })),
    );
    expect(s3Statements).toEqual([
      {
        roles: [{ Ref: logicalId(stack.workflow.notifyFunction.executionRole) }],
        Action: 's3:PutObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.postmortems.bucket), 'Arn'] }, '/postmortems/*']] },
      },
    ]);
  });

  it('outputs the bucket name', () => {
    template.hasOutput('PostmortemBucketName', {
      Value: { Ref: logicalId(stack.postmortems.bucket) },
      Description: Match.stringLikeRegexp('postmortem'),
    });
  });
});
