/** Who may decide: the roster's members and their availability. Pure. */
import type { Role } from '../config.ts';

export interface RosterMember {
  readonly slackUserId: string;
  readonly name: string;
  readonly role: Role;
  /** Set by `/firebreak away`; the member is unavailable until then. */
  readonly awayUntil?: string;
}

export const isAway = (member: Pick<RosterMember, 'awayUntil'> | undefined, now: string): boolean =>
  !!member?.awayUntil && member.awayUntil > now;

/** The configured roster with each member's away time (from the table), and the CTO and senior engineers in it. */
export function rosterWithAwayTimes(
  configured: readonly RosterMember[],
  away: ReadonlyMap<string, string>,
): { members: RosterMember[]; cto: RosterMember; seniors: RosterMember[] } {
  const members = configured.map((m) => ({ ...m, ...(away.has(m.slackUserId) ? { awayUntil: away.get(m.slackUserId)! } : {}) }));
  return { members, cto: members.find((m) => m.role === 'cto')!, seniors: members.filter((m) => m.role === 'senior') };
}
