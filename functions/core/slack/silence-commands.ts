/** `/firebreak silence <incident|fingerprint> <duration> <reason>` and `/firebreak silences`. Pure. */
import { parseSilenceTarget, type SilenceTarget } from '../silences/silence.ts';
import { escapeSlackText } from './text.ts';

export type SilenceCommand =
  | { readonly name: 'silence'; readonly target: SilenceTarget; readonly minutes: number; readonly reason: string }
  | { readonly name: 'silences' };

export const SILENCE_USAGE =
  'Usage: `/firebreak silence <incident|fingerprint> <duration> <reason>`, e.g. `silence INC-1A2B3C4D5E 2h known noisy canary`';

const MAX_REASON = 300;

/** What was wrong with a `silence` that named its target well enough to audit the refusal on it. */
export type SilenceInputProblem = 'invalid_duration' | 'missing_reason';

/** A refused `silence` whose target could be read: the Slack app audits it on that incident. */
export interface RefusedSilenceInput {
  readonly target: SilenceTarget;
  readonly problem: SilenceInputProblem;
}

/** The arguments after the verb; `durationMinutes` is the parser `away` uses (1m, 4h, 2d). */
export function parseSilenceCommand(
  verb: 'silence' | 'silences',
  args: readonly string[],
  durationMinutes: (text: string) => number | undefined,
): { ok: true; command: SilenceCommand } | { ok: false; message: string; refused?: RefusedSilenceInput } {
  if (verb === 'silences')
    return args.length ? { ok: false, message: '`silences` takes no arguments.' } : { ok: true, command: { name: 'silences' } };
  const target = args[0] === undefined ? undefined : parseSilenceTarget(args[0]);
  if (!target) return { ok: false, message: 'Expected an incident id such as `INC-1A2B3C4D5E` or a 32-digit fingerprint.' };
  const minutes = args[1] === undefined ? undefined : durationMinutes(args[1]);
  if (minutes === undefined || minutes < 1)
    return {
      ok: false,
      message: `"${escapeSlackText((args[1] ?? '').slice(0, 40))}" is not a duration such as 30m, 2h or 1d.`,
      refused: { target, problem: 'invalid_duration' },
    };
  const reason = args.slice(2).join(' ').slice(0, MAX_REASON);
  if (!reason)
    return { ok: false, message: 'Say why: a silence needs a reason.', refused: { target, problem: 'missing_reason' } };
  return { ok: true, command: { name: 'silence', target, minutes, reason } };
}
