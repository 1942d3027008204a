/**
 * The approval policy, written once for everything that needs an approval (mitigation requests,
 * release holds). Pure: it sees who is asking, what they may do and what has been approved so far,
 * and says whether the attempt counts; each kind of request keeps a thin adapter that maps its own
 * state onto this input and the verdict back onto its state and messages.
 *
 * - The CTO approves alone.
 * - Senior engineers approve only while the CTO is not available (away, silent past the timeout,
 *   escalated, or otherwise taken out, as the adapter decides); then `seniorQuorum` distinct senior
 *   engineers are needed.
 * - Separation of duties: whoever asked for it cannot approve it. One person counts once.
 * - Responders decide nothing. Any authorized rejection ends the request.
 */
import type { RosterMember } from './roster.ts';

/** Why an attempt was refused: one set for every kind of request (audited and shown to users). */
export type Refusal =
  /** The click or command comes from another Slack workspace. */
  | 'other_workspace'
  /** The actor is not on the roster. */
  | 'not_on_roster'
  /** A responder (or anyone without the role) tried to decide. */
  | 'wrong_role'
  /** The actor asked for it (or changed its plan): someone else has to approve. */
  | 'self_approval'
  /** A senior engineer tried to approve while the CTO is available. */
  | 'cto_available'
  /** This senior engineer's approval is already counted. */
  | 'already_approved'
  /** It is no longer open: decided, lifted, rejected, cancelled... */
  | 'already_decided'
  /** Its approval window passed. */
  | 'expired'
  /** What the actor saw is not what would be approved now. */
  | 'plan_changed'
  /** Its incident is resolved or closed. */
  | 'incident_resolved'
  /** There is nothing to approve: the service is not on a release hold. */
  | 'not_held';

export interface PolicyInput {
  readonly action: 'approve' | 'reject';
  readonly actor: { readonly userId: string; readonly teamId: string };
  readonly workspaceTeamId: string;
  /** The actor's roster entry, if any. */
  readonly member: RosterMember | undefined;
  /**
   * Why the request cannot be decided at all (finished, expired, changed...), as its adapter sees
   * it; checked once the actor is known to be on the roster, before their role.
   */
  readonly blocked?: Refusal | undefined;
  /** Slack user ids of whoever asked for it (or changed what it does): they cannot approve it. */
  readonly requesters: readonly string[];
  /** The CTO can decide now; when not, senior engineers may approve. */
  readonly ctoAvailable: boolean;
  /** Slack user ids of the senior engineers whose approvals count so far. */
  readonly seniorApprovals: readonly string[];
  readonly seniorQuorum: number;
}

export type PolicyVerdict =
  | { readonly allowed: false; readonly refusal: Refusal }
  | { readonly allowed: true; readonly outcome: 'rejected'; readonly member: RosterMember }
  /** Approved: by the CTO alone, or by the senior engineers listed in `by` (the quorum). */
  | {
      readonly allowed: true;
      readonly outcome: 'approved';
      readonly member: RosterMember;
      readonly by: readonly string[];
      readonly approvedBy: 'cto' | 'seniors';
    }
  /** A senior approval that counts, short of the quorum: `seniors` are those counted so far. */
  | {
      readonly allowed: true;
      readonly outcome: 'approval_recorded';
      readonly member: RosterMember;
      readonly seniors: readonly string[];
    };

/** Decides one attempt to approve or reject. Every attempt, allowed or refused, should be audited by the caller. */
export function decideApproval(input: PolicyInput): PolicyVerdict {
  const { member } = input;
  const refuse = (refusal: Refusal): PolicyVerdict => ({ allowed: false, refusal });
  if (input.actor.teamId !== input.workspaceTeamId) return refuse('other_workspace');
  if (!member) return refuse('not_on_roster');
  if (input.blocked) return refuse(input.blocked);
  if (member.role !== 'cto' && member.role !== 'senior') return refuse('wrong_role');
  if (input.action === 'reject') return { allowed: true, outcome: 'rejected', member };
  if (input.requesters.includes(member.slackUserId)) return refuse('self_approval');
  if (member.role === 'cto') return { allowed: true, outcome: 'approved', member, by: [member.slackUserId], approvedBy: 'cto' };
  if (input.ctoAvailable) return refuse('cto_available');
  if (input.seniorApprovals.includes(member.slackUserId)) return refuse('already_approved');
  const seniors = [...new Set([...input.seniorApprovals, member.slackUserId])];
  if (seniors.length >= input.seniorQuorum)
    return { allowed: true, outcome: 'approved', member, by: seniors, approvedBy: 'seniors' };
  return { allowed: true, outcome: 'approval_recorded', member, seniors };
}
