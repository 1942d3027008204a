import { appendToChain, releaseHoldChainId } from '../core/audit/chain.ts';
import type { RosterMember } from '../core/approval/roster.ts';
import { decideReleaseApproval } from '../core/deployments/release-approval.ts';
import type { HoldState } from '../core/deployments/release-hold.ts';
import { ReleaseHoldLifted } from '../core/events/release-hold-lifted.ts';
import type { AuditDraft } from '../core/incidents/incident.ts';
import type { StoredHold } from '../core/persistence.ts';
import type { FirebreakConfig } from '../core/config.ts';
import type { BusEvent } from '../core/events/contract.ts';
import type { ReleaseHoldsPort } from './ports/repositories.ts';
import type { Actor, Reply } from './reply.ts';

/** A save that lost a race re-reads the hold and tries again. */
const MAX_ATTEMPTS = 10;

interface ReleaseHoldDependencies {
  readonly holds: ReleaseHoldsPort;
  readonly config: FirebreakConfig;
  readonly now: () => Date;
  /** The roster with availability, as the workflow reads it. */
  readonly roster: () => Promise<{ members: RosterMember[]; cto: RosterMember }>;
}

/** `/firebreak release approve <service>`: lifts a release hold per the same CTO / senior policy; every attempt audited. */
export async function approveRelease(input: { service: string; actor: Actor }, deps: ReleaseHoldDependencies): Promise<Reply> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.now().toISOString();
    const hold = await deps.holds.getHold(input.service);
    const { members, cto } = await deps.roster();
    const member = members.find((m) => m.slackUserId === input.actor.userId);
    const decision = decideReleaseApproval({
      hold,
      actor: input.actor,
      workspaceTeamId: deps.config.slack.teamId,
      member,
      cto,
      now,
    });
    const actor = `slack:${input.actor.userId}`;
    if (!decision.allowed) {
      // Refusals are audited on the service's chain when there is a hold to attach them to.
      if (
        hold &&
        !(await saveHold(deps, hold, hold, actor, now, {
          action: 'release.approve_refused',
          data: { userId: input.actor.userId, refusal: decision.refusal },
        }))
      )
        continue;
      return { ok: false, text: decision.message };
    }
    const action = decision.outcome === 'lifted' ? 'release.lifted' : 'release.approval_recorded';
    if (
      !(await saveHold(
        deps,
        decision.hold,
        hold,
        actor,
        now,
        { action, data: { userId: input.actor.userId, deploymentId: decision.hold.deploymentId } },
        decision.outcome === 'lifted' ? [ReleaseHoldLifted.build({ service: input.service })] : [],
      ))
    )
      continue;
    return { ok: true, text: decision.message };
  }
  return { ok: false, text: 'The release hold kept changing; try again.' };
}

/** Saves a release hold with one entry on its chain, conditional on the hold as it was read. */
function saveHold(
  deps: ReleaseHoldDependencies,
  hold: HoldState,
  previous: StoredHold | undefined,
  actor: string,
  now: string,
  entry: AuditDraft,
  events: readonly BusEvent[] = [],
) {
  const audit = appendToChain(releaseHoldChainId(hold.service), previous, [entry], actor, now);
  return deps.holds.saveHold(hold, previous, audit, events);
}
