/**
 * The task tracker in the local runtime: the tracker function on the local bus, its real GitHub and
 * Jira adapters pointed at a local stand-in serving the endpoints it uses.
 */
import type { FirebreakConfig } from '../core/config.ts';
import { TRACKER_PATTERN } from '../core/events/subscriptions.ts';
import type { Repositories } from '../adapters/dynamodb/repositories.ts';
import { GitHubTracker } from '../adapters/trackers/github.ts';
import { JiraTracker } from '../adapters/trackers/jira.ts';
import type { SlackChannelPort } from '../workflow/ports/slack.ts';
import type { LocalEventBus } from './event-bus.ts';
import { LOCAL_TRACKER, TrackerStandIn } from './tracker-stand-in.ts';

export async function wireLocalTracker(options: {
  readonly bus: LocalEventBus;
  readonly config: FirebreakConfig;
  readonly repositories: Pick<Repositories, 'deployments' | 'workItems'>;
  readonly poster: SlackChannelPort;
  readonly now: () => Date;
  readonly createTrackerHandler: typeof import('../tracker/handler.ts').createTrackerHandler;
}): Promise<TrackerStandIn> {
  const { config } = options;
  const trackers = await TrackerStandIn.start();
  const { github, jira } = config.tracker;
  const handler = options.createTrackerHandler(async () => ({
    deployments: options.repositories.deployments,
    closures: options.repositories.workItems,
    trackers: {
      ...(github ? { github: new GitHubTracker({ apiUrl: trackers.url, token: async () => LOCAL_TRACKER.githubToken }) } : {}),
      ...(jira
        ? {
            jira: new JiraTracker({
              baseUrl: trackers.url,
              transition: jira.transition,
              credentials: async () => LOCAL_TRACKER.jira,
            }),
          }
        : {}),
    },
    slack: options.poster,
    now: options.now,
  }));
  options.bus.addRule('firebreak', 'Tracker', TRACKER_PATTERN, (event, context) => handler(event as never, context));
  return trackers;
}
