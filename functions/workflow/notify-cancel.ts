import type { MitigationCancelFailed } from '../core/events/mitigation-cancel-failed.ts';
import type { Incident } from '../core/incidents/incident.ts';
import { cancelFailedMessage } from '../core/slack/cancel-messages.ts';
import type { NotifyDependencies } from './notify-slack.ts';

/**
 * `Mitigation Cancel Failed`: says in the incident's thread, once per cancel and reason, that a
 * requested cancel came too late or that Systems Manager refused it.
 */
export async function announceCancelFailure(
  detail: ReturnType<typeof MitigationCancelFailed.parse>,
  deps: Pick<NotifyDependencies, 'incidents' | 'mitigations' | 'slackState' | 'slack' | 'now'>,
  thread: (incident: Incident) => Promise<{ channel: string; ts: string }>,
): Promise<{ action: string; incidentId: string; requestId: string }> {
  const incident = await deps.incidents.getIncident(detail.incidentId);
  if (!incident) throw new Error(`incident ${detail.incidentId} not found`);
  const request = await deps.mitigations.getRequest(incident.id, detail.requestId);
  if (!request) throw new Error(`mitigation request ${detail.requestId} not found`);
  const done = { incidentId: incident.id, requestId: request.id };
  // One reply per cancel asked (its time) and reason, however often the event is delivered.
  const claim = `cancel#${request.id}#${request.cancel?.at ?? ''}#${detail.reason}`;
  const at = await thread(incident);
  if (!(await deps.slackState.claimOnce(incident.id, claim, deps.now().toISOString())))
    return { action: 'cancel failure already said', ...done };
  try {
    await deps.slack.post(at.channel, cancelFailedMessage(request, detail), { threadTs: at.ts });
  } catch (error) {
    // Slack failed: give the claim back so EventBridge's retry (then the DLQ) says it.
    await deps.slackState.releaseOnce(incident.id, claim);
    throw error;
  }
  return { action: 'cancel failure said', ...done };
}
