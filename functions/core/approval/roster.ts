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
