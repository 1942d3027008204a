/** The postmortem as one self-contained HTML page (no script, no external resource), with a timeline picture. Pure. */
import type { Block, Postmortem } from './postmortem.ts';
import { escapeHtml, timelineSvg } from './timeline-svg.ts';

/** Shared by the postmortem and the drill report: readable without any external stylesheet. */
export const PAGE_STYLE = `body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#111827}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}th,td{border:1px solid #d1d5db;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f6}h1{font-size:1.5rem}h2{border-bottom:1px solid #e5e7eb;margin-top:2rem}.prompt{color:#6b7280;font-style:italic}
.pass{color:#15803d}.fail{color:#b91c1c;font-weight:600}code,pre{font-family:ui-monospace,monospace;font-size:12px}pre{background:#f9fafb;padding:.5rem;overflow-x:auto}`;

/**
 * A page's head: a Content-Security-Policy that allows no script and no external resource, so a
 * hostile finding title can neither run nor load anything even if an escape were missed.
 */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>`;
}

export function renderPostmortemHtml(doc: Postmortem): string {
  const body: string[] = [`<h1>${escapeHtml(doc.title)}</h1>`];
  for (const section of doc.sections) {
    body.push(`<section><h2>${escapeHtml(section.title)}</h2>`);
    for (const block of section.blocks) body.push(blockHtml(block, doc, 3));
    body.push('</section>');
  }
  return `${pageHead(doc.title)}\n<body>\n${body.join('\n')}\n</body></html>\n`;
}

function blockHtml(block: Block, doc: Postmortem, depth: number): string {
  switch (block.kind) {
    case 'text':
      return `<p>${escapeHtml(block.text)}</p>`;
    case 'prompt':
      return `<p class="prompt">${escapeHtml(block.text)}</p>`;
    case 'list':
      return `<ul>${block.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'table':
      return htmlTable(block.head, block.rows);
    case 'timeline':
      return timelineSvg(
        doc.timeline.milestones,
        (m) => `${m.what} · ${doc.people[m.actor] ?? m.actor}`,
        `Timeline of ${doc.incidentId}`,
      );
    case 'section':
      return `<h${depth}>${escapeHtml(block.title)}</h${depth}>${block.blocks.map((b) => blockHtml(b, doc, depth + 1)).join('')}`;
  }
}

export function htmlTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = (tag: string, row: readonly string[]) =>
    `<tr>${row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table><thead>${cells('th', head)}</thead><tbody>${rows.map((r) => cells('td', r)).join('')}</tbody></table>`;
}
