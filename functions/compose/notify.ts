import type { FirebreakConfig } from '../core/config.ts';
import { DynamoChannelSlots } from '../adapters/dynamodb/channel-slots.ts';
import { DeploymentRepository } from '../adapters/dynamodb/deployments.ts';
import { IncidentChannelRepository } from '../adapters/dynamodb/incident-channels.ts';
import type { IncidentRepository } from '../adapters/dynamodb/incidents.ts';
import type { MitigationRepository } from '../adapters/dynamodb/mitigations.ts';
import { SlackStateRepository } from '../adapters/dynamodb/slack-state.ts';
import type { Table } from '../adapters/dynamodb/table.ts';
import { SlackConversations } from '../adapters/slack-conversations.ts';
import { SlackPoster, type SlackPosterOptions } from '../adapters/slack-poster.ts';
import type { PostmortemArchivePort } from '../workflow/ports/postmortem.ts';
import { skippingArchivedUpdates } from '../workflow/incident-channel.ts';
import type { NotifyDependencies } from '../workflow/notify-slack.ts';
import type { Workflow } from '../workflow/workflow.ts';

/** What one notify instance is built from: the deployed function's, or one of the bench's concurrent instances'. */
export interface NotifyWiring extends Pick<NotifyDependencies, 'holds' | 'silences' | 'scheduler' | 'now'> {
  readonly table: Table;
  readonly config: FirebreakConfig;
  readonly incidents: IncidentRepository;
  readonly mitigations: MitigationRepository;
  readonly workflow: Workflow;
  /** The Web API client's settings (token, observer; locally the stand-in's URL); the shared slots are added here. */
  readonly slack: Omit<SlackPosterOptions, 'sharedSlots'>;
  readonly archive: PostmortemArchivePort;
  /**
   * Only the bench's self-check turns the shared slots off, to show that its measurement sees the
   * burst they prevent; deployed notify always shares them.
   */
  readonly sharedSlots?: false;
}

/**
 * Notify's dependencies over one table. Posts and updates to a channel are spaced across every
 * concurrent notify instance: the poster reserves a slot in the channel's item (DynamoChannelSlots)
 * before each call, whatever instance makes it.
 */
export function notifyDependencies(wiring: NotifyWiring): NotifyDependencies {
  const { table, config } = wiring;
  const slack = new SlackPoster({
    ...wiring.slack,
    ...(wiring.sharedSlots === false ? {} : { sharedSlots: new DynamoChannelSlots(table) }),
  });
  const deployments = new DeploymentRepository(table);
  return {
    incidents: wiring.incidents,
    mitigations: wiring.mitigations,
    holds: wiring.holds,
    ...(wiring.silences ? { silences: wiring.silences } : {}),
    deployments,
    slackState: new SlackStateRepository(table),
    workflow: wiring.workflow,
    scheduler: wiring.scheduler,
    now: wiring.now,
    slack: config.incidentChannels.enabled ? skippingArchivedUpdates(slack) : slack,
    postmortems: {
      sources: { incidents: wiring.incidents, mitigations: wiring.mitigations, deployments },
      files: slack,
      archive: wiring.archive,
      config,
    },
    updateIntervalSeconds: 5,
    deploymentsChannel: config.slack.channels.deployments,
    ...(config.incidentChannels.enabled
      ? {
          incidentChannels: {
            config: config.incidentChannels,
            channels: new IncidentChannelRepository(table),
            conversations: new SlackConversations(slack.client),
          },
        }
      : {}),
  };
}
