/**
 * `/firebreak release approve <service>`: the approval policy ({@link decideApproval}) applied to a
 * release hold. Pure.
 */
import { decideApproval, type Refusal } from '../approval/policy.ts';
import { isAway, type RosterMember } from '../approval/roster.ts';
import { code, formatTime, mention } from '../slack/text.ts';
import type { HoldApproval, HoldState } from './release-hold.ts';

export type ReleaseDecision =
  | { readonly allowed: false; readonly refusal: Refusal; readonly message: string }
  | {
      readonly allowed: true;
      readonly outcome: 'approval_recorded' | 'lifted';
      readonly hold: HoldState;
      readonly message: string;
    };

export interface ReleaseApprovalInput {
  readonly hold: HoldState | undefined;
  readonly actor: { readonly userId: string; readonly teamId: string };
  readonly workspaceTeamId: string;
  /** The actor's roster entry, if any. */
  readonly member: RosterMember | undefined;
  readonly cto: RosterMember;
  readonly now: string;
  /** Slack user id of whoever asked for the release: they cannot count as its approver. */
  readonly requestedBy?: string;
}

/**
 * The approval policy for a release hold: the CTO lifts a hold alone. Senior engineers may approve
 * only while the CTO is away (`/firebreak away`) or is the one who asked for the release (separation
 * of duties takes the CTO out); then `hold.seniorQuorum` distinct seniors lift it, one person
 * counting once. Responders never can; whoever asked for the release cannot approve it. A hold
 * already lifted is `already_decided`; no hold at all is `not_held`. The message is safe Slack
 * mrkdwn. Every attempt should be audited by the caller.
 */
export function decideReleaseApproval(input: ReleaseApprovalInput): ReleaseDecision {
  const { hold, member, cto, now } = input;
  const seniorApprovals = (hold?.approvals ?? []).filter((a) => a.role === 'senior').map((a) => a.userId);
  const verdict = decideApproval({
    action: 'approve',
    actor: input.actor,
    workspaceTeamId: input.workspaceTeamId,
    // A roster entry counts only for the person it names.
    member: member?.slackUserId === input.actor.userId ? member : undefined,
    blocked: hold?.held ? undefined : hold ? 'already_decided' : 'not_held',
    requesters: input.requestedBy === undefined ? [] : [input.requestedBy],
    ctoAvailable: !isAway(cto, now) && input.requestedBy !== cto.slackUserId,
    seniorApprovals,
    seniorQuorum: hold?.seniorQuorum ?? 0,
  });
  if (!verdict.allowed) return { allowed: false, refusal: verdict.refusal, message: refusalMessage(verdict.refusal, input) };
  // Allowed means held (anything else is blocked) and approving.
  const held = hold!;
  const service = code(held.service, 255);
  const approval: HoldApproval = { userId: verdict.member.slackUserId, role: verdict.member.role, at: now };
  const approvals = [...held.approvals, approval];
  if (verdict.outcome === 'approved')
    return {
      allowed: true,
      outcome: 'lifted',
      message:
        verdict.approvedBy === 'cto'
          ? `Release hold on ${service} lifted by the CTO ${mention(verdict.member.slackUserId)}.`
          : `Release hold on ${service} lifted by senior engineers ${verdict.by.map(mention).join(' and ')}.`,
      hold: { ...held, held: false, approvals, liftedBy: verdict.by, liftedAt: now, revision: held.revision + 1 },
    };
  if (verdict.outcome === 'approval_recorded')
    return {
      allowed: true,
      outcome: 'approval_recorded',
      message: `Approval by ${mention(verdict.member.slackUserId)} recorded: ${verdict.seniors.length} of ${held.seniorQuorum} senior approvals to lift the hold on ${service}.`,
      hold: { ...held, approvals, revision: held.revision + 1 },
    };
  throw new Error('a release approval is never a rejection');
}

function refusalMessage(refusal: Refusal, input: ReleaseApprovalInput): string {
  const { hold } = input;
  const service = hold ? code(hold.service, 255) : 'This service';
  switch (refusal) {
    case 'other_workspace':
      return 'This request comes from another Slack workspace.';
    case 'not_on_roster':
      return 'You are not on the Firebreak roster, so you cannot approve releases.';
    case 'not_held':
    case 'already_decided': {
      const lifted = hold?.liftedAt
        ? ` (lifted at ${formatTime(hold.liftedAt)}${hold.liftedBy?.length ? ` by ${hold.liftedBy.map(mention).join(', ')}` : ''})`
        : '';
      return `${service} is not on a release hold${lifted}: it may deploy.`;
    }
    case 'wrong_role':
      return `Only the CTO or, while the CTO is away, senior engineers can approve a release of ${service}.`;
    case 'self_approval':
      return input.member?.role === 'cto'
        ? `You asked for this release of ${service}; ${hold?.seniorQuorum} senior engineers have to approve it (separation of duties).`
        : `You asked for this release of ${service}, so someone else has to approve it (separation of duties).`;
    case 'cto_available':
      return `The CTO ${mention(input.cto.slackUserId)} is available and lifts release holds; senior engineers can approve only while the CTO is away.`;
    case 'already_approved':
      return `You already approved the release of ${service}; another senior engineer has to approve too.`;
    case 'expired':
    case 'plan_changed':
    case 'incident_resolved':
      // Release holds do not expire, have no plan and are not bound to an incident's status.
      return `The release of ${service} cannot be approved now (${refusal}).`;
  }
}
