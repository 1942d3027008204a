import { describe, expect, it } from 'vitest';
import { refusedParameterCharacter } from '../../../functions/core/mitigations/parameter-guard.ts';

describe('parameter guard: characters refused whatever the catalog pattern says', () => {
  it.each([
    ['nginx\u202Egnp.exe', 'a bidirectional control character (U+202E)'],
    ['nginx\u2066x\u2069', 'a bidirectional control character (U+2066)'],
    ['ng\u200Binx', 'a zero-width character (U+200B)'],
    ['ng\u200Dinx', 'a zero-width character (U+200D)'],
    ['\uFEFFnginx', 'a zero-width character (U+FEFF)'],
    ['ng\u00ADinx', 'an invisible format character (U+00AD)'],
    ['nginx\u0085reboot', 'a control character (U+0085)'],
    ['nginx\u009B2J', 'a control character (U+009B)'],
    ['nginx\u2028reboot', 'a line or paragraph separator (U+2028)'],
    ['nginx\u2029reboot', 'a line or paragraph separator (U+2029)'],
    ['nginx\u00A0now', 'a space that is not an ASCII space (U+00A0)'],
    ['nginx\uE000', 'an unassigned, private-use or lone surrogate character (U+E000)'],
    ['nginx\uD800', 'an unassigned, private-use or lone surrogate character (U+D800)'],
  ])('refuses %j: %s', (value, reason) => {
    expect(refusedParameterCharacter(value)).toBe(reason);
  });

  it.each([
    ['nginx\uFF1Breboot', '\uFF1B', ';'],
    ['nginx\uFE54reboot', '\uFE54', ';'],
    ['a\uFF06\uFF06b', '\uFF06', '&'],
    ['a\uFF5Cb', '\uFF5C', '|'],
    ['\uFF04(id)', '\uFF04', '$'],
    ['a\uFF1Cb', '\uFF1C', '<'],
    ['a\uFF1Eb', '\uFF1E', '>'],
    ['a\uFF3Cb', '\uFF3C', '\\'],
    ['a\uFF40id\uFF40', '\uFF40', '`'],
    ['\u2025/etc/passwd', '\u2025', '..'],
  ])('refuses the full-width or compatibility look-alike in %j', (value, ch, folded) => {
    const point = `U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
    expect(refusedParameterCharacter(value)).toBe(
      `a look-alike of a shell metacharacter or control character (${point} reads as ${JSON.stringify(folded)})`,
    );
  });

  it('refuses other compatibility characters that read as something else (full-width letters, ligatures)', () => {
    expect(refusedParameterCharacter('\uFF52\uFF4D')).toBe(
      'a compatibility character that reads as another (U+FF52 reads as "r")',
    );
    expect(refusedParameterCharacter('\uFB01le')).toBe('a compatibility character that reads as another (U+FB01 reads as "fi")');
  });

  it('refuses the same letter spelt decomposed (NFKC changes it)', () => {
    expect(refusedParameterCharacter('cafe\u0301')).toBe('characters that are not in their composed form (NFKC)');
  });

  it('never echoes the refused character itself', () => {
    const reason = refusedParameterCharacter('x\u202Ey')!;
    expect(reason).not.toContain('\u202E');
  });

  it.each(['nginx.service', 'café', 'Zürich-1', 'app_v2.3.1', '東京', 'a b c', '50% (x) "q"'])(
    'accepts ordinary text %j',
    (value) => {
      expect(refusedParameterCharacter(value)).toBeUndefined();
    },
  );
});
