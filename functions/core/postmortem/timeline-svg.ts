/**
 * A timeline picture as inline SVG: one horizontal time axis from the first signal to the last
 * milestone, a marker per milestone coloured by kind, labels staggered on rows so they do not
 * overlap. Pure; every piece of text is HTML-escaped.
 */
import { formatDuration, type Milestone, type MilestoneKind } from './timeline.ts';

export function escapeHtml(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A colour per kind of milestone: signals grey, decisions blue, refusals amber, failures red, recovery green. */
export const MILESTONE_COLOURS: Readonly<Record<MilestoneKind, string>> = {
  first_signal: '#6b7280',
  detected: '#dc2626',
  acknowledged: '#2563eb',
  severity: '#9333ea',
  requested: '#0891b2',
  escalated: '#d97706',
  approval: '#2563eb',
  refused: '#d97706',
  rejected: '#b91c1c',
  expired: '#6b7280',
  mitigation_started: '#0d9488',
  mitigation_finished: '#0d9488',
  cancel: '#d97706',
  resolved: '#16a34a',
  reopened: '#dc2626',
  closed: '#374151',
};

const WIDTH = 960;
const MARGIN = 60;
const ROW = 16;
const ROWS = 6;

/** The SVG for a list of milestones (in time order). `label` names each one (e.g. with its actor). */
export function timelineSvg(milestones: readonly Milestone[], label: (m: Milestone) => string, title: string): string {
  if (milestones.length === 0) return '';
  const start = Date.parse(milestones[0]!.at);
  const end = Math.max(start + 1000, Date.parse(milestones[milestones.length - 1]!.at));
  const x = (at: string) => MARGIN + ((Date.parse(at) - start) / (end - start)) * (WIDTH - 2 * MARGIN);
  const axisY = 30 + ROWS * ROW;
  const height = axisY + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" viewBox="0 0 ${WIDTH} ${height}" width="100%" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<line x1="${MARGIN}" y1="${axisY}" x2="${WIDTH - MARGIN}" y2="${axisY}" stroke="#9ca3af" stroke-width="2"/>`,
  ];
  // Ticks: start, a quarter, half, three quarters, end of the span.
  for (let i = 0; i <= 4; i++) {
    const tx = MARGIN + (i / 4) * (WIDTH - 2 * MARGIN);
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="${axisY - 4}" x2="${tx.toFixed(1)}" y2="${axisY + 4}" stroke="#9ca3af"/>`,
      `<text x="${tx.toFixed(1)}" y="${axisY + 20}" font-size="11" text-anchor="middle" fill="#4b5563">T+${formatDuration(((end - start) * i) / 4)}</text>`,
    );
  }
  milestones.forEach((m, index) => {
    const mx = x(m.at).toFixed(1);
    const row = index % ROWS;
    const ly = 22 + row * ROW;
    const colour = MILESTONE_COLOURS[m.kind];
    const anchor = Number(mx) > WIDTH * 0.7 ? 'end' : 'start';
    parts.push(
      `<g class="milestone" data-kind="${m.kind}" data-at="${escapeHtml(m.at)}">`,
      `<line x1="${mx}" y1="${ly + 3}" x2="${mx}" y2="${axisY}" stroke="${colour}" stroke-dasharray="2 2"/>`,
      `<circle cx="${mx}" cy="${axisY}" r="5" fill="${colour}"><title>${escapeHtml(`${m.at} ${label(m)}`)}</title></circle>`,
      `<text x="${mx}" y="${ly}" font-size="11" text-anchor="${anchor}" fill="${colour}">${escapeHtml(truncate(label(m), 60))}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
