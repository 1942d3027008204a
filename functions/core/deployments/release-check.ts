/** `firebreak release check <service>`: may the service deploy? Pure. */
import { isAway, type RosterMember } from '../approval/roster.ts';
import { formatTime } from '../slack/text.ts';
import { plain, plainName } from './cli-text.ts';
import type { HoldState } from './release-hold.ts';

export interface ReleaseCheck {
  /** `firebreak release check` exits 0 when allowed, 1 otherwise. */
  readonly allowed: boolean;
  /** One line of plain text for a terminal. */
  readonly reason: string;
  /** Plain-text names (and roles) of who can lift the hold now; empty when allowed. */
  readonly whoCanLift: string[];
}

/** May `service` deploy? For `firebreak release check <service>` and pipelines gating on it. */
export function releaseCheck(input: {
  readonly service: string;
  readonly hold: HoldState | undefined;
  readonly cto: RosterMember;
  readonly seniors: readonly RosterMember[];
  readonly now: string;
}): ReleaseCheck {
  const { service, hold, cto, now } = input;
  if (!hold) return { allowed: true, reason: plain(`${service} is not on a release hold.`), whoCanLift: [] };
  if (!hold.held) {
    const by = hold.liftedBy?.length ? ` by ${hold.liftedBy.map((id) => nameOf(id, input)).join(' and ')}` : '';
    return {
      allowed: true,
      reason: plain(`The release hold on ${service} was lifted${by}${hold.liftedAt ? ` at ${formatTime(hold.liftedAt)}` : ''}.`),
      whoCanLift: [],
    };
  }
  const ctoAway = isAway(cto, now);
  const seniors = input.seniors.filter((s) => !isAway(s, now));
  const given = new Set(hold.approvals.filter((a) => a.role === 'senior').map((a) => a.userId)).size;
  const whoCanLift = [`${plainName(cto.name)} (CTO${ctoAway ? `, away until ${formatTime(cto.awayUntil ?? '')}` : ''})`];
  let how: string;
  if (ctoAway) {
    whoCanLift.push(...seniors.map((s) => `${plainName(s.name)} (senior engineer)`));
    how = `the CTO alone, or ${hold.seniorQuorum} senior engineers while the CTO is away (${given} of ${hold.seniorQuorum} so far)`;
  } else {
    how = `the CTO alone (senior engineers only while the CTO is away${given ? `; ${given} of ${hold.seniorQuorum} senior approvals so far` : ''})`;
  }
  return {
    allowed: false,
    reason: plain(
      `${service} is on a release hold since ${formatTime(hold.heldAt)}: ${hold.reason}. Lift it with /firebreak release approve ${service}: ${how}.`,
    ),
    whoCanLift,
  };
}

const nameOf = (userId: string, roster: { cto: RosterMember; seniors: readonly RosterMember[] }): string =>
  plainName([roster.cto, ...roster.seniors].find((m) => m.slackUserId === userId)?.name ?? userId);
