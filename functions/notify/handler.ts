import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { SlackPoster } from '../adapters/slack-poster.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { deployedSlackSecret } from '../adapters/deployed/slack.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../adapters/environment.ts';
import { slackCallMetrics } from '../adapters/lambda/slack-metrics.ts';
import { logger, metrics, traced } from '../adapters/lambda/observability.ts';
import { S3PostmortemArchive } from '../adapters/postmortem-archive.ts';
import { DeploymentRepository } from '../adapters/dynamodb/deployments.ts';
import { SlackStateRepository } from '../adapters/dynamodb/slack-state.ts';
import { IncidentChannelRepository } from '../adapters/dynamodb/incident-channels.ts';
import { SlackConversations } from '../adapters/slack-conversations.ts';
import { DynamoChannelSlots } from '../adapters/dynamodb/channel-slots.ts';
import { deployedWorkflow, deployedWorkflowDependencies } from '../compose/workflow.ts';
import { notify, type NotifyDependencies } from '../workflow/notify-slack.ts';
import { skippingArchivedUpdates } from '../workflow/incident-channel.ts';

/** Any Firebreak announcement: notify dispatches on the detail-type and parses the detail by its contract. */
const AnnouncementSchema = z.object({ 'detail-type': z.string(), detail: z.record(z.string(), z.unknown()) });

/** Renders incidents and mitigation requests into Slack; see workflow/notify-slack.ts. */
export function createNotifyHandler(dependencies: () => Promise<NotifyDependencies>) {
  return houseHandler({
    schema: AnnouncementSchema,
    handle: async (event) => {
      const outcome = await notify(event, await dependencies());
      metrics.addMetric(`notify_${outcome.action.replace(/\W+/g, '_')}`, MetricUnit.Count, 1);
      logger.info('notified', { detailType: event['detail-type'], ...outcome });
      return outcome;
    },
  });
}

let deployed: Promise<NotifyDependencies> | undefined;
async function deployedNotify(): Promise<NotifyDependencies> {
  const deps = deployedWorkflowDependencies();
  const secret = await deployedSlackSecret();
  // Posts and updates to a channel are spaced across every concurrent notify instance (one slot item per channel).
  const slack = new SlackPoster({
    token: secret.botToken,
    sharedSlots: new DynamoChannelSlots(deployedTable()),
    observer: slackCallMetrics(),
  });
  return {
    incidents: deps.incidents,
    mitigations: deps.mitigations,
    holds: deps.holds,
    silences: deps.silences,
    deployments: new DeploymentRepository(deployedTable()),
    slackState: new SlackStateRepository(deployedTable()),
    workflow: deployedWorkflow(),
    scheduler: deps.scheduler,
    now: deps.now,
    slack: deps.config.incidentChannels.enabled ? skippingArchivedUpdates(slack) : slack,
    postmortems: {
      sources: {
        incidents: deps.incidents,
        mitigations: deps.mitigations,
        deployments: new DeploymentRepository(deployedTable()),
      },
      files: slack,
      archive: new S3PostmortemArchive(traced(new S3Client({})), requireEnv('POSTMORTEM_BUCKET')),
      config: deps.config,
    },
    updateIntervalSeconds: 5,
    deploymentsChannel: deps.config.slack.channels.deployments,
    ...(deps.config.incidentChannels.enabled
      ? {
          incidentChannels: {
            config: deps.config.incidentChannels,
            channels: new IncidentChannelRepository(deployedTable()),
            conversations: new SlackConversations(slack.client),
          },
        }
      : {}),
  };
}
export const handler = createNotifyHandler(() => (deployed ??= deployedNotify()));
