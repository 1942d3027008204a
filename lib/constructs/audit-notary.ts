import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DIGEST_PREFIX } from '../../functions/core/audit/digest.ts';
import type { AuditConfig } from '../../functions/core/audit/notary-config.ts';
import { AUDIT_STREAM_FILTER } from '../../functions/adapters/dynamodb/audit-chains.ts';
import { acknowledgeControlTower } from '../policy/control-tower.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import { denyGrantsExceptForAwsResources } from './logs-key.ts';
import { deadLetterQueue, type Foundation } from './foundation.ts';

export interface AuditNotaryProps {
  /** The table whose stream carries the audit entries. */
  readonly foundation: Foundation;
  readonly audit: AuditConfig;
}

/**
 * The audit trail's notary: a function on the table's stream, filtered to new audit entries and
 * batched for `digestWindowSeconds`, that signs the chain heads with an asymmetric KMS key only it
 * may use, into a versioned, KMS-encrypted bucket with Object Lock. `firebreak audit verify` checks
 * the chains in the table against those digests.
 */
export class AuditNotary extends Construct {
  readonly notaryFunction: FirebreakFunction;
  /** ECC_NIST_P256, SIGN_VERIFY: its key policy denies kms:Sign to every principal but the notary's role. */
  readonly signingKey: kms.Key;
  readonly digestBucket: s3.Bucket;
  /** Encrypts the digests (SSE-KMS); auditors reading the bucket need kms:Decrypt on it. */
  readonly digestEncryptionKey: kms.Key;
  readonly accessLogsBucket: s3.Bucket;
  readonly eventSource: DynamoEventSource;
  /** The stream positions of batches the notary gave up on (alarmed: chains left unsigned until redone). */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AuditNotaryProps) {
    super(scope, id);
    const { foundation, audit } = props;

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'Firebreak audit notary: signs digests of the audit chain heads (only the notary may sign)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      // Digests signed with it must stay verifiable for as long as they are kept.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.digestEncryptionKey = new kms.Key(this, 'DigestEncryptionKey', {
      description: 'Firebreak audit notary: encrypts the signed digests in their bucket',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // S3 server access logging only delivers to buckets encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.digestBucket = new s3.Bucket(this, 'DigestBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.digestEncryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        audit.retentionMode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(Duration.days(audit.retentionDays))
          : s3.ObjectLockRetention.governance(Duration.days(audit.retentionDays)),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'digests/',
      // Evidence outlives the stack; Object Lock would refuse the deletion anyway.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    denyGrantsExceptForAwsResources(this.signingKey);
    denyGrantsExceptForAwsResources(this.digestEncryptionKey);
    acknowledgeControlTower(this.accessLogsBucket, {
      s3_bucket_default_encryption_kms_check:
        'S3 server access logging delivers only to buckets encrypted with S3-managed keys (SSE-S3); SSE-KMS on the target bucket makes delivery fail.',
      s3_bucket_logging_enabled_check:
        'This is the access-log bucket itself: logging it into itself would log its own log deliveries without end.',
      s3_event_notifications_enabled_check:
        'Nothing consumes notifications of access-log objects; they are read when investigating.',
      s3_bucket_object_lock_enabled_check:
        'Access logs expire by lifecycle after a year; versioning keeps overwritten or deleted logs recoverable until then.',
    });
    acknowledgeControlTower(this.digestBucket, {
      s3_lifecycle_policy_check:
        'Digests are the anchors an auditor verifies against: they are kept under Object Lock for the configured retention, and deleting them by lifecycle would leave chains unverifiable.',
      s3_version_lifecycle_policy_check:
        'Object Lock refuses overwrites and deletions during retention, and the notary never overwrites a digest (conditional writes): no noncurrent versions to expire.',
      s3_event_notifications_enabled_check: 'Nothing processes digests automatically; `firebreak audit verify` reads them.',
    });

    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      "This queue is the notary's dead-letter queue (its event source mapping's on-failure destination); a dead-letter queue of a dead-letter queue would only hide failures. Its alarm makes every message visible.",
    );
    this.notaryFunction = new FirebreakFunction(this, 'Notary', {
      entry: 'functions/notary/handler.ts',
      serviceName: 'firebreak-notary',
      description: 'Firebreak notary: signs the audit chain heads into write-once digests (S3 Object Lock)',
      timeout: Duration.seconds(60),
      environment: { NOTARY_KEY_ID: this.signingKey.keyArn, DIGEST_BUCKET: this.digestBucket.bucketName },
    });
    const role = this.notaryFunction.executionRole;
    this.signingKey.grant(role, 'kms:Sign');
    // Write and read digests (the newest one names its predecessor); never delete, never touch retention or legal holds.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [this.digestBucket.arnForObjects(`${DIGEST_PREFIX}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.digestBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${DIGEST_PREFIX}*`] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.digestEncryptionKey.keyArn] }),
    );
    // Only the notary's role may sign, whatever an IAM policy elsewhere in the account allows.
    this.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheNotarySigns',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
      }),
    );

    this.eventSource = new DynamoEventSource(foundation.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      // DynamoDB streams deliver at most 10,000 records per batch; the window makes "after
      // activity, at most every few minutes" (a busier stream fills a batch sooner).
      batchSize: 10_000,
      maxBatchingWindow: Duration.seconds(audit.digestWindowSeconds),
      filters: [lambda.FilterCriteria.filter(AUDIT_STREAM_FILTER as unknown as Record<string, unknown>)],
      bisectBatchOnError: true,
      retryAttempts: 10_000,
      // A stream keeps records 24 hours: give up (and alarm) well before they are trimmed.
      maxRecordAge: Duration.hours(6),
      onFailure: new SqsDlq(this.deadLetterQueue),
    });
    this.notaryFunction.addEventSource(this.eventSource);

    const bucketResource = this.digestBucket.node.defaultChild as CfnElement;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(bucketResource).getLogicalId(bucketResource)}.Arn>/${DIGEST_PREFIX}*]`,
      reason:
        "s3:PutObject and s3:GetObject on the digest bucket's own digests/* keys only: digest names are made at run time, one per digest, and the bucket refuses overwrites (Object Lock, conditional writes).",
    });
  }
}
