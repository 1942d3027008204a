/** Reading Slack messages back as plain text (drill transcripts, tests). Pure. */
import { SLACK_USER_ID_SHAPE } from '../ids.ts';

/**
 * Renders a message as the plain text a reader would see: mentions as `@U123`, links as
 * `label (url)`, escaped characters as the characters themselves, buttons as `[Approve] [Reject]`.
 */
export function renderMessageText(message: { text?: string; blocks?: object[] }): string {
  const blocks = (message.blocks ?? []) as Array<Record<string, unknown>>;
  if (!blocks.length) return readable(message.text ?? '');
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        lines.push(readable(textOf(block.text)));
        break;
      case 'section': {
        if (block.text) lines.push(readable(textOf(block.text)));
        const fields = Array.isArray(block.fields) ? block.fields : [];
        for (const f of fields) {
          const t = textOf(f);
          const labelled = /^\*([^*\n]+)\*\n([\s\S]*)$/.exec(t);
          lines.push(labelled ? `${readable(labelled[1]!)}: ${readable(labelled[2]!)}` : readable(t));
        }
        const accessory = block.accessory as Record<string, unknown> | undefined;
        if (accessory?.type === 'button') lines.push(`[${readable(textOf(accessory.text))}]`);
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? (block.elements as unknown[]) : [];
        lines.push(
          elements
            .map((e) => readable(textOf(e)))
            .filter(Boolean)
            .join(' · '),
        );
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? (block.elements as Array<Record<string, unknown>>) : [];
        lines.push(elements.map((e) => `[${readable(textOf(e.text) || String(e.action_id ?? e.type))}]`).join(' '));
        break;
      }
      case 'divider':
        lines.push('---');
        break;
      default:
        lines.push(`[${String(block.type)}]`);
    }
  }
  return lines.join('\n');
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string')
    return (value as { text: string }).text;
  return '';
}

/** Slack's markup as displayed: real `<…>` sequences first, then the escaped characters. */
function readable(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_all, inner: string) => {
      const [target = '', label] = inner.split('|', 2);
      if (target.startsWith('@') && SLACK_USER_ID_SHAPE.test(target.slice(1))) return label ? `@${label}` : target;
      if (target.startsWith('!')) return `@${(label ?? target.slice(1)).replace(/^subteam\^\w+$/, 'group')}`;
      if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
      return label ? `${label} (${target})` : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
