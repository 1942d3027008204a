import { acknowledgeControlTower } from '../policy/control-tower.ts';
import { logsKeyOf } from './logs-key.ts';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';

/** Where Run Command writes each instance's output (the SSM Agent writes it with the instance's role). */
export const MITIGATION_OUTPUT_LOG_GROUP = '/firebreak/mitigations';
/** The tag on the quarantine security group. */
export const QUARANTINE_TAG = 'firebreak:quarantine';
/** The id of the synth warning raised when isolate-instance is in the catalog but no quarantine group can be created. */
export const NO_QUARANTINE_WARNING = 'firebreak:fleet:no-quarantine-group';

/*
 * Where mitigation results go, and the quarantine group: created directly in the FleetMitigation
 * scope (ids `OutputLogs`, `AccessLogsBucket`, `DiagnosticsBucket`, `QuarantineSecurityGroup`), so
 * their logical ids, and the retained resources behind them, stay what they were.
 */

/** Run Command output of every mitigation, kept a month and retained (what ran on which instance is evidence). */
export function createOutputLogGroup(scope: Construct, logGroupName = MITIGATION_OUTPUT_LOG_GROUP): logs.LogGroup {
  return new logs.LogGroup(scope, 'OutputLogs', {
    logGroupName,
    retention: logs.RetentionDays.ONE_YEAR,
    encryptionKey: logsKeyOf(scope),
    // What ran on which instance is evidence, like the audit trail.
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The bucket collect-diagnostics uploads to, and the bucket of its server access logs. */
export function createDiagnosticsBuckets(scope: Construct): { diagnosticsBucket: s3.Bucket; accessLogsBucket: s3.Bucket } {
  const accessLogsBucket = new s3.Bucket(scope, 'AccessLogsBucket', {
    // S3 server access logging only delivers to buckets encrypted with S3-managed keys.
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    // Versioned, so a log object overwritten or deleted stays recoverable until it expires.
    versioned: true,
    lifecycleRules: [
      {
        id: 'expire-access-logs',
        expiration: Duration.days(365),
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledgeControlTower(accessLogsBucket, {
    s3_bucket_default_encryption_kms_check:
      'S3 server access logging delivers only to buckets encrypted with S3-managed keys (SSE-S3); SSE-KMS on the target bucket makes delivery fail.',
    s3_bucket_logging_enabled_check:
      'This is the access-log bucket itself: logging it into itself would log its own log deliveries without end, and into another bucket would only move the question.',
    s3_event_notifications_enabled_check:
      'Nothing consumes notifications of access-log objects; they are read when investigating, not processed.',
    s3_bucket_object_lock_enabled_check:
      'Access logs expire by lifecycle after a year; Object Lock would keep every log object (and its versions) beyond that, and versioning already keeps overwritten or deleted logs recoverable.',
  });
  // No AwsSolutions-S1 finding to acknowledge: cdk-nag recognizes the destination of server access logs.

  const diagnosticsBucket = new s3.Bucket(scope, 'DiagnosticsBucket', {
    // S3-managed keys, not the store key: every instance role that uploads diagnostics would
    // otherwise need kms:GenerateDataKey on the key that protects the audit trail.
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    serverAccessLogsBucket: accessLogsBucket,
    serverAccessLogsPrefix: 'diagnostics/',
    lifecycleRules: [
      {
        id: 'expire-diagnostics',
        expiration: Duration.days(90),
        noncurrentVersionExpiration: Duration.days(90),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    // Forensic evidence outlives the stack, like the table.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledgeControlTower(diagnosticsBucket, {
    s3_bucket_default_encryption_kms_check:
      'Instances upload diagnostics with their own instance roles, which the user manages: SSE-KMS would need kms:GenerateDataKey for every instance role on a Firebreak key. SSE-S3, TLS only, private, versioned, access-logged.',
    s3_event_notifications_enabled_check:
      'Nothing processes diagnostics automatically: the request thread says where they are, and people read them.',
    s3_bucket_object_lock_enabled_check:
      'Diagnostics expire after 90 days by lifecycle (they hold process lists and logs, personal data included); versioning keeps overwritten objects until then. The audit trail, not this bucket, is the tamper-evident record.',
  });
  return { diagnosticsBucket, accessLogsBucket };
}

/**
 * With `fleet.vpcId`, the quarantine security group (no inbound, no outbound). Without it, no group,
 * and a synth warning when the catalog names Firebreak-IsolateInstance, which would refuse to run.
 */
export function createQuarantineGroup(scope: Construct, config: FirebreakConfig): ec2.CfnSecurityGroup | undefined {
  const { fleet, mitigations: catalog } = config;
  if (fleet.vpcId) {
    return new ec2.CfnSecurityGroup(scope, 'QuarantineSecurityGroup', {
      groupDescription: 'Firebreak quarantine: no inbound and no outbound traffic. isolate-instance moves instances here.',
      vpcId: fleet.vpcId,
      // No ingress rules. For egress, an empty list is not enough: CloudFormation removes a new
      // group's default allow-all egress rule only when at least one egress rule is given. So
      // the one rule matches nothing (ICMP type 252 code 86 to 255.255.255.255/32, the rule CDK
      // itself writes for allowAllOutbound: false).
      securityGroupEgress: [
        { ipProtocol: 'icmp', cidrIp: '255.255.255.255/32', fromPort: 252, toPort: 86, description: 'Disallow all traffic' },
      ],
      tags: [
        { key: 'Name', value: 'firebreak-quarantine' },
        { key: QUARANTINE_TAG, value: 'true' },
      ],
    });
  }
  const isolating = catalog.filter((entry) => entry.document === 'Firebreak-IsolateInstance').map((entry) => entry.id);
  if (isolating.length) {
    Validations.of(scope).addWarning(
      NO_QUARANTINE_WARNING,
      `fleet.vpcId is not set, so the stack creates no quarantine security group and ${isolating.join(', ')} (Firebreak-IsolateInstance) will refuse to run. Set fleet.vpcId in the configuration, or remove the entry from the catalog.`,
    );
  }
  return undefined;
}
