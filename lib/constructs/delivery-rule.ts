import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type EventPattern } from '../../functions/core/events/bus.ts';

export interface DeliveryRuleProps {
  /** Undefined means the account's default bus, where AWS services publish. */
  readonly bus?: events.IEventBus;
  readonly description: string;
  /** A shared pattern from functions/core, so the local bus applies exactly the same one. */
  readonly pattern: EventPattern;
  readonly target: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
}

/**
 * An EventBridge rule delivering to a Firebreak function, with the house delivery settings: an
 * explicit retry policy, then the dead-letter queue. CDK renders unknown pattern keys verbatim (it
 * only renames detailType), so the pattern reaches CloudFormation exactly as written.
 */
export function deliveryRule(scope: Construct, id: string, props: DeliveryRuleProps): events.Rule {
  const rule = new events.Rule(scope, id, {
    ...(props.bus ? { eventBus: props.bus } : {}),
    description: props.description.slice(0, 512),
    eventPattern: props.pattern as events.EventPattern,
  });
  rule.addTarget(
    new targets.LambdaFunction(props.target, {
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 4,
      maxEventAge: props.maxEventAge ?? Duration.hours(2),
    }),
  );
  return rule;
}
