import type { Incident } from '../../functions/core/incidents/incident.ts';
import { terminalLine } from './terminal-text.ts';

/** `incidents list`: one line per incident. */
export function renderList(list: readonly Incident[]): string {
  if (list.length === 0) return 'No incidents.';
  return (
    list
      .map(
        (i) =>
          `${i.id}  ${i.severity}  ${i.category.padEnd(12)} ${i.status.padEnd(12)} ${String(i.signalCount).padStart(5)}  ${i.lastSeen}  ${i.title}`,
      )
      // Titles, subjects and resources come from whoever sent the event: one line each, no escape sequences.
      .map(terminalLine)
      .join('\n')
  );
}

/** `incidents show`: the incident's facts, one per line. */
export function renderIncident(i: Incident): string {
  return [
    `${i.id}  ${i.severity} ${i.category}  ${i.status}`,
    `  title:       ${i.title}`,
    `  source:      ${i.source} (${i.kind})`,
    `  subject:     ${i.subject}`,
    `  account:     ${i.account} ${i.region}`,
    `  resources:   ${i.resources.join(', ') || '-'}`,
    `  signals:     ${i.signalCount} (first ${i.firstSeen}, last ${i.lastSeen})${i.reopenCount ? `, reopened ${i.reopenCount}×` : ''}`,
    `  rule:        ${i.rule ?? '(none matched: fallback)'}`,
    `  channel:     ${i.channel}`,
    `  opened:      ${i.openedAt}${i.resolvedAt ? `, resolved ${i.resolvedAt}` : ''}`,
  ]
    .map(terminalLine)
    .join('\n');
}
