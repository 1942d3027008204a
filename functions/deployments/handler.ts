import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { assertEventSize, invalidEventFromIssues } from '../core/signals/normalize.ts';
import { EventEnvelopeSchema, InvalidEventError, type EventEnvelope } from '../core/signals/signal.ts';
import { requireEnv } from '../adapters/runtime-config.ts';
import { loadSlackSecret } from '../adapters/slack-secret.ts';
import { SlackPoster } from '../adapters/slack-poster.ts';
import { deployedWorkflow } from '../workflow/environment.ts';
import { recordDeployment, type DeploymentDependencies } from './deployments.ts';

const logger = new Logger();
const metrics = new Metrics({ logger });

type ParsedEvent =
  { success: true; data: EventEnvelope } | { success: false; error: Error & { cause?: unknown }; originalEvent: unknown };

/** Deployment events from CodePipeline, CodeDeploy, ECS, CloudFormation and `firebreak deploy-notice`. */
export function createDeploymentsHandler(dependencies: () => Promise<DeploymentDependencies>) {
  return middy(async (event: ParsedEvent) => {
    if (!event.success) {
      // Thrown, so the event is retried and then dead-lettered with the reason in the log.
      assertEventSize(event.originalEvent);
      throw invalidEventFromIssues((event.error.cause as Parameters<typeof invalidEventFromIssues>[0]) ?? []);
    }
    assertEventSize(event.data);
    const outcome = await recordDeployment(event.data, await dependencies());
    metrics.addMetric(`deployment_${outcome.status}_${outcome.change}`, MetricUnit.Count, 1);
    // Commit messages and actors are free text: log ids and the decision only.
    logger.info('deployment recorded', { eventId: event.data.id, source: event.data.source, ...outcome });
    return outcome;
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(parser({ schema: EventEnvelopeSchema, safeParse: true }))
    .onError(async (request) => {
      if (request.error instanceof InvalidEventError)
        logger.error('invalid deployment event, sent to the dead-letter queue after retries', {
          field: request.error.field,
          reason: request.error.reason,
        });
    });
}

let deployed: Promise<DeploymentDependencies> | undefined;
async function deployedDependencies(): Promise<DeploymentDependencies> {
  const { workflow, deps } = deployedWorkflow();
  const secret = await loadSlackSecret(requireEnv('SLACK_SECRET_ARN'));
  return {
    incidents: deps.incidents,
    holds: deps.holds,
    deployments: deps.deployments,
    publisher: deps.publisher,
    workflow,
    config: deps.config,
    now: deps.now,
    slack: new SlackPoster({ token: secret.botToken }),
  };
}
export const handler = createDeploymentsHandler(() => (deployed ??= deployedDependencies()));
