import type { RosterMember } from '../approval/roster.ts';
import type { MitigationRequest, MitigationState } from './mitigation.ts';

/**
 * A `/firebreak cancel` on a running request, recorded on the request by the Slack function and
 * carried out by the executor (which holds the Systems Manager permissions).
 */
export interface CancelRecord {
  /** The Slack user id of the CTO or senior engineer who asked. */
  readonly by: string;
  readonly at: string;
  /** Systems Manager refused the cancel (said once in the thread; the executor keeps retrying). */
  readonly failedAt?: string;
  /** The request had already ended in this state when the executor got to it (said once in the thread). */
  readonly endedFirst?: MitigationState;
}

/** The run a request started, stored by the executor once Systems Manager answered. */
export const runIdOf = (request: MitigationRequest): string | undefined =>
  (request as MitigationRequest & { runId?: string }).runId;

/** Why this person may not ask to cancel this request now (the text of the reply), if they may not. */
export function cancelRefusal(
  member: RosterMember | undefined,
  request: MitigationRequest | undefined,
  requestId: string,
): { readonly text: string; readonly audited?: 'not_authorized' } | undefined {
  if (!member || member.role === 'responder')
    return { text: 'Only the CTO or a senior engineer can cancel a running mitigation.', audited: 'not_authorized' };
  if (!request) return { text: `No mitigation request ${requestId}.` };
  if (request.state !== 'running') return { text: `${request.id} is ${request.state.replace('_', ' ')}, not running.` };
  if (!runIdOf(request))
    return { text: `${request.id} is starting and has no Systems Manager run id yet; try again in a moment.` };
  // A cancel under way is not asked twice; one that Systems Manager refused may be asked again.
  if (request.cancel && !request.cancel.failedAt)
    return { text: `${request.id} is already being cancelled (asked by <@${request.cancel.by}> at ${request.cancel.at}).` };
  return undefined;
}

/** What the executor does with a cancel request it was handed (possibly again). */
export type CancelStep =
  | { readonly kind: 'done'; readonly why: string }
  | { readonly kind: 'too_late'; readonly cancel: CancelRecord; readonly state: MitigationState }
  | {
      readonly kind: 'cancel';
      readonly cancel: CancelRecord;
      readonly runId: string;
      readonly runKind: 'command' | 'automation';
    };

export function cancelStep(request: MitigationRequest): CancelStep {
  const { cancel } = request;
  if (!cancel) return { kind: 'done', why: 'no cancel was requested' };
  if (request.state === 'cancelled') return { kind: 'done', why: 'already cancelled' };
  if (cancel.endedFirst) return { kind: 'done', why: `already said it had ${cancel.endedFirst}` };
  if (request.state !== 'running') return { kind: 'too_late', cancel, state: request.state };
  const runId = runIdOf(request);
  // The Slack function checked the run id before recording the cancel, and it is never removed.
  if (!runId) throw new Error(`${request.id} is running without a Systems Manager run id`);
  return { kind: 'cancel', cancel, runId, runKind: request.plan.kind };
}
