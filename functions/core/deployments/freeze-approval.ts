/**
 * Releases during a deploy freeze: `/firebreak release approve <service> --during-freeze` under the
 * one approval policy ({@link decideApproval}), and what `release check` says about a freeze. Pure.
 */
import { decideApproval, type Refusal } from '../approval/policy.ts';
import { isAway, type RosterMember } from '../approval/roster.ts';
import { code, escapeSlackText, formatTime, mention } from '../slack/text.ts';
import { plain, plainName } from './cli-text.ts';
import { exempted, type FreezeExemption, type FreezeState } from './deploy-freeze.ts';
import type { HoldApproval } from './release-hold.ts';
import type { ReleaseCheck } from './release-check.ts';

export type FreezeDecision =
  | { readonly allowed: false; readonly refusal: Refusal; readonly message: string }
  | {
      readonly allowed: true;
      readonly outcome: 'approval_recorded' | 'approved';
      readonly freeze: FreezeState;
      readonly message: string;
    };

export interface FreezeApprovalInput {
  readonly freeze: FreezeState | undefined;
  readonly service: string;
  readonly actor: { readonly userId: string; readonly teamId: string };
  readonly workspaceTeamId: string;
  readonly member: RosterMember | undefined;
  readonly cto: RosterMember;
  readonly now: string;
}

/**
 * The CTO approves a release during the freeze alone; senior engineers only while the CTO is away,
 * `freeze.seniorQuorum` distinct ones. No freeze is `not_held`; a release already approved during
 * this freeze is `already_decided`. The message is safe Slack mrkdwn; the caller audits every attempt.
 */
export function decideFreezeApproval(input: FreezeApprovalInput): FreezeDecision {
  const { freeze, member, cto, now, service } = input;
  const exemption = freeze?.exemptions.find((e) => e.service === service);
  const verdict = decideApproval({
    action: 'approve',
    actor: input.actor,
    workspaceTeamId: input.workspaceTeamId,
    member: member?.slackUserId === input.actor.userId ? member : undefined,
    blocked: !freeze?.frozen ? 'not_held' : exemption?.approvedBy?.length ? 'already_decided' : undefined,
    requesters: [],
    ctoAvailable: !isAway(cto, now),
    seniorApprovals: (exemption?.approvals ?? []).filter((a) => a.role === 'senior').map((a) => a.userId),
    seniorQuorum: freeze?.seniorQuorum ?? 0,
  });
  const shown = code(service, 255);
  if (!verdict.allowed) return { allowed: false, refusal: verdict.refusal, message: refusalMessage(verdict.refusal, input) };
  const frozen = freeze!;
  const approval: HoldApproval = { userId: verdict.member.slackUserId, role: verdict.member.role, at: now };
  const approvals = [...(exemption?.approvals ?? []), approval];
  const withExemption = (next: FreezeExemption): FreezeState => ({
    ...frozen,
    exemptions: [...frozen.exemptions.filter((e) => e.service !== service), next],
    revision: frozen.revision + 1,
  });
  if (verdict.outcome === 'approved')
    return {
      allowed: true,
      outcome: 'approved',
      message:
        verdict.approvedBy === 'cto'
          ? `Release of ${shown} during the deploy freeze approved by the CTO ${mention(verdict.member.slackUserId)}.`
          : `Release of ${shown} during the deploy freeze approved by senior engineers ${verdict.by.map(mention).join(' and ')}.`,
      freeze: withExemption({ service, approvals, approvedBy: verdict.by, approvedAt: now }),
    };
  if (verdict.outcome === 'approval_recorded')
    return {
      allowed: true,
      outcome: 'approval_recorded',
      message: `Approval by ${mention(verdict.member.slackUserId)} recorded: ${verdict.seniors.length} of ${frozen.seniorQuorum} senior approvals to release ${shown} during the deploy freeze.`,
      freeze: withExemption({ service, approvals }),
    };
  throw new Error('a release approval is never a rejection');
}

function refusalMessage(refusal: Refusal, input: FreezeApprovalInput): string {
  const shown = code(input.service, 255);
  switch (refusal) {
    case 'other_workspace':
      return 'This request comes from another Slack workspace.';
    case 'not_on_roster':
      return 'You are not on the Firebreak roster, so you cannot approve releases.';
    case 'not_held':
      return 'There is no deploy freeze now: releases need no approval for it.';
    case 'already_decided':
      return `The release of ${shown} during this deploy freeze is already approved.`;
    case 'wrong_role':
      return `Only the CTO or, while the CTO is away, senior engineers can approve a release of ${shown} during a deploy freeze.`;
    case 'cto_available':
      return `The CTO ${mention(input.cto.slackUserId)} is available and approves releases during a deploy freeze; senior engineers can approve only while the CTO is away.`;
    case 'already_approved':
      return `You already approved the release of ${shown}; another senior engineer has to approve too.`;
    default:
      return `The release of ${shown} cannot be approved now (${refusal}).`;
  }
}

