/** `firebreak stats` as text for people: one table per severity, one per category. Pure. */
import { formatDuration } from '../postmortem/timeline.ts';
import type { Distribution, GroupStats, IncidentStats } from './incident-stats.ts';

const HEAD = [
  '',
  'incidents',
  'resolved',
  'ack median/p90',
  '1st approval median/p90',
  'resolve median/p90',
  'signals median/p90',
  'escalations',
  'mitigations ok',
  'refusals',
];

export function renderStatsText(stats: IncidentStats): string {
  const lines = [`Incidents opened ${stats.since} .. ${stats.until}: ${stats.total.incidents}`];
  if (!stats.total.incidents) return `${lines[0]}\n`;
  lines.push('', table('severity', [...Object.entries(stats.bySeverity), ['all', stats.total]]));
  lines.push('', table('category', Object.entries(stats.byCategory)));
  lines.push(
    '',
    'Durations are from detection (Firebreak opening the incident); median and p90 interpolate between ranks.',
    'ok = succeeded / finished mitigation runs.',
  );
  return `${lines.join('\n')}\n`;
}

function table(label: string, groups: readonly (readonly [string, GroupStats | undefined])[]): string {
  const rows = [[label, ...HEAD.slice(1)], ...groups.flatMap(([name, g]) => (g ? [row(name, g)] : []))];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function row(name: string, g: GroupStats): string[] {
  const { succeeded, failed, cancelled, successRate } = g.mitigations;
  const finished = succeeded + failed + cancelled;
  const refusals = Object.entries(g.refusals)
    .map(([reason, n]) => `${reason}×${n}`)
    .join(' ');
  return [
    name,
    String(g.incidents),
    String(g.resolved),
    durations(g.toAcknowledge),
    durations(g.toFirstApproval),
    durations(g.toResolve),
    g.signalsPerIncident.count ? `${round(g.signalsPerIncident.median!)}/${round(g.signalsPerIncident.p90!)}` : '—',
    String(g.escalations),
    finished ? `${Math.round(successRate! * 100)}% of ${finished}` : '—',
    refusals || '—',
  ];
}

const durations = (d: Distribution) => (d.count ? `${formatDuration(d.median!)}/${formatDuration(d.p90!)}` : '—');
const round = (n: number) => String(Math.round(n * 10) / 10);
