import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { assertEventSize } from '../core/signals/normalize.ts';
import { EventEnvelopeSchema } from '../core/signals/signal.ts';
import { SlackPoster } from '../adapters/slack-poster.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { slackCallMetrics } from '../adapters/lambda/slack-metrics.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedSlackSecret } from '../adapters/deployed/slack.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import { DeploymentRepository } from '../adapters/dynamodb/deployments.ts';
import { deployedWorkflow, deployedWorkflowDependencies } from '../compose/workflow.ts';
import { recordDeployment, type DeploymentDependencies } from '../workflow/record-deployment.ts';

/** Deployment events from CodePipeline, CodeDeploy, ECS, CloudFormation and `firebreak deploy-notice`. */
export function createDeploymentsHandler(dependencies: () => Promise<DeploymentDependencies>) {
  return houseHandler({
    schema: EventEnvelopeSchema,
    precheck: assertEventSize,
    handle: async (event) => {
      const outcome = await recordDeployment(event, await dependencies());
      metrics.addMetric(`deployment_${outcome.status}_${outcome.change}`, MetricUnit.Count, 1);
      // Commit messages and actors are free text: log ids and the decision only.
      logger.info('deployment recorded', { eventId: event.id, source: event.source, ...outcome });
      return outcome;
    },
  });
}

let deployed: Promise<DeploymentDependencies> | undefined;
async function deployedDeployments(): Promise<DeploymentDependencies> {
  const { incidents, holds, config, now } = deployedWorkflowDependencies();
  const secret = await deployedSlackSecret();
  return {
    incidents,
    holds,
    deployments: new DeploymentRepository(deployedTable()),
    config,
    now,
    workflow: deployedWorkflow(),
    slack: new SlackPoster({ token: secret.botToken, observer: slackCallMetrics() }),
  };
}
export const handler = createDeploymentsHandler(() => (deployed ??= deployedDeployments()));
