import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { FirebreakFunction } from './firebreak-function.ts';
import type { Foundation } from './foundation.ts';
import { acknowledgeControlTower } from '../policy/control-tower.ts';

export interface PostmortemArchiveProps {
  /** Its key encrypts the copies: a postmortem holds what the audit trail holds. */
  readonly foundation: Foundation;
  /** Where the bucket's server access logs go (shared with the diagnostics bucket). */
  readonly accessLogsBucket: s3.IBucket;
  /** The function that writes the drafts (notify): may only put objects under `postmortems/`. */
  readonly writer: FirebreakFunction;
}

/**
 * The copy of every postmortem draft Firebreak shares in Slack (`postmortems/<incident>/<time>.md`
 * and `.html`): versioned, encrypted with the stack's key, private, kept when the stack is deleted.
 */
export class PostmortemArchive extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PostmortemArchiveProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.foundation.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'postmortems/',
      lifecycleRules: [{ id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(365) }],
      // The record of how an incident was handled outlives the stack, like the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeControlTower(this.bucket, {
      s3_event_notifications_enabled_check: 'Nothing processes postmortem copies automatically; people read them.',
      s3_bucket_object_lock_enabled_check:
        'A postmortem draft is meant to be edited and replaced; versioning keeps every earlier copy for a year. The audit trail, not this bucket, is the tamper-evident record.',
    });
    // Only PutObject, only under postmortems/: the writer cannot read, list or delete a copy. It
    // already encrypts with the stack's key (its table grant), which the bucket's key uses.
    props.writer.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('postmortems/*')] }),
    );
    const bucketResource = this.bucket.node.defaultChild as CfnElement;
    Validations.of(props.writer.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(bucketResource).getLogicalId(bucketResource)}.Arn>/postmortems/*]`,
      reason:
        'Each postmortem copy is a new object named by its incident and time (postmortems/<incident>/<time>.md|.html), so the keys cannot be listed in advance; s3:PutObject only, under that prefix of this one bucket.',
    });
    props.writer.addEnvironment('POSTMORTEM_BUCKET', this.bucket.bucketName);
  }
}
