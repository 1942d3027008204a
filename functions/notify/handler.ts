import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../core/zod.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { deployedSlackSecret } from '../adapters/deployed/slack.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../adapters/environment.ts';
import { slackCallMetrics } from '../adapters/lambda/slack-metrics.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { S3PostmortemArchive } from '../adapters/postmortem-archive.ts';
import { notifyDependencies } from '../compose/notify.ts';
import { deployedWorkflow, deployedWorkflowDependencies } from '../compose/workflow.ts';
import { notify, type NotifyDependencies } from '../workflow/notify-slack.ts';

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
  const secret = await deployedSlackSecret();
  return notifyDependencies({
    ...deployedWorkflowDependencies(),
    table: deployedTable(),
    workflow: deployedWorkflow(),
    slack: { token: secret.botToken, observer: slackCallMetrics() },
    archive: new S3PostmortemArchive(new S3Client({}), requireEnv('POSTMORTEM_BUCKET')),
  });
}
export const handler = createNotifyHandler(() => (deployed ??= deployedNotify()));
