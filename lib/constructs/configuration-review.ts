import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { REVIEW_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import type { Foundation } from './foundation.ts';
import type { IncidentWorkflow } from './incident-workflow.ts';
import type { ConfigurationReviewPolicy } from './maintenance-windows.ts';

export interface ConfigurationReviewProps {
  /** The validated configuration: `review.schedule`, `review.timezone`, the channel, baked into the bundle. */
  readonly config: FirebreakConfig;
  readonly foundation: Foundation;
  /** Its schedule group holds the review's schedule too. */
  readonly workflow: IncidentWorkflow;
  /** The read-only permissions the review takes (the same policy `firebreak review` is run with). */
  readonly readPolicy: ConfigurationReviewPolicy;
}

/** The schedule's name in the Firebreak group. */
const REVIEW_SCHEDULE_NAME = 'configuration-review';

/**
 * The CTO's scheduled configuration review: the `review` function, invoked by a recurring
 * EventBridge Scheduler schedule (`review.schedule` in `review.timezone`, weekly by default) with the
 * run's scheduled time, so a retried run records one review; and the rule that brings it its own
 * events (`Configuration Review Recorded` / `Acknowledged`) to post and update the Slack message.
 * The function reads the account through the read-only review policy only.
 */
export class ConfigurationReview extends Construct {
  readonly reviewFunction: FirebreakFunction;
  readonly schedule: scheduler.CfnSchedule;
  /** Assumed by EventBridge Scheduler to invoke the review function (and dead-letter what it could not). */
  readonly scheduleRole: iam.Role;
  readonly eventsRule: events.Rule;

  constructor(scope: Construct, id: string, props: ConfigurationReviewProps) {
    super(scope, id);
    const { foundation, config, workflow } = props;
    const stack = Stack.of(this);
    this.reviewFunction = new FirebreakFunction(this, 'Review', {
      entry: 'functions/review/handler.ts',
      serviceName: 'firebreak-review',
      description: 'Firebreak review: the CTO\u2019s scheduled configuration review, posted to Slack with its Reviewed button',
      settings: config,
      // Paging through a large account's EC2, SSM, Config and IAM lists, and Slack's Retry-After waits.
      timeout: Duration.minutes(5),
      memorySize: 512,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      deadLetterQueue: foundation.deadLetterQueue,
    });
    foundation.grantReadWriteData(this.reviewFunction);
    foundation.grantSlackSecret(this.reviewFunction);
    this.reviewFunction.executionRole.addManagedPolicy(props.readPolicy.policy);

    const scheduleArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${workflow.scheduleGroupName}/${REVIEW_SCHEDULE_NAME}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: 'Assumed by EventBridge Scheduler to invoke the Firebreak configuration review on its schedule',
      // Confused-deputy guard: only this account's review schedule may use the role.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': scheduleArn } },
      }),
    });
    this.scheduleRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.reviewFunction.functionArn] }),
    );
    this.scheduleRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [foundation.deadLetterQueue.queueArn] }),
    );

    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      name: REVIEW_SCHEDULE_NAME,
      groupName: workflow.scheduleGroupName,
      description: 'Firebreak: the CTO\u2019s configuration review of the production fleet',
      scheduleExpression: config.review.schedule,
      scheduleExpressionTimezone: config.review.timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.reviewFunction.functionArn,
        roleArn: this.scheduleRole.roleArn,
        // The run's own time: the review id comes from it, so a retried invocation records nothing twice.
        input: JSON.stringify({ kind: 'configuration-review', scheduledAt: '<aws.scheduler.scheduled-time>' }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 6 * 3600 },
        deadLetterConfig: { arn: foundation.deadLetterQueue.queueArn },
      },
    });
    this.schedule.node.addDependency(workflow.scheduleGroup);

    this.eventsRule = deliveryRule(this, 'EventsRule', {
      bus: foundation.bus,
      description: 'Firebreak review: recorded and acknowledged configuration reviews to post and update in Slack',
      pattern: REVIEW_PATTERN,
      target: this.reviewFunction,
      deadLetterQueue: foundation.deadLetterQueue,
    });
  }
}
