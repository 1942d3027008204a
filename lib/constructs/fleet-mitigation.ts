import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError, type FirebreakConfig, type MitigationEntry } from '../../functions/core/config.ts';
import { EXECUTE_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { SSM_STATUS_PATTERN } from '../../functions/core/mitigations/ssm-patterns.ts';
import {
  catalogProblems,
  PREVIOUS_GROUPS_TAG,
  SHIPPED_DOCUMENT_PREFIX,
  shippedDocuments,
  SNAPSHOT_INSTANCE_TAG,
  type ShippedDocument,
} from '../documents/index.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import { grantIncidentStore } from './incident-workflow.ts';

/** Where Run Command writes each instance's output (the SSM Agent writes it with the instance's role). */
export const MITIGATION_OUTPUT_LOG_GROUP = '/firebreak/mitigations';
/** The tag on the quarantine security group. */
export const QUARANTINE_TAG = 'firebreak:quarantine';
/** The id of the synth warning raised when isolate-instance is in the catalog but no quarantine group can be created. */
export const NO_QUARANTINE_WARNING = 'firebreak:fleet:no-quarantine-group';

export interface FleetMitigationProps {
  /** The validated configuration: the catalog picks the IAM grants, `fleet` the tag and VPC; baked into execute and track. */
  readonly config: FirebreakConfig;
  readonly table: dynamodb.ITable;
  /** The store's key: encrypts the table and the Slack secret. */
  readonly key: kms.IKey;
  /** The firebreak bus: `Mitigation Approved` arrives there; execute and track emit there. */
  readonly bus: events.IEventBus;
  /** Where failed deliveries end up (the ingestion DLQ: one place to look and redrive). */
  readonly deadLetterQueue: sqs.IQueue;
  /** The `firebreak/slack` secret (bot token): execute and track post to the incident thread. */
  readonly slackSecret: secretsmanager.ISecret;
  /** The slack function: `/firebreak cancel` stops running commands and automations, so it gets those grants and the execution environment. */
  readonly slackFunction: FirebreakFunction;
  /** Name of the Run Command output log group; only tests should change it. */
  readonly outputLogGroupName?: string;
  /** Retries of the EventBridge -> execute/track deliveries. */
  readonly targetRetryAttempts?: number;
  /** How long EventBridge keeps retrying a delivery before it dead-letters the event. */
  readonly targetMaxEventAge?: Duration;
  /** Lambda's own async retries when a handler throws. */
  readonly functionRetryAttempts?: number;
}

/**
 * Fleet mitigation through AWS Systems Manager:
 *
 * - the SSM documents the catalog runs (`Firebreak-*`: restart a service, collect diagnostics,
 *   block and unblock an IP address, isolate and release an instance), with a synth-time check
 *   that every `Firebreak-*` document the catalog names is shipped and called the way it is declared;
 * - the diagnostics bucket (and the bucket of its access logs), the Run Command output log group,
 *   and, with `fleet.vpcId`, the quarantine security group (no inbound, no outbound);
 * - the automation role the runbooks run as, allowed to change only instances that carry the fleet tag;
 * - `execute` (on `Mitigation Approved`, firebreak bus) and `track` (on SSM's status events,
 *   default bus), each with retries and the shared DLQ.
 *
 * IAM: `ssm:SendCommand` only on the catalog's Command documents and on instances carrying the
 * fleet tag (`ssm:resourceTag/<tag key>`); `ssm:StartAutomationExecution` only on the catalog's
 * runbooks; `iam:PassRole` only for the automation role and only to SSM; cancelling (execute and
 * slack) through `grantCancel`.
 */
export class FleetMitigation extends Construct {
  /** The documents the stack ships, by name. */
  readonly documents: ReadonlyMap<string, ssm.CfnDocument>;
  readonly diagnosticsBucket: s3.Bucket;
  /** Server access logs of the diagnostics bucket. */
  readonly accessLogsBucket: s3.Bucket;
  /** The quarantine group isolate-instance moves instances into; only with `fleet.vpcId`. */
  readonly quarantineSecurityGroup?: ec2.CfnSecurityGroup;
  /** Run Command output of every mitigation (`/firebreak/mitigations`). */
  readonly outputLogGroup: logs.LogGroup;
  /** The role the Automation runbooks run as (`AutomationAssumeRole`). */
  readonly automationRole: iam.Role;
  readonly executeFunction: FirebreakFunction;
  readonly trackFunction: FirebreakFunction;
  /** The rule on the firebreak bus that feeds execute. */
  readonly executeRule: events.Rule;
  /** The rule on the default bus that feeds track. */
  readonly trackRule: events.Rule;
  /** What execute and track (and slack, for cancel) need to know about mitigation, beyond the table, bus and secret. */
  readonly mitigationEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: FleetMitigationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { fleet, mitigations: catalog } = props.config;

    // --- Where results go -----------------------------------------------------------------------

    this.outputLogGroup = new logs.LogGroup(this, 'OutputLogs', {
      logGroupName: props.outputLogGroupName ?? MITIGATION_OUTPUT_LOG_GROUP,
      retention: logs.RetentionDays.ONE_MONTH,
      // What ran on which instance is evidence, like the audit trail.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // S3 server access logging only delivers to buckets encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // No AwsSolutions-S1 finding to acknowledge: cdk-nag recognizes the destination of server access logs.

    this.diagnosticsBucket = new s3.Bucket(this, 'DiagnosticsBucket', {
      // S3-managed keys, not the store key: every instance role that uploads diagnostics would
      // otherwise need kms:GenerateDataKey on the key that protects the audit trail.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
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

    // --- Quarantine -----------------------------------------------------------------------------

    if (fleet.vpcId) {
      this.quarantineSecurityGroup = new ec2.CfnSecurityGroup(this, 'QuarantineSecurityGroup', {
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
    } else {
      const isolating = catalog.filter((entry) => entry.document === 'Firebreak-IsolateInstance').map((entry) => entry.id);
      if (isolating.length) {
        Validations.of(this).addWarning(
          NO_QUARANTINE_WARNING,
          `fleet.vpcId is not set, so the stack creates no quarantine security group and ${isolating.join(', ')} (Firebreak-IsolateInstance) will refuse to run. Set fleet.vpcId in the configuration, or remove the entry from the catalog.`,
        );
      }
    }

    // --- The automation role --------------------------------------------------------------------

    this.automationRole = new iam.Role(this, 'AutomationRole', {
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
    this.grantAutomationRole(fleet.tagKey, fleet.vpcId);

    // --- The documents --------------------------------------------------------------------------

    const shipped = shippedDocuments({
      diagnosticsBucketName: this.diagnosticsBucket.bucketName,
      automationRoleArn: this.automationRole.roleArn,
      fleetTagKey: fleet.tagKey,
      quarantine:
        this.quarantineSecurityGroup && fleet.vpcId
          ? { groupId: this.quarantineSecurityGroup.attrGroupId, vpcId: fleet.vpcId }
          : undefined,
    });
    // The catalog and the stack must agree before anything deploys: a catalog entry naming a
    // document the stack does not ship would only fail when someone needs it, mid-incident.
    const problems = catalogProblems(catalog, shipped);
    if (problems.length) throw new ConfigError('the mitigation catalog (mitigations)', problems);
    const documents = new Map<string, ssm.CfnDocument>();
    for (const doc of shipped) documents.set(doc.name, this.shipDocument(doc));
    this.documents = documents;

    // --- execute and track ----------------------------------------------------------------------

    this.mitigationEnvironment = {
      OUTPUT_LOG_GROUP: this.outputLogGroup.logGroupName,
      AUTOMATION_ROLE_ARN: this.automationRole.roleArn,
      FLEET_TAG_KEY: fleet.tagKey,
    };
    const environment = {
      TABLE_NAME: props.table.tableName,
      EVENT_BUS_NAME: props.bus.eventBusName,
      SLACK_SECRET_ARN: props.slackSecret.secretArn,
      ...this.mitigationEnvironment,
    };
    const functionDefaults = {
      settings: props.config,
      environment,
      // Room for Slack's 429 Retry-After waits, as notify.
      timeout: Duration.seconds(60),
      retryAttempts: props.functionRetryAttempts ?? 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: props.deadLetterQueue,
    };
    this.executeFunction = new FirebreakFunction(this, 'Execute', {
      ...functionDefaults,
      entry: 'functions/execute/handler.ts',
      serviceName: 'firebreak-execute',
      description: 'Firebreak execute: re-verify an approved mitigation, then run it once through Systems Manager',
    });
    this.trackFunction = new FirebreakFunction(this, 'Track', {
      ...functionDefaults,
      entry: 'functions/track/handler.ts',
      serviceName: 'firebreak-track',
      description: 'Firebreak track: Systems Manager status events to mitigation progress, Slack updates and outcomes',
    });
    for (const fn of [this.executeFunction, this.trackFunction]) {
      grantIncidentStore(fn, props.table, props.key);
      props.bus.grantPutEventsTo(fn);
      props.slackSecret.grantRead(fn);
    }
    this.grantRun(this.executeFunction, catalog, fleet.tagKey);
    this.grantCancel(this.executeFunction);
    this.grantCancel(props.slackFunction);
    for (const [name, value] of Object.entries(this.mitigationEnvironment)) props.slackFunction.addEnvironment(name, value);

    const delivery = {
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.targetRetryAttempts,
      maxEventAge: props.targetMaxEventAge,
    };
    this.executeRule = deliveryRule(this, 'ExecuteRule', {
      bus: props.bus,
      description: 'Firebreak execute: approved mitigations (by people or by policy)',
      pattern: EXECUTE_PATTERN,
      target: this.executeFunction,
      ...delivery,
    });
    // On the default bus, where Systems Manager publishes.
    this.trackRule = deliveryRule(this, 'TrackRule', {
      description: 'Firebreak track: Systems Manager command, invocation and automation status changes',
      pattern: SSM_STATUS_PATTERN,
      target: this.trackFunction,
      ...delivery,
    });
  }

  /** Lets `fn` cancel Run Command commands and stop Automation executions (`/firebreak cancel`). */
  grantCancel(fn: FirebreakFunction): void {
    const role = fn.executionRole;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:CancelCommand'], resources: ['*'] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:StopAutomationExecution'],
        resources: [
          Stack.of(this).formatArn({
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
          'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, and ssm:CancelCommand (for /firebreak cancel) takes only a command id: none of them supports resource-level permissions.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-execution/*]',
        reason:
          'ssm:StopAutomationExecution (for /firebreak cancel) on automation executions of this account and region: execution ids are only known at run time; the function stops only ids it stored for a running request.',
      },
    );
  }

  /** `ssm:SendCommand` on the catalog's Command documents and fleet-tagged instances; StartAutomationExecution on its runbooks, as the automation role. */
  private grantRun(fn: FirebreakFunction, catalog: readonly MitigationEntry[], tagKey: string): void {
    const stack = Stack.of(this);
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
          resources: [this.automationRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
        }),
      );
    }
  }

  /**
   * The automation role: read instances; snapshot, tag and move only instances carrying the fleet
   * tag; create only snapshots tagged as Firebreak's; touch only the previous-groups tag.
   */
  private grantAutomationRole(tagKey: string, vpcId: string | undefined): void {
    const stack = Stack.of(this);
    const ec2Arn = (resource: string, account?: string) =>
      stack.formatArn({ service: 'ec2', resource, resourceName: '*', account, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const instances = ec2Arn('instance');
    const fleetTagged = { StringLike: { [`aws:ResourceTag/${tagKey}`]: '*' } };
    const role = this.automationRole;
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
  }

  private shipDocument(doc: ShippedDocument): ssm.CfnDocument {
    return new ssm.CfnDocument(this, doc.name.slice(SHIPPED_DOCUMENT_PREFIX.length), {
      name: doc.name,
      documentType: doc.documentType,
      documentFormat: 'JSON',
      // A content change publishes a new version (made the default) instead of replacing the
      // document, so its name, and every IAM policy and catalog entry naming it, stays valid.
      updateMethod: 'NewVersion',
      // Run Command documents run on EC2 instances only.
      targetType: doc.documentType === 'Command' ? '/AWS::EC2::Instance' : undefined,
      content: doc.content,
      tags: [{ key: 'firebreak:managed-by', value: 'firebreak' }],
    });
  }
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
