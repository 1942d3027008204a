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
import type { OutgoingMessage } from './ports/slack.ts';
import type { NotifyDependencies, NotifyEvent, NotifyOutcome } from './notify-slack.ts';

/** The announcement for `event` in #deployments, or undefined when it is not one of these. */
export async function announceInDeployments(event: NotifyEvent, deps: NotifyDependencies): Promise<NotifyOutcome | undefined> {
  switch (event['detail-type']) {
    case ReleaseHoldLifted.detailType: {
      const { service } = ReleaseHoldLifted.parse(event.detail);
      const hold = await deps.holds.getHold(service);
      if (!hold || hold.held) return { action: 'hold not lifted', incidentId: hold?.incidentId ?? '' };
      const posted = await postOnce(`hold-lifted#${service}#${hold.liftedAt ?? hold.heldAt}`, releaseLiftedMessage(hold), deps);
      return { action: posted ? 'release lifted posted' : 'release lifted already posted', incidentId: hold.incidentId ?? '' };
    }
    case DeployFreezeStarted.detailType: {
      const detail = DeployFreezeStarted.parse(event.detail);
      const posted = await postOnce(`freeze-on#${detail.scope}#${detail.since}`, { text: freezeOnMessage(detail) }, deps);
      return { action: posted ? 'freeze on posted' : 'freeze on already posted', incidentId: detail.incidents[0]!.incidentId };
    }
    case DeployFreezeLifted.detailType: {
      const detail = DeployFreezeLifted.parse(event.detail);
      const posted = await postOnce(`freeze-lifted#${detail.scope}#${detail.since}`, { text: freezeLiftedMessage(detail) }, deps);
      return { action: posted ? 'freeze lifted posted' : 'freeze lifted already posted', incidentId: '' };
    }
    case FreezeReleaseApproved.detailType: {
      const detail = FreezeReleaseApproved.parse(event.detail);
      const claim = `freeze-release#${detail.scope}#${detail.since}#${detail.service}`;
      const posted = await postOnce(claim, { text: freezeReleaseApprovedMessage(detail) }, deps);
      return { action: posted ? 'freeze release approval posted' : 'freeze release approval already posted', incidentId: '' };
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

/**
 * Posts to #deployments once per claim, however often the event is delivered; a failed post gives
 * the claim back so EventBridge's retry (then the dead-letter queue) posts it.
 */
async function postOnce(claim: string, message: OutgoingMessage, deps: NotifyDependencies): Promise<boolean> {
  if (!(await deps.slackState.claimAnnouncement(claim, deps.now().toISOString()))) return false;
  try {
    await deps.slack.post(deps.deploymentsChannel, message);
  } catch (error) {
    await deps.slackState.releaseAnnouncement(claim);
    throw error;
  }
  return true;
}
