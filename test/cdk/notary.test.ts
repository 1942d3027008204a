import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_STREAM_FILTER } from '../../functions/adapters/dynamodb/audit-chains.ts';
import type { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { exampleConfig } from '../support.ts';
import { actionsOf, synthesize, templateReaders, type Resource, type Statement } from './synth.ts';

let stack: FirebreakStack;
let resources: Record<string, Resource>;
const { logicalId, ref } = templateReaders(() => ({ stack, resources }));

beforeAll(() => {
  ({ stack, resources } = synthesize({
    ...exampleConfig(),
    audit: { digestWindowSeconds: 180, retentionDays: 400, retentionMode: 'COMPLIANCE' },
  }));
});

describe('the audit notary', () => {
  it('signs with an asymmetric P-256 key whose policy denies kms:Sign to everyone but the notary role', () => {
    const key = resources[logicalId(stack.notary.signingKey)]!.Properties;
    expect(key).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const statements = (key.KeyPolicy as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'OnlyTheNotarySigns',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Sign',
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [logicalId(stack.notary.notaryFunction.executionRole), 'Arn'] } },
        },
      }),
    );
  });

  it('gives kms:Sign to no IAM policy but the notary role’s, and only on its key', () => {
    const signing = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) =>
        (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) =>
          actionsOf(s).some((a) => a === 'kms:Sign' || a === 'kms:*'),
        ).map((s) => ({ roles: r.Properties.Roles, resource: s.Resource, actions: actionsOf(s) })),
      );
    expect(signing).toEqual([
      {
        roles: [ref(stack.notary.notaryFunction.executionRole)],
        resource: { 'Fn::GetAtt': [logicalId(stack.notary.signingKey), 'Arn'] },
        actions: ['kms:Sign'],
      },
    ]);
  });

  it('writes into a versioned, KMS-encrypted bucket with Object Lock (retention from the config) and access logs, TLS only', () => {
    const bucket = resources[logicalId(stack.notary.digestBucket)]!.Properties;
    expect(bucket).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(stack.notary.digestEncryptionKey), 'Arn'] },
            },
          },
        ],
      },
      LoggingConfiguration: { DestinationBucketName: ref(stack.notary.accessLogsBucket), LogFilePrefix: 'digests/' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policy = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::S3::BucketPolicy' &&
        JSON.stringify(r.Properties.Bucket) === JSON.stringify(ref(stack.notary.digestBucket)),
    )!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('may put and read digests, never delete them or change their retention', () => {
    const statements = Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          JSON.stringify(r.Properties.Roles) === JSON.stringify([ref(stack.notary.notaryFunction.executionRole)]),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap(actionsOf);
    expect(statements).toEqual(expect.arrayContaining(['kms:Sign', 's3:PutObject']));
    for (const action of statements)
      expect(action).not.toMatch(
        /^s3:(Delete|PutObjectRetention|PutObjectLegalHold|BypassGovernance|PutBucket)|^events:|^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWrite)/,
      );
  });

  it('reads the stream filtered to new audit entries, batched by the configured window, with its own alarmed DLQ', () => {
    const mapping = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties.FunctionName) === JSON.stringify(ref(stack.notary.notaryFunction)),
    )!;
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.foundation.table), 'StreamArn'] },
      BatchSize: 10_000,
      MaximumBatchingWindowInSeconds: 180,
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: 21_600,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(AUDIT_STREAM_FILTER) }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.notary.deadLetterQueue), 'Arn'] } } },
    });
    expect(stack.alarms.deadLetterAlarms.get('notary')).toBeDefined();
  });
});
