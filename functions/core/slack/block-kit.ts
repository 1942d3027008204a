/**
 * Block Kit building blocks (plain objects) for Firebreak's Slack messages. Pure. Every mrkdwn text
 * object is `verbatim`, so Slack does not turn bare URLs, `@here` or `#channel` in untrusted text
 * into links.
 */
import { SLACK_LIMITS, safeLine, safeText } from './text.ts';

export type SlackMessage = { text: string; blocks: object[] };
export type EphemeralReply = { response_type: 'ephemeral'; replace_original: false; text: string };

/** A plain ephemeral reply (slash command or button response); the text is escaped. */
export function ephemeral(text: string): EphemeralReply {
  return { response_type: 'ephemeral', replace_original: false, text: safeText(text, SLACK_LIMITS.fallbackText) };
}

export const plainText = (text: string) => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

/** A header from raw (untrusted) text: escaped and cut to Slack's 150 characters. */
export const header = (raw: string) => ({ type: 'header', text: plainText(safeLine(raw, SLACK_LIMITS.header)) });
/** A section from mrkdwn that is already safe. */
export const section = (safe: string) => ({ type: 'section', text: mrkdwn(clip(safe, SLACK_LIMITS.sectionText)) });
export const field = (label: string, safeValue: string) => `*${label}*\n${safeValue}`;
export const fieldsSection = (fields: string[]) => ({
  type: 'section',
  fields: fields.slice(0, SLACK_LIMITS.sectionFields).map((f) => mrkdwn(clip(f, SLACK_LIMITS.sectionField))),
});
export const contextBlock = (safe: string[]) => ({
  type: 'context',
  elements: safe.slice(0, SLACK_LIMITS.contextElements).map((t) => mrkdwn(clip(t, SLACK_LIMITS.contextText))),
});

export function button(label: string, actionId: string, value: string, style?: 'primary' | 'danger'): object {
  return {
    type: 'button',
    action_id: actionId,
    text: plainText(safeLine(label, SLACK_LIMITS.buttonText)),
    value: value.slice(0, SLACK_LIMITS.buttonValue),
    ...(style ? { style } : {}),
  };
}

/**
 * Last-resort cut of already-safe mrkdwn that never ends inside an entity (`&amp;`) or a mention
 * (`<@U…>`); the builders above keep their pieces short enough that this rarely applies.
 */
function clip(safe: string, max: number): string {
  if (safe.length <= max) return safe;
  let end = max - 1;
  const openTag = safe.lastIndexOf('<', end);
  if (openTag > safe.lastIndexOf('>', end - 1)) end = openTag;
  const amp = safe.lastIndexOf('&', end);
  if (amp >= 0 && amp > safe.lastIndexOf(';', end - 1) && end - amp < 6) end = amp;
  const code = safe.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${safe.slice(0, end)}…`;
}
