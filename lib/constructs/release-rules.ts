import { Arn, ArnFormat, Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { FREEZE_PATTERN, TRACKER_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import type { Foundation } from './foundation.ts';

export interface ReleaseRulesProps {
  /** The validated configuration, baked into the bundles (`deployFreeze`, `tracker`, `policy`, channels). */
  readonly config: FirebreakConfig;
  /** The table and key, the firebreak bus (both rules listen on it), the shared DLQ and the Slack secret. */
  readonly foundation: Foundation;
}

/**
 * The release rules of the practice that run as their own steps on the firebreak bus:
 *
 * - `freeze`, on every incident announcement: the deploy freeze of the incident's scope follows the
 *   incident (table and key only; its announcements go through the outbox).
 * - `tracker`, on `Work Items Delivered`, only when a GitHub or Jira tracker is configured: closes
 *   the work items and reports in the notice's thread (table and key, the Slack secret, and read
 *   access to the tracker secrets named in the configuration; nothing else).
 */
export class ReleaseRules extends Construct {
  readonly freezeFunction: FirebreakFunction;
  readonly freezeRule: events.Rule;
  readonly trackerFunction?: FirebreakFunction;
  readonly trackerRule?: events.Rule;

  constructor(scope: Construct, id: string, props: ReleaseRulesProps) {
    super(scope, id);
    const { foundation, config } = props;
    const common = {
      settings: config,
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: foundation.deadLetterQueue,
    };

    this.freezeFunction = new FirebreakFunction(this, 'Freeze', {
      ...common,
      entry: 'functions/freeze/handler.ts',
      serviceName: 'firebreak-freeze',
      description: 'Firebreak freeze: the deploy freeze follows incidents at or above its severity',
      timeout: Duration.seconds(30),
    });
    foundation.grantReadWriteData(this.freezeFunction);
    this.freezeRule = deliveryRule(this, 'FreezeRule', {
      bus: foundation.bus,
      description: 'Firebreak: incident announcements to the deploy freeze',
      pattern: FREEZE_PATTERN,
      target: this.freezeFunction,
      deadLetterQueue: foundation.deadLetterQueue,
    });

    const { github, jira } = config.tracker;
    if (!github && !jira) return;
    this.trackerFunction = new FirebreakFunction(this, 'Tracker', {
      ...common,
      entry: 'functions/tracker/handler.ts',
      serviceName: 'firebreak-tracker',
      description: 'Firebreak tracker: close the GitHub and Jira work items of successful deployments',
      // Three tracker calls of at most 10 s per work item, and Slack's Retry-After waits.
      timeout: Duration.seconds(300),
    });
    foundation.grantReadWriteData(this.trackerFunction);
    foundation.grantSlackSecret(this.trackerFunction);
    for (const [name, secretId] of [
      ['GitHubToken', github?.tokenSecret],
      ['JiraToken', jira?.tokenSecret],
    ] as const) {
      if (secretId) trackerSecret(this, name, secretId).grantRead(this.trackerFunction);
    }
    this.trackerRule = deliveryRule(this, 'TrackerRule', {
      bus: foundation.bus,
      description: 'Firebreak: work items of successful deployments to the tracker',
      pattern: TRACKER_PATTERN,
      target: this.trackerFunction,
      deadLetterQueue: foundation.deadLetterQueue,
    });
  }
}

/** A secret by complete ARN, or by name (the grant then covers `<name>-??????`, Secrets Manager's suffix). */
function trackerSecret(scope: Construct, id: string, secretId: string): secretsmanager.ISecret {
  if (!secretId.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, id, secretId);
  const { resourceName } = Arn.split(secretId, ArnFormat.COLON_RESOURCE_NAME);
  return /-[A-Za-z0-9]{6}$/.test(resourceName ?? '')
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, secretId)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, secretId);
}
