/** The postmortem as Markdown. Pure. */
import type { Block, Postmortem } from './postmortem.ts';

/**
 * Untrusted text made inert in Markdown: one line, no control characters, Markdown punctuation
 * backslash-escaped (no link, image or emphasis can be smuggled in a finding title) and `&`, `<`,
 * `>` as entities (no raw HTML where a renderer allows it).
 */
export function markdownText(text: string): string {
  return (
    String(text)
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ')
      .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
  );
}

export function renderPostmortemMarkdown(doc: Postmortem): string {
  const out: string[] = [`# ${markdownText(doc.title)}`, ''];
  for (const section of doc.sections) {
    out.push(`## ${markdownText(section.title)}`, '');
    for (const block of section.blocks) out.push(...blockLines(block, 3));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function blockLines(block: Block, depth: number): string[] {
  switch (block.kind) {
    case 'text':
      return [markdownText(block.text), ''];
    case 'prompt':
      return [`_${markdownText(block.text)}_`, ''];
    case 'list':
      return [...block.items.map((item) => `- ${markdownText(item)}`), ''];
    case 'table': {
      const row = (cells: readonly string[]) => `| ${cells.map((c) => markdownText(c) || ' ').join(' | ')} |`;
      return [row(block.head), `|${block.head.map(() => ' --- ').join('|')}|`, ...block.rows.map(row), ''];
    }
    case 'timeline':
      // The picture is the HTML rendering's; Markdown has the table that follows.
      return [];
    case 'section':
      return [`${'#'.repeat(depth)} ${markdownText(block.title)}`, '', ...block.blocks.flatMap((b) => blockLines(b, depth + 1))];
  }
}
