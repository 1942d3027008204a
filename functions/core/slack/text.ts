/**
 * Safe text for Slack. Pure: no I/O.
 *
 * Slack reads `<…>` as a mention, a link or a special command (`<!channel>`, `<@U123>`,
 * `<https://evil|Runbook>`), and decodes `&amp;`, `&lt;` and `&gt;`; mrkdwn also reads `*bold*`,
 * `_italic_`, `~strike~`, `` `code` `` and a leading `>` as a quote. Every piece of untrusted text
 * (alarm names, finding titles, commit messages, command arguments, reasons) goes through
 * {@link escapeSlackText} so it arrives as inert characters: the entities are escaped and the
 * formatting characters that could open or close formatting become look-alikes ({@link neutralizeMrkdwn}),
 * so `*APPROVED BY CTO*` reads as typed but is never bold. The only `<…>` sequences Firebreak
 * writes are mentions of validated Slack user ids ({@link mention}) and checked https links ({@link link}).
 */
import { SLACK_USER_ID_SHAPE } from '../ids.ts';

/** Slack Block Kit limits (https://docs.slack.dev/reference/block-kit). */
export const SLACK_LIMITS = {
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  contextText: 2000,
  blocks: 50,
  /** Slack accepts about 40,000 characters of `text`; Firebreak keeps its fallback text far shorter. */
  fallbackText: 3000,
} as const;

const ELLIPSIS = '…';
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Escapes `&`, `<` and `>` and neutralizes mrkdwn, so Slack shows the text as typed and never reads it as markup. */
export function escapeSlackText(text: string): string {
  return escapeSlackEntities(neutralizeMrkdwn(String(text)));
}

/** Escapes only `&`, `<` and `>`: for Firebreak's own text (usage lines with `<request>`), never for untrusted text. */
export const escapeSlackEntities = (text: string): string => text.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);

/**
 * Formatting characters replaced by look-alikes, one character for one, so untrusted text can carry
 * no mrkdwn: `*` → `∗`, `~` → `∼`, `` ` `` → `ˋ` always; `_` only where it could open or close
 * italics (next to a non-alphanumeric character or an end: `my_service` stays as typed); `>` at the
 * start of a line (a quote) → `›`. Links and mentions need `<…>`, which {@link escapeSlackText} escapes.
 */
function neutralizeMrkdwn(text: string): string {
  return String(text)
    .replace(/[*~`]/g, (c) => MRKDWN_LOOK_ALIKES[c] ?? c)
    .replace(/_/g, (c, at: number, all: string) =>
      isWordCharacter(all.charAt(at - 1)) && isWordCharacter(all.charAt(at + 1)) ? c : 'ˍ',
    )
    .replace(/^(\s*)>/gm, '$1›');
}

const MRKDWN_LOOK_ALIKES: Readonly<Record<string, string>> = { '*': '∗', '~': '∼', '`': 'ˋ' };
const isWordCharacter = (c: string): boolean => c !== '' && /[\p{L}\p{N}]/u.test(c);

/**
 * Cuts `text` to at most `max` characters (UTF-16 units, which is what Slack counts), ending in `…`
 * when it had to cut. Never splits a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  if (max === 1) return ELLIPSIS;
  let end = max - 1;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * Escapes untrusted text and truncates it so the escaped result fits in `max` characters, without
 * cutting through an escape such as `&amp;` or a surrogate pair.
 */
export function safeText(text: string, max: number = SLACK_LIMITS.sectionText): string {
  return escapedWithin(neutralizeMrkdwn(String(text)), max);
}

/** Entity-escapes `raw` and cuts it to `max` characters without cutting through an escape. */
function escapedWithin(raw: string, max: number): string {
  const full = escapeSlackEntities(raw);
  if (full.length <= max) return full;
  if (max <= 0) return '';
  let out = '';
  for (const ch of raw) {
    const piece = ESCAPES[ch] ?? ch;
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return out + ELLIPSIS;
}

/** One line of untrusted text: control characters and line breaks become spaces, then escaped and truncated. */
export function safeLine(text: string, max: number = SLACK_LIMITS.sectionText): string {
  return safeText(oneLine(text), max);
}

/** A user mention for a Slack user id (`U…`/`W…`); anything else is shown escaped, never as markup. */
export function mention(userId: string): string {
  return isSlackUserId(userId) ? `<@${userId}>` : escapeSlackText(String(userId));
}

export const isSlackUserId = (value: string): boolean => SLACK_USER_ID_SHAPE.test(value);

/**
 * Inline code for untrusted text: escaped, on one line, backticks replaced by a look-alike (ˋ) so
 * the value cannot close the code span and smuggle formatting. Truncated to `max` characters of
 * content. An empty value is shown as `(empty)`.
 */
export function code(text: string, max = 200): string {
  // Not trimmed: leading or trailing spaces in a value are part of what runs.
  const value = String(text)
    .replace(/`/g, 'ˋ')
    .replace(/\r\n|[\r\n\u2028\u2029]/g, '↵')
    .replace(CONTROL, ' ');
  if (value === '') return '_(empty)_';
  // Inside a code span mrkdwn is inert: only the entities are escaped, so `*` and `_` show as they are.
  return '`' + escapedWithin(value, max) + '`';
}

/**
 * A link for a URL Firebreak did not write: only https URLs without `|`, `<`, `>`, whitespace or
 * control characters become `<url|label>`; anything else gives `undefined` (leave the link out).
 */
export function link(url: string | undefined, label: string): string | undefined {
  if (!url || url.length > 2000 || /[|<>\s]/.test(url) || new RegExp(CONTROL.source).test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' || !parsed.hostname || parsed.username || parsed.password) return undefined;
  // Slack decodes `&amp;` inside links; the label is ours but escaped all the same.
  return `<${url.replace(/&/g, '&amp;')}|${safeLine(label, 200).replace(/\|/g, '¦')}>`;
}

/** `2026-03-01 10:00:00 UTC` from an ISO timestamp; an unparseable value is shown escaped as given. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return safeLine(iso, 64);
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

/** `45 s`, `30 min`, `2 h`, `1 h 30 min`, `2 d`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86_400);
  const h = Math.round((s % 86_400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** `1 signal`, `3 signals`. */
export const plural = (count: number, noun: string, nouns = `${noun}s`): string => `${count} ${count === 1 ? noun : nouns}`;

/** Joins at most `shown` items (already safe), then `+N more`. */
export function listWithMore(items: readonly string[], shown: number, separator = ', '): string {
  const head = items.slice(0, shown).join(separator);
  const rest = items.length - Math.min(items.length, shown);
  return rest > 0 ? `${head}${separator}+${rest} more` : head;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Control characters (C0 and DEL): matching them is the point here. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const LINE_BREAKING = /[\u0000-\u001f\u007f\u2028\u2029]+/g;

/** One line: control characters and line breaks become single spaces; trimmed. Not escaped. */
export function oneLine(text: string): string {
  return String(text).replace(LINE_BREAKING, ' ').trim();
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
