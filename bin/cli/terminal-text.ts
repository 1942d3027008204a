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

/** One line, escape sequences removed, controls turned into spaces, at most `max` characters. */
export function terminalSafe(text: string, max = 300): string {
  const clean = String(text).replace(ESCAPE_SEQUENCES, '').replace(CONTROLS, ' ').replace(BIDI, '').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
