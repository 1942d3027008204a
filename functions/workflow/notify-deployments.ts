/**
 * What notify posts to #deployments: a release hold lifted, a deploy freeze on or lifted, a release approved during one,
 * a pipeline's change attached to its deployment.
 */
import { freezeLiftedMessage, freezeOnMessage, freezeReleaseApprovedMessage } from '../core/deployments/freeze-approval.ts';
import { releaseLiftedMessage } from '../core/deployments/messages.ts';
import { attachedChangeText } from '../core/deployments/attached-change.ts';
import { DeploymentChangeAttached } from '../core/events/deployment-change-attached.ts';
import { DeployFreezeLifted } from '../core/events/deploy-freeze-lifted.ts';
import { DeployFreezeStarted } from '../core/events/deploy-freeze-started.ts';
import { FreezeReleaseApproved } from '../core/events/freeze-release-approved.ts';
import { ReleaseHoldLifted } from '../core/events/release-hold-lifted.ts';
import type { NotifyDependencies, NotifyEvent, NotifyOutcome } from './notify-slack.ts';

/** The announcement for `event` in #deployments, or undefined when it is not one of these. */
export async function announceInDeployments(event: NotifyEvent, deps: NotifyDependencies): Promise<NotifyOutcome | undefined> {
  switch (event['detail-type']) {
    case ReleaseHoldLifted.detailType: {
      const { service } = ReleaseHoldLifted.parse(event.detail);
      const hold = await deps.holds.getHold(service);
      if (!hold || hold.held) return { action: 'hold not lifted', incidentId: hold?.incidentId ?? '' };
      await deps.slack.post(deps.deploymentsChannel, releaseLiftedMessage(hold));
      return { action: 'release lifted posted', incidentId: hold.incidentId ?? '' };
    }
    case DeployFreezeStarted.detailType: {
      const detail = DeployFreezeStarted.parse(event.detail);
      await deps.slack.post(deps.deploymentsChannel, { text: freezeOnMessage(detail) });
      return { action: 'freeze on posted', incidentId: detail.incidents[0]!.incidentId };
    }
    case DeployFreezeLifted.detailType: {
      await deps.slack.post(deps.deploymentsChannel, { text: freezeLiftedMessage(DeployFreezeLifted.parse(event.detail)) });
      return { action: 'freeze lifted posted', incidentId: '' };
    }
    case FreezeReleaseApproved.detailType: {
      await deps.slack.post(deps.deploymentsChannel, {
        text: freezeReleaseApprovedMessage(FreezeReleaseApproved.parse(event.detail)),
      });
      return { action: 'freeze release approval posted', incidentId: '' };
    }
    case DeploymentChangeAttached.detailType: {
      const attached = DeploymentChangeAttached.parse(event.detail);
      // In the deployment notice's thread; a change that beat the notice to Slack is posted on its own.
      const notice = await deps.deployments.getDeployment(attached.service, attached.deploymentId);
      const thread = notice?.slackChannel && notice.slackTs ? { channel: notice.slackChannel, ts: notice.slackTs } : undefined;
      await deps.slack.post(
        thread?.channel ?? deps.deploymentsChannel,
        { text: attachedChangeText(attached, !!thread) },
        thread ? { threadTs: thread.ts } : undefined,
      );
      return { action: 'attached change posted', incidentId: '' };
    }
    default:
      return undefined;
  }
}
