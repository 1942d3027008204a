import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../core/zod.ts';
import { WorkItemsDelivered } from '../core/events/work-items-delivered.ts';
import { SlackPoster } from '../adapters/slack-poster.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedConfig } from '../adapters/deployed/config.ts';
import { deployedSlackSecret } from '../adapters/deployed/slack.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import { DeploymentRepository } from '../adapters/dynamodb/deployments.ts';
import { WorkItemRepository } from '../adapters/dynamodb/work-items.ts';
import { GitHubTracker } from '../adapters/trackers/github.ts';
import { JiraTracker } from '../adapters/trackers/jira.ts';
import { loadGitHubToken, loadJiraCredentials } from '../adapters/trackers/tracker-secrets.ts';
import { closeWorkItems, type CloseWorkItemsDependencies } from '../workflow/close-work-items.ts';

const TrackerEvent = z.object({ 'detail-type': z.literal(WorkItemsDelivered.detailType), detail: WorkItemsDelivered.schema });

/** On `Work Items Delivered`: closes them in GitHub and Jira and reports each in the notice's thread. */
export function createTrackerHandler(dependencies: () => Promise<CloseWorkItemsDependencies>) {
  return houseHandler({
    schema: TrackerEvent,
    handle: async (event) => {
      const outcome = await closeWorkItems(event.detail, await dependencies());
      metrics.addMetric('work_items_closed', MetricUnit.Count, outcome.closed);
      metrics.addMetric('work_items_failed', MetricUnit.Count, outcome.failed);
      // Work item references and ids only: never tracker answers, which may quote issue titles.
      logger.info('work items closed', { ...outcome });
      return outcome;
    },
  });
}

let deployed: Promise<CloseWorkItemsDependencies> | undefined;
async function deployedTracker(): Promise<CloseWorkItemsDependencies> {
  const { tracker } = deployedConfig();
  const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
  const slack = await deployedSlackSecret();
  return {
    deployments: new DeploymentRepository(deployedTable()),
    closures: new WorkItemRepository(deployedTable()),
    trackers: {
      ...(tracker.github
        ? {
            github: new GitHubTracker({
              apiUrl: tracker.github.apiUrl,
              token: () => loadGitHubToken(secrets, tracker.github!.tokenSecret),
            }),
          }
        : {}),
      ...(tracker.jira
        ? {
            jira: new JiraTracker({
              baseUrl: tracker.jira.baseUrl,
              transition: tracker.jira.transition,
              credentials: () => loadJiraCredentials(secrets, tracker.jira!.tokenSecret),
            }),
          }
        : {}),
    },
    slack: new SlackPoster({ token: slack.botToken }),
    now: () => new Date(),
  };
}
export const handler = createTrackerHandler(() => (deployed ??= deployedTracker()));
