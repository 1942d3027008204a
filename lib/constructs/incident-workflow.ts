import { ArnFormat, CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { NOTIFY_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';

/** The EventBridge Scheduler group that holds Firebreak's one-time schedules. */
export const SCHEDULE_GROUP_NAME = 'firebreak';

export interface IncidentWorkflowProps {
  /** The validated configuration, baked into the notify and escalate bundles. */
  readonly config: FirebreakConfig;
  readonly table: dynamodb.ITable;
  /** The store's key: encrypts the table and the Slack secret. */
  readonly key: kms.IKey;
  /** The firebreak bus: notify listens on it, every function emits on it. */
  readonly bus: events.IEventBus;
  /** Where failed deliveries end up (the ingestion DLQ: one place to look and redrive). */
  readonly deadLetterQueue: sqs.IQueue;
  /** The `firebreak/slack` secret (bot token). */
  readonly slackSecret: secretsmanager.ISecret;
  /** The slack function: it creates and deletes schedules too (escalation, expiry), so it gets the scheduling grants. */
  readonly slackFunction: FirebreakFunction;
  /** Name of the schedule group; only tests should change it. */
  readonly scheduleGroupName?: string;
  /** Prefix of the notify and escalate function names (`<prefix>-notify`); defaults to the stack name. */
  readonly functionNamePrefix?: string;
  /** Retries of the EventBridge -> notify delivery. */
  readonly targetRetryAttempts?: number;
  /** How long EventBridge keeps retrying a delivery to notify before it dead-letters the event. */
  readonly targetMaxEventAge?: Duration;
}

/**
 * The approval workflow around Slack: `notify` (posts and updates incident and approval messages,
 * on the firebreak bus), `escalate` (fired by a one-time EventBridge Scheduler schedule when the
 * CTO stays silent), the schedule group those schedules live in and the role Scheduler uses to
 * invoke the two functions.
 *
 * Every function gets only what it needs: the table and its key, the Slack secret (read), PutEvents
 * on the firebreak bus; creating and deleting schedules only in the Firebreak group, and passing
 * only the scheduler role, only to Scheduler, for the functions that schedule (slack and notify).
 */
export class IncidentWorkflow extends Construct {
  readonly notifyFunction: FirebreakFunction;
  readonly escalateFunction: FirebreakFunction;
  /** The rule on the firebreak bus that feeds notify. */
  readonly notifyRule: events.Rule;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** The group's name as a plain string (`firebreak`), for schedule ARNs and the environment. */
  readonly scheduleGroupName: string;
  /** The role EventBridge Scheduler assumes to invoke escalate and notify. */
  readonly schedulerRole: iam.Role;
  /** ARN pattern of every schedule in the group (`arn:…:schedule/firebreak/*`). */
  readonly scheduleArns: string;
  /** Environment variables that tell a function how to create schedules (see `grantScheduling`). */
  readonly schedulingEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: IncidentWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupName = props.scheduleGroupName ?? SCHEDULE_GROUP_NAME;
    this.scheduleGroupName = groupName;

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: groupName,
      // Pending escalations mean nothing without the stack; a retained group would block the next deploy.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.scheduleArns = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${groupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description:
        'Assumed by EventBridge Scheduler to invoke the Firebreak escalate and notify functions from one-time schedules',
      // Confused-deputy guard: only schedules of this account's Firebreak group may use the role.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': this.scheduleGroup.scheduleGroupArn,
          },
        },
      }),
    });

    // notify and escalate need their own ARN (a schedule that calls the function back, e.g. an
    // "Incident Refresh" after a coalescing window). A function cannot reference its own
    // Fn::GetAtt Arn (CloudFormation rejects the circular dependency, and Lazy only defers the
    // same token), so both get a fixed name, `<stack name>-notify`, and every ARN in the
    // environment is built from that name, without a reference to the function resource.
    const prefix = props.functionNamePrefix ?? stack.stackName;
    const functionArn = (name: string) =>
      stack.formatArn({ service: 'lambda', resource: 'function', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const notifyName = `${prefix}-notify`;
    const escalateName = `${prefix}-escalate`;

    this.schedulingEnvironment = {
      SCHEDULE_GROUP: groupName,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      ESCALATE_FUNCTION_ARN: functionArn(escalateName),
      NOTIFY_FUNCTION_ARN: functionArn(notifyName),
      // For the schedule's own DeadLetterConfig: a target Scheduler could not invoke lands here.
      SCHEDULE_DEAD_LETTER_ARN: props.deadLetterQueue.queueArn,
    };
    const environment = {
      TABLE_NAME: props.table.tableName,
      EVENT_BUS_NAME: props.bus.eventBusName,
      SLACK_SECRET_ARN: props.slackSecret.secretArn,
      ...this.schedulingEnvironment,
    };

    this.notifyFunction = new FirebreakFunction(this, 'Notify', {
      entry: 'functions/notify/handler.ts',
      serviceName: 'firebreak-notify',
      description: 'Firebreak notify: post and update incident and approval messages in Slack',
      settings: props.config,
      environment,
      // Room for Slack's 429 Retry-After waits while it coalesces updates.
      timeout: Duration.seconds(60),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: props.deadLetterQueue,
    });
    this.escalateFunction = new FirebreakFunction(this, 'Escalate', {
      entry: 'functions/escalate/handler.ts',
      serviceName: 'firebreak-escalate',
      description: 'Firebreak escalate: when the CTO stays silent, ask the senior engineers and record the escalation',
      settings: props.config,
      environment,
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: props.deadLetterQueue,
    });
    setFunctionName(this.notifyFunction, notifyName);
    setFunctionName(this.escalateFunction, escalateName);

    for (const fn of [this.notifyFunction, this.escalateFunction]) {
      grantIncidentStore(fn, props.table, props.key);
      props.bus.grantPutEventsTo(fn);
      props.slackSecret.grantRead(fn);
    }

    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.escalateFunction.functionArn, this.notifyFunction.functionArn],
      }),
    );
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }),
    );

    // Who schedules: notify (escalation timers for proposed mitigations, coalesced refreshes) and
    // slack (`/firebreak mitigate`, cancelling the timer when the CTO decides). Escalate only acts.
    this.grantScheduling(this.notifyFunction);
    this.grantScheduling(props.slackFunction);
    for (const [name, value] of Object.entries(this.schedulingEnvironment)) props.slackFunction.addEnvironment(name, value);

    this.notifyRule = deliveryRule(this, 'NotifyRule', {
      bus: props.bus,
      description: 'Firebreak notify: incident and mitigation events to render in Slack',
      pattern: NOTIFY_PATTERN,
      target: this.notifyFunction,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.targetRetryAttempts,
      maxEventAge: props.targetMaxEventAge,
    });
  }

  /**
   * Lets `fn` create and delete one-time schedules in the Firebreak group (and nowhere else), and
   * pass the scheduler role, only to EventBridge Scheduler.
   */
  grantScheduling(fn: FirebreakFunction): void {
    const role = fn.executionRole;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [this.scheduleArns],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(role).acknowledge({
      // cdk-nag names the resource with the pseudo parameters written as <AWS::Region>.
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroupName}/*]`,
      reason:
        'Schedules are created at run time, one per pending escalation or refresh, with names not known at deploy time; the wildcard is confined to the Firebreak schedule group.',
    });
  }
}

/**
 * Read/write on the table and encrypt/decrypt with its key, with the cdk-nag acknowledgements that
 * grant brings (the same ones the ingest role carries, for the same reasons).
 */
export function grantIncidentStore(fn: FirebreakFunction, table: dynamodb.ITable, key: kms.IKey): void {
  table.grantReadWriteData(fn);
  // Also implied by the table grant when the table carries its key; explicit so an imported table works too.
  key.grantEncryptDecrypt(fn);
  const role = fn.executionRole;
  const kmsReasons: Record<string, string> = {
    'kms:GenerateDataKey*': "DynamoDB and Secrets Manager ask the key for data keys on the caller's behalf",
    'kms:ReEncrypt*': 'part of the encrypt/decrypt grant on the store key',
  };
  for (const [action, why] of Object.entries(kmsReasons)) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `From the table and key grants: ${action} is scoped to the one customer key that encrypts the table and the Slack secret, not to all keys (${why}).`,
    });
  }
  const tableResource = table.node.defaultChild;
  if (tableResource instanceof CfnElement) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(tableResource).getLogicalId(tableResource)}.Arn>/index/*]`,
      reason:
        "From the table grant: the table's own indexes (<table arn>/index/*), used to list incidents by status; no other table is reachable.",
    });
  }
}

/** A physical function name, so the function's ARN can be known without referencing the function. */
function setFunctionName(fn: FirebreakFunction, name: string): void {
  (fn.node.defaultChild as lambda.CfnFunction).functionName = name;
}
