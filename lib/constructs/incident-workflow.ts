import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { NOTIFY_PATTERN, PROPOSE_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import type { Foundation } from './foundation.ts';

/** The EventBridge Scheduler group that holds Firebreak's one-time schedules. */
export const SCHEDULE_GROUP_NAME = 'firebreak';

export interface IncidentWorkflowProps {
  /** The validated configuration, baked into the notify and escalate bundles. */
  readonly config: FirebreakConfig;
  /** The table and key, the firebreak bus (notify listens on it, every function emits on it), the shared DLQ and the Slack secret. */
  readonly foundation: Foundation;
  /** The slack function: `/firebreak mitigate` creates escalation and expiry schedules too, so it gets the scheduling grants. */
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
 * on the firebreak bus), `propose` (turns the mitigations a new incident's classification proposed
 * into requests, whether or not Slack is up), `escalate` (escalate / expire: fired by a request's one-time EventBridge
 * Scheduler schedules when the CTO stays silent and when its approval window ends), the schedule group those schedules
 * live in and the role Scheduler uses to invoke the two functions.
 *
 * Every function gets only what its code uses: the table and its key (their events go through the
 * outbox); the Slack secret for notify (it posts), not for escalate (it only records and announces);
 * creating schedules only in the Firebreak group, and passing only the scheduler role, only to
 * Scheduler, for the functions that schedule (`grantScheduling`: slack, notify, and track in
 * FleetMitigation). Schedules delete themselves after running (`ActionAfterCompletion: DELETE`,
 * done by Scheduler), so no function may delete them.
 */
export class IncidentWorkflow extends Construct {
  readonly notifyFunction: FirebreakFunction;
  readonly escalateFunction: FirebreakFunction;
  readonly proposeFunction: FirebreakFunction;
  /** The rule on the firebreak bus that feeds notify. */
  readonly notifyRule: events.Rule;
  /** The rule on the firebreak bus that feeds propose (new incidents). */
  readonly proposeRule: events.Rule;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** The group's name as a plain string (`firebreak`), for schedule ARNs and the environment. */
  readonly scheduleGroupName: string;
  /** The role EventBridge Scheduler assumes to invoke escalate and notify. */
  readonly schedulerRole: iam.Role;
  /** ARN pattern of every schedule in the group (`arn:…:schedule/firebreak/*`). */
  readonly scheduleArns: string;
  /** Environment variables that tell a function how to create schedules (see `grantScheduling`, `addSchedulingEnvironment`). */
  readonly schedulingEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: IncidentWorkflowProps) {
    super(scope, id);
    const { foundation } = props;
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
      SCHEDULE_DEAD_LETTER_ARN: foundation.deadLetterQueue.queueArn,
    };

    this.notifyFunction = new FirebreakFunction(this, 'Notify', {
      entry: 'functions/notify/handler.ts',
      serviceName: 'firebreak-notify',
      description: 'Firebreak notify: post and update incident and approval messages in Slack',
      settings: props.config,
      // Room for Slack's 429 Retry-After waits while it coalesces updates.
      timeout: Duration.seconds(60),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: foundation.deadLetterQueue,
    });
    this.escalateFunction = new FirebreakFunction(this, 'Escalate', {
      entry: 'functions/escalate/handler.ts',
      serviceName: 'firebreak-escalate',
      description:
        'Firebreak escalate / expire: when the CTO stays silent, ask the senior engineers; when the approval window ends, expire the request',
      settings: props.config,
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: foundation.deadLetterQueue,
    });
    this.proposeFunction = new FirebreakFunction(this, 'Propose', {
      entry: 'functions/propose/handler.ts',
      serviceName: 'firebreak-propose',
      description: 'Firebreak propose: the mitigations a new incident calls for become approval requests',
      settings: props.config,
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: foundation.deadLetterQueue,
    });
    setFunctionName(this.notifyFunction, notifyName);
    setFunctionName(this.escalateFunction, escalateName);

    for (const fn of [this.notifyFunction, this.escalateFunction, this.proposeFunction]) {
      foundation.grantReadWriteData(fn);
    }
    // notify posts and updates the Slack messages; escalate only records the escalation and announces it.
    foundation.grantSlackSecret(this.notifyFunction);

    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.escalateFunction.functionArn, this.notifyFunction.functionArn],
      }),
    );
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [foundation.deadLetterQueue.queueArn] }),
    );

    // Who schedules: notify (coalesced refreshes), propose (escalation and expiry timers of the requests
    // it creates) and slack (`/firebreak mitigate`); track too, for the rollback it offers (FleetMitigation).
    this.grantScheduling(this.notifyFunction);
    this.grantScheduling(this.proposeFunction);
    this.grantScheduling(props.slackFunction);
    // escalate builds the workflow, whose scheduler reads these settings, but never requests a mitigation:
    // it only receives schedules (escalation, expiry), through the scheduler role above, and makes none.
    this.addSchedulingEnvironment(this.escalateFunction);

    this.notifyRule = deliveryRule(this, 'NotifyRule', {
      bus: foundation.bus,
      description: 'Firebreak notify: incident and mitigation events to render in Slack',
      pattern: NOTIFY_PATTERN,
      target: this.notifyFunction,
      deadLetterQueue: foundation.deadLetterQueue,
      retryAttempts: props.targetRetryAttempts,
      maxEventAge: props.targetMaxEventAge,
    });
    this.proposeRule = deliveryRule(this, 'ProposeRule', {
      bus: foundation.bus,
      description: 'Firebreak propose: new incidents whose classification proposed mitigations',
      pattern: PROPOSE_PATTERN,
      target: this.proposeFunction,
      deadLetterQueue: foundation.deadLetterQueue,
      retryAttempts: props.targetRetryAttempts,
      maxEventAge: props.targetMaxEventAge,
    });
  }

  /**
   * Lets `fn` create one-time schedules in the Firebreak group (and nowhere else), and pass the
   * scheduler role, only to EventBridge Scheduler; sets the scheduling environment.
   */
  grantScheduling(fn: FirebreakFunction): void {
    const role = fn.executionRole;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule'],
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
        'Schedules are created at run time, one per pending escalation, expiry or refresh, with names not known at deploy time; the wildcard is confined to the Firebreak schedule group.',
    });
    this.addSchedulingEnvironment(fn);
  }

  /**
   * Only the scheduling environment, no IAM: for functions whose code builds the workflow (and so
   * reads the scheduler settings) on paths that never create a schedule (escalate, deployments,
   * execute). The variables are identifiers, not credentials, set because the bundled code can read
   * them (test/cdk/function-environment.test.ts); a schedule such a function tried to create would
   * still be refused by IAM.
   */
  addSchedulingEnvironment(fn: FirebreakFunction): void {
    for (const [name, value] of Object.entries(this.schedulingEnvironment)) fn.addEnvironment(name, value);
  }
}

/** A physical function name, so the function's ARN can be known without referencing the function. */
function setFunctionName(fn: FirebreakFunction, name: string): void {
  (fn.node.defaultChild as lambda.CfnFunction).functionName = name;
}
