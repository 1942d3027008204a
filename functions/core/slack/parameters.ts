/**
 * Mitigation parameters typed after `/firebreak mitigate <incident> <catalog id>`: `key=value` or
 * `key="a value with spaces"` (Slack's curly quotes too; `\"` and `\\` inside quotes). Values are
 * checked against their catalog `allowedPattern` later, exactly as unquoted ones. Pure.
 */

export type ParsedParameters =
  { readonly ok: true; readonly parameters: Readonly<Record<string, string>> } | { readonly ok: false; readonly problem: string };

const KEY = /^[A-Za-z][A-Za-z0-9]{0,49}$/;
const OPEN_QUOTES = new Set(['"', '\u201c']);
const CLOSE_QUOTE: Record<string, string> = { '"': '"', '\u201c': '\u201d' };

/** Reads `key=value` pairs separated by whitespace; a quoted value may hold spaces. */
export function parseParameters(text: string): ParsedParameters {
  const parameters: Record<string, string> = {};
  let i = 0;
  const fail = (problem: string): ParsedParameters => ({ ok: false, problem });
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) i++;
    const key = text.slice(start, i);
    if (text[i] !== '=' || !KEY.test(key)) {
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      return fail(`"${text.slice(start, i).slice(0, 60)}" is not a key=value parameter.`);
    }
    i++; // '='
    let value = '';
    const quote = text[i];
    if (quote !== undefined && OPEN_QUOTES.has(quote)) {
      const close = CLOSE_QUOTE[quote]!;
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '\\' && (text[i + 1] === close || text[i + 1] === '\\')) {
          value += text[i + 1];
          i += 2;
        } else if (c === close) {
          closed = true;
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return fail(`the value of ${key} opens a quote that is never closed.`);
      if (i < text.length && !/\s/.test(text[i]!)) return fail(`the quoted value of ${key} must be followed by a space.`);
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) value += text[i++];
    }
    if (Object.hasOwn(parameters, key)) return fail(`${key} is given twice.`);
    parameters[key] = value;
  }
  return { ok: true, parameters };
}
