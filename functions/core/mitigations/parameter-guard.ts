/**
 * Characters never allowed in a mitigation parameter, whatever the catalog's pattern says. Pure.
 *
 * A loose pattern (`.+`, `[^ ]+`) would otherwise let through text that reads differently from what
 * runs: a bidi override reorders what the approver sees, a zero-width character hides in a name, a
 * full-width `；` is shown as a semicolon and may be folded into one by a tool downstream. Values are
 * compared with their NFKC form (compatibility folding), which is how look-alikes are recognised.
 */

/** ASCII shell metacharacters: never part of a value SSM passes to a command. */
const SHELL_METACHARACTERS = /[;&|`$<>\\]/;

/** Why a character is refused, or `undefined` when the value is clean. Names the code point, never echoes it. */
export function refusedParameterCharacter(value: string): string | undefined {
  for (const ch of value) {
    const reason = refusedCharacter(ch);
    if (reason) return `${reason} (${codePoint(ch)})`;
  }
  const folded = value.normalize('NFKC');
  if (folded !== value) {
    for (const ch of value) {
      const fold = ch.normalize('NFKC');
      if (fold === ch) continue;
      if (SHELL_METACHARACTERS.test(fold) || refusedFold(fold))
        return `a look-alike of a shell metacharacter or control character (${codePoint(ch)} reads as ${JSON.stringify(fold)})`;
      return `a compatibility character that reads as another (${codePoint(ch)} reads as ${JSON.stringify(fold)})`;
    }
    // Composed differently only (e.g. "e" + U+0301): the same text spelt two ways.
    return 'characters that are not in their composed form (NFKC)';
  }
  if (SHELL_METACHARACTERS.test(value)) return 'a shell metacharacter';
  return undefined;
}

function refusedCharacter(ch: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(ch)) return 'a control character';
  if (/[\u2028\u2029]/.test(ch)) return 'a line or paragraph separator';
  if (/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/.test(ch)) return 'a bidirectional control character';
  if (/[\u200b-\u200d\u2060\ufeff]/.test(ch)) return 'a zero-width character';
  // Every other format character (soft hyphen, invisible operators, tag characters, …) is invisible too.
  if (/\p{Cf}/u.test(ch)) return 'an invisible format character';
  if (/[\p{Zs}]/u.test(ch) && ch !== ' ') return 'a space that is not an ASCII space';
  if (/[\p{Co}\p{Cn}\p{Cs}]/u.test(ch)) return 'an unassigned, private-use or lone surrogate character';
  if (SHELL_METACHARACTERS.test(ch)) return 'a shell metacharacter';
  return undefined;
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const refusedFold = (fold: string): boolean => /[\u0000-\u001f\u007f-\u009f]|\.\./.test(fold);

const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