/** What `release check` says about the freezes that apply to the service (see `applicableFreezes`). */
export function freezeCheck(input: {
  readonly service: string;
  readonly freezes: readonly FreezeState[];
  readonly cto: RosterMember;
  readonly seniors: readonly RosterMember[];
  readonly now: string;
}): ReleaseCheck {
  const { service, cto, now } = input;
  const blocking = input.freezes.filter((f) => f.frozen && !exempted(f, service));
  if (blocking.length === 0) {
    const approved = input.freezes.filter((f) => f.frozen);
    // Nothing to say when no freeze is on: the release check reads as it always did.
    const reason = approved.length
      ? `${service} was approved for release during the deploy freeze (${approved.map((f) => scopeName(f.scope)).join(', ')}).`
      : '';
    return { allowed: true, reason: plain(reason), whoCanLift: [] };
  }
  const freeze = blocking[0]!;
  const named = blocking.flatMap((f) => f.incidents);
  const more = blocking.reduce((n, f) => n + f.moreIncidents.length, 0);
  const incidents = named.map((i) => `${i.incidentId} (${i.severity}, ${plain(i.title).slice(0, 120)})`).join('; ');
  const ctoAway = isAway(cto, now);
  const whoCanLift = [`${plainName(cto.name)} (CTO${ctoAway ? `, away until ${formatTime(cto.awayUntil ?? '')}` : ''})`];
  if (ctoAway)
    whoCanLift.push(...input.seniors.filter((s) => !isAway(s, now)).map((s) => `${plainName(s.name)} (senior engineer)`));
  return {
    allowed: false,
    reason: plain(
      `Deploy freeze (${blocking.map((f) => scopeName(f.scope)).join(', ')}) since ${formatTime(freeze.since)} while ${incidents}${more ? ` and ${more} more` : ''} ${named.length + more === 1 ? 'is' : 'are'} open. ` +
        `Approve this release with /firebreak release approve ${service} --during-freeze: the CTO alone, or ${freeze.seniorQuorum} senior engineers while the CTO is away.`,
    ),
    whoCanLift,
  };
}

/** The hold check and the freeze check together: allowed only when both allow. */
export function combinedCheck(hold: ReleaseCheck, freeze: ReleaseCheck): ReleaseCheck {
  if (hold.allowed && freeze.allowed)
    return { allowed: true, reason: [hold.reason, freeze.reason].filter(Boolean).join(' '), whoCanLift: [] };
  const blocking = [hold, freeze].filter((c) => !c.allowed);
  return {
    allowed: false,
    reason: blocking.map((c) => c.reason).join(' '),
    whoCanLift: [...new Set(blocking.flatMap((c) => c.whoCanLift))],
  };
}

export const scopeName = (scope: string): string =>
  scope === 'global'
    ? 'all services'
    : scope.startsWith('service:')
      ? `service ${scope.slice('service:'.length)}`
      : `account ${scope}`;

/** "freeze on" for #deployments: which incidents, and how to release anyway. Safe mrkdwn. */
export function freezeOnMessage(freeze: {
  readonly scope: string;
  readonly incidents: readonly { readonly incidentId: string; readonly severity: string }[];
}): string {
  const list = freeze.incidents.map((i) => `${code(i.incidentId, 40)} (${escapeSlackText(i.severity)})`).join(', ');
  return (
    `:no_entry: *Deploy freeze on* (${scopeName(freeze.scope)}) while ${list} ${freeze.incidents.length === 1 ? 'is' : 'are'} open. ` +
    'A release now needs `/firebreak release approve <service> --during-freeze`: the CTO, or senior engineers while the CTO is away.'
  );
}

/** "freeze lifted" for #deployments. */
export const freezeLiftedMessage = (freeze: Pick<FreezeState, 'scope'>): string =>
  `:white_check_mark: *Deploy freeze lifted* (${scopeName(freeze.scope)}): the incidents that froze releases are resolved.`;

/** A release approved during the freeze, for #deployments. */
export const freezeReleaseApprovedMessage = (input: { readonly scope: string; readonly service: string }): string =>
  `:unlock: Release of ${code(input.service, 255)} approved during the deploy freeze (${scopeName(input.scope)}).`;
