/**
 * Untrusted text made safe for a terminal: what a dead letter carries (an event's source, an error
 * message) is written by whoever sent the event, and an ANSI escape in it could recolour, hide,
 * rewrite or retitle the operator's screen. Pure.
 */

/** CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ESC \`), other ESC sequences, and their 8-bit forms. */
/* eslint-disable no-control-regex -- matching control characters is the point */
const ESCAPE_SEQUENCES =
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b[\]PX^_]|[\u0090\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[@-Z\\-_]?/g;
/** Every remaining C0/C1 control character and DEL (line breaks and tabs included: one line per field). */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
/* eslint-enable no-control-regex */
/** Bidirectional overrides and isolates, which can make text read in another order than it is. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/**
 * One line as the terminal will show it: escape sequences removed, every other control character
 * (line breaks included) a space, bidi controls removed. Not trimmed, so indentation survives.
 */
export function terminalLine(text: string): string {
  return String(text).replace(ESCAPE_SEQUENCES, '').replace(CONTROLS, ' ').replace(BIDI, '');
}

/** Text of several lines (a rendered report): each line made safe by {@link terminalLine}. */
export function terminalText(text: string): string {
  return String(text).split('\n').map(terminalLine).join('\n');
}

/** One line, escape sequences removed, controls turned into spaces, at most `max` characters. */
export function terminalSafe(text: string, max = 300): string {
  const clean = terminalLine(text).trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * JSON for the terminal, lossless: JSON.stringify already escapes C0 controls (ESC included); the
 * C1 controls (an 8-bit CSI, U+009B, starts an escape sequence too), DEL, bidi controls and line
 * separators it leaves raw are written as `\uXXXX` escapes, which parse back to the same value.
 */
export function terminalJson(value: unknown): string {
  return (JSON.stringify(value, null, 2) ?? 'null').replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
