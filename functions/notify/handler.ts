import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { requireEnv } from '../adapters/runtime-config.ts';
import { loadSlackSecret } from '../adapters/slack-secret.ts';
import { SlackPoster } from '../adapters/slack-poster.ts';
import { deployedWorkflow } from '../workflow/environment.ts';
import { notify, NotifyEventSchema, type NotifyDependencies, type NotifyEvent } from './notify.ts';

const logger = new Logger();
const metrics = new Metrics({ logger });

/** Renders incidents and mitigation requests into Slack; see notify.ts. */
export function createNotifyHandler(dependencies: () => Promise<NotifyDependencies>) {
  return middy(async (event: NotifyEvent) => {
    const outcome = await notify(event, await dependencies());
    metrics.addMetric(`notify_${outcome.action.replace(/\W+/g, '_')}`, MetricUnit.Count, 1);
    logger.info('notified', { detailType: event['detail-type'], ...outcome });
    return outcome;
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(parser({ schema: NotifyEventSchema }));
}

let deployed: Promise<NotifyDependencies> | undefined;
async function deployedDependencies(): Promise<NotifyDependencies> {
  const { workflow, deps } = deployedWorkflow();
  const secret = await loadSlackSecret(requireEnv('SLACK_SECRET_ARN'));
  return {
    incidents: deps.incidents,
    mitigations: deps.mitigations,
    holds: deps.holds,
    deployments: deps.deployments,
    slackState: deps.slackState,
    workflow,
    scheduler: deps.scheduler,
    now: deps.now,
    slack: new SlackPoster({ token: secret.botToken }),
    updateIntervalSeconds: 5,
    deploymentsChannel: deps.config.slack.channels.deployments,
  };
}
export const handler = createNotifyHandler(() => (deployed ??= deployedDependencies()));
