import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { deploymentRules } from '../../functions/core/deployments/deployment-sources.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import type { Foundation } from './foundation.ts';
import type { IncidentWorkflow } from './incident-workflow.ts';

export interface DeploymentTrackingProps {
  /** The validated configuration, baked into the deployments bundle (environments, channels, roster). */
  readonly config: FirebreakConfig;
  /**
   * The table and key, the firebreak bus (the custom `Deployment` rule listens on it, the function
   * emits incident events on it), the shared DLQ and the Slack secret (the function posts deployment
   * notices itself).
   */
  readonly foundation: Foundation;
  /** The workflow: the function builds it, so it gets the scheduler settings (but never schedules). */
  readonly workflow: IncidentWorkflow;
  /** Retries of the EventBridge -> deployments delivery (throttling, service errors). */
  readonly targetRetryAttempts?: number;
  /** How long EventBridge keeps retrying a delivery before it dead-letters the event. */
  readonly targetMaxEventAge?: Duration;
  /** Lambda's own async retries when the handler throws (e.g. an event it cannot parse). */
  readonly functionRetryAttempts?: number;
}

/**
 * Deployment tracking: the `deployments` function and one EventBridge rule per deployment source
 * (`deploymentRules()`): CodePipeline, CodeDeploy, ECS and CloudFormation on the account's default
 * bus, and the custom `Deployment` event (`source: "firebreak.deploy"`, what `firebreak
 * deploy-notice` publishes) on the firebreak bus. The function records each deployment, posts the
 * notice to Slack, puts a failed service on a release hold and opens the release incident.
 *
 * Deliveries are retried and dead-lettered like ingest's (same DLQ). The function can read and
 * write the table, use its key, read the Slack secret and put events on the firebreak bus; nothing
 * else (it reads the roster through the workflow but never requests a mitigation, so it cannot schedule).
 */
export class DeploymentTracking extends Construct {
  readonly deploymentsFunction: FirebreakFunction;
  /** The rules by `IngestRule.id` from `deploymentRules()` (the same ids the local bus uses). */
  readonly rules: ReadonlyMap<string, events.Rule>;

  constructor(scope: Construct, id: string, props: DeploymentTrackingProps) {
    super(scope, id);
    const { foundation } = props;

    this.deploymentsFunction = new FirebreakFunction(this, 'Deployments', {
      entry: 'functions/deployments/handler.ts',
      serviceName: 'firebreak-deployments',
      description: 'Firebreak deployments: record deployments, post notices, put failed services on a release hold',
      settings: props.config,
      // Room for Slack's 429 Retry-After waits, as notify.
      timeout: Duration.seconds(60),
      // A thrown error is retried by Lambda's async invoke config, then lands in the shared DLQ.
      retryAttempts: props.functionRetryAttempts ?? 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: foundation.deadLetterQueue,
    });
    foundation.grantReadWriteData(this.deploymentsFunction);
    foundation.grantSlackSecret(this.deploymentsFunction);
    props.workflow.addSchedulingEnvironment(this.deploymentsFunction);

    const rules = new Map<string, events.Rule>();
    for (const deployment of deploymentRules()) {
      const rule = deliveryRule(this, `${deployment.id}Rule`, {
        bus: deployment.bus === 'firebreak' ? foundation.bus : undefined,
        description: `Firebreak deployments: ${deployment.description}`,
        pattern: deployment.pattern,
        target: this.deploymentsFunction,
        deadLetterQueue: foundation.deadLetterQueue,
        retryAttempts: props.targetRetryAttempts,
        maxEventAge: props.targetMaxEventAge,
      });
      rules.set(deployment.id, rule);
    }
    this.rules = rules;
  }
}
