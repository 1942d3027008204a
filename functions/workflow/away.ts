/** `/firebreak away [duration]` and `/firebreak back`: a roster member's availability, kept in the table. */
import type { RosterMember } from '../core/approval/roster.ts';
import type { RosterPort } from './ports/repositories.ts';
import type { Reply } from './reply.ts';

export async function setAway(
  input: { userId: string; minutes: number | undefined },
  deps: {
    readonly roster: RosterPort;
    readonly member: (userId: string) => Promise<RosterMember | undefined>;
    readonly now: () => Date;
  },
): Promise<Reply> {
  const member = await deps.member(input.userId);
  if (!member) return { ok: false, text: 'You are not on the Firebreak roster.' };
  const now = deps.now();
  const until = input.minutes === undefined ? undefined : new Date(now.getTime() + input.minutes * 60_000).toISOString();
  await deps.roster.setAway(input.userId, until, now.toISOString());
  if (!until) return { ok: true, text: 'Welcome back: you are available again.' };
  const note = member.role === 'cto' ? ' Senior engineers can approve mitigations until then.' : '';
  return { ok: true, text: `You are away until ${until}.${note}` };
}
