import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ConfigError, type FirebreakConfig } from '../../functions/core/config.ts';
import { EXECUTE_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { SSM_STATUS_PATTERN } from '../../functions/core/mitigations/ssm-patterns.ts';
import {
  catalogProblems,
  permissionProblems,
  resourceRunbookActions,
  SHIPPED_DOCUMENT_PREFIX,
  shippedDocuments,
  type ShippedDocument,
} from '../documents/index.ts';
import { createAutomationRole, grantedActions } from './automation-role.ts';
import { grantResponseActions } from './response-grants.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import { createDiagnosticsBuckets, createOutputLogGroup, createQuarantineGroup } from './fleet-resources.ts';
import type { Foundation } from './foundation.ts';
import type { IncidentWorkflow } from './incident-workflow.ts';
import { grantCancelRuns, grantReadAutomationExecutions, grantRunMitigations } from './ssm-grants.ts';

export interface FleetMitigationProps {
  /** The validated configuration: the catalog picks the IAM grants, `fleet` the tag and VPC; baked into execute and track. */
  readonly config: FirebreakConfig;
  /** The table and key, the firebreak bus (`Mitigation Approved` arrives there; execute and track emit there) and the shared DLQ. */
  readonly foundation: Foundation;
  /**
   * The workflow's scheduling settings: execute and track share the workflow's repositories but never
   * request a mitigation; a failed run's rollback is requested by propose.
   */
  readonly workflow: IncidentWorkflow;
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
 *   and, with `fleet.vpcId`, the quarantine security group (no inbound, no outbound) (fleet-resources.ts);
 * - the automation role the runbooks run as, allowed to change only instances that carry the fleet tag
 *   (automation-role.ts);
 * - `execute` (on `Mitigation Approved` and `Mitigation Cancel Requested`, firebreak bus) and
 *   `track` (on SSM's status events, default bus), each with retries and the shared DLQ.
 *
 * IAM (ssm-grants.ts): only execute runs: `ssm:SendCommand` only on the catalog's Command documents
 * and on instances carrying the fleet tag (`ssm:resourceTag/<tag key>`), `ssm:StartAutomationExecution`
 * only on the catalog's runbooks, `iam:PassRole` only for the automation role and only to SSM; it
 * alone also cancels (`/firebreak cancel` reaches it as an event: slack holds no `ssm:` action). track records progress and outcomes (reading an automation
 * run's child executions with `ssm:DescribeAutomationExecutions`, read-only); a failed run's
 * announcement names its rollback, which propose requests. Neither execute nor track talks to
 * Slack: notify renders what they announce, so neither reads the Slack secret.
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
  /** What the executor (execute and track) reads besides the table and the bus. */
  readonly executionEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: FleetMitigationProps) {
    super(scope, id);
    const { foundation, workflow } = props;
    const { fleet, mitigations: catalog } = props.config;

    this.outputLogGroup = createOutputLogGroup(this, props.outputLogGroupName);
    const { diagnosticsBucket, accessLogsBucket } = createDiagnosticsBuckets(this);
    this.diagnosticsBucket = diagnosticsBucket;
    this.accessLogsBucket = accessLogsBucket;
    this.quarantineSecurityGroup = createQuarantineGroup(this, props.config);
    this.automationRole = createAutomationRole(this, fleet.tagKey, fleet.vpcId);

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
    // Granted only when the catalog answers watched changes, each action scoped (lib/constructs/response-grants.ts).
    grantResponseActions(this.automationRole, resourceRunbookActions(catalog, shipped));
    // The catalog and the stack must agree before anything deploys: a catalog entry naming a
    // document the stack does not ship would only fail when someone needs it, mid-incident.
    const problems = [
      ...catalogProblems(catalog, shipped),
      ...permissionProblems(catalog, shipped, grantedActions(this.automationRole)),
    ];
    if (problems.length) throw new ConfigError('the mitigation catalog (mitigations)', problems);
    const documents = new Map<string, ssm.CfnDocument>();
    for (const doc of shipped) documents.set(doc.name, this.shipDocument(doc));
    this.documents = documents;

    // --- execute and track ----------------------------------------------------------------------

    this.executionEnvironment = {
      OUTPUT_LOG_GROUP: this.outputLogGroup.logGroupName,
      AUTOMATION_ROLE_ARN: this.automationRole.roleArn,
    };
    const functionDefaults = {
      settings: props.config,
      // Room for the retried conditional writes and Systems Manager calls.
      timeout: Duration.seconds(60),
      retryAttempts: props.functionRetryAttempts ?? 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: foundation.deadLetterQueue,
    };
    this.executeFunction = new FirebreakFunction(this, 'Execute', {
      ...functionDefaults,
      entry: 'functions/execute/handler.ts',
      serviceName: 'firebreak-execute',
      description:
        'Firebreak execute: re-verify an approved mitigation, then run it once through Systems Manager; stop it on a cancel',
    });
    this.trackFunction = new FirebreakFunction(this, 'Track', {
      ...functionDefaults,
      entry: 'functions/track/handler.ts',
      serviceName: 'firebreak-track',
      description: 'Firebreak track: Systems Manager status events to mitigation progress, Slack updates and outcomes',
    });
    for (const fn of [this.executeFunction, this.trackFunction]) {
      foundation.grantReadWriteData(fn);
      this.addExecutionEnvironment(fn);
    }
    grantRunMitigations(this.executeFunction, { catalog, tagKey: fleet.tagKey, automationRole: this.automationRole });
    // `/firebreak cancel` is recorded by slack and reaches execute as `Mitigation Cancel Requested`.
    grantCancelRuns(this.executeFunction);
    // An automation run's per-instance results are its child executions, which track lists when the run ends.
    if (catalog.some((entry) => entry.kind === 'automation')) grantReadAutomationExecutions(this.trackFunction);
    // Neither requests a mitigation (a failed run's rollback is requested by propose, from its
    // announcement), so neither may create schedules; the variables are there for the shared workflow.
    workflow.addSchedulingEnvironment(this.executeFunction);
    workflow.addSchedulingEnvironment(this.trackFunction);

    const delivery = {
      deadLetterQueue: foundation.deadLetterQueue,
      retryAttempts: props.targetRetryAttempts,
      maxEventAge: props.targetMaxEventAge,
    };
    this.executeRule = deliveryRule(this, 'ExecuteRule', {
      bus: foundation.bus,
      description: 'Firebreak execute: approved mitigations (by people or by policy) and cancels asked from Slack',
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

  /** The settings the executor reads (output log group, automation role); no IAM. */
  addExecutionEnvironment(fn: FirebreakFunction): void {
    for (const [name, value] of Object.entries(this.executionEnvironment)) fn.addEnvironment(name, value);
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
