import { terminalLine } from '../../../bin/cli/terminal-text.ts';
import type { DrillOutcome } from './run.ts';

// The drill transcript as text: the printed report, and the one-line forms of Slack text it uses.

/** The human-readable transcript `firebreak drill` prints. */
export function renderDrill(outcome: DrillOutcome, start: string): string {
  const t0 = Date.parse(start);
  const clock = (at: string) => {
    const s = Math.round((Date.parse(at) - t0) / 1000);
    return `T+${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };
  const out: string[] = [`Firebreak drill: ${outcome.scenario}`, `virtual clock starts at ${start}`, ''];
  for (const line of outcome.transcript) {
    out.push(`[${clock(line.at)}] ${line.step}`);
    for (const result of line.results) out.push(`             ${result}`);
  }
  out.push('', `Incidents at the end (${outcome.incidents.length}):`);
  for (const i of outcome.incidents) {
    out.push(
      `  ${i.id}  ${i.severity}  ${i.category.padEnd(12)} ${i.status.padEnd(12)} ${String(i.signalCount).padStart(5)} signal(s)  ${truncate(i.title, 70)}`,
    );
  }
  if (outcome.mitigations.length) {
    out.push('', `Mitigation requests (${outcome.mitigations.length}):`);
    for (const r of outcome.mitigations) {
      out.push(
        `  ${r.id}  ${r.catalogId.padEnd(20)} ${r.state.padEnd(18)}${r.decidedBy?.length ? ` by ${r.decidedBy.join(', ')}` : ''}${r.escalatedAt ? ' (escalated to senior engineers)' : ''}`,
      );
    }
  }
  out.push('', `Slack (local stand-in) holds ${outcome.slack.length} message(s):`);
  for (const m of outcome.slack)
    out.push(`  ${m.channel} ${m.threadTs ? '  └ ' : ''}${truncate(m.text.split('\n')[0] ?? '', 110)}`);
  const emitted = Object.entries(outcome.emitted).map(([type, n]) => `${type} ×${n}`);
  out.push('', `Events on the firebreak bus: ${emitted.length ? emitted.join(', ') : 'none'}`);
  out.push(
    `Dead-letter queue: ${outcome.deadLetters.length ? outcome.deadLetters.map((d) => `${d.eventId ?? '(no id)'}: ${d.error}`).join('; ') : 'empty'}`,
  );
  const failed = outcome.checks.filter((c) => !c.passed);
  out.push('', `Expectations: ${outcome.checks.length - failed.length} passed, ${failed.length} failed`);
  for (const check of outcome.checks) out.push(`  ${check.passed ? '✓' : '✗'} ${check.expectation} — ${check.detail}`);
  // Titles, Slack text and errors come from the scenario's events: one line each, no escape sequences.
  return out.map(terminalLine).join('\n');
}

/** Slack's escaping undone for the transcript, one line. */
export const plain = (text: string) => firstLine(text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
export const firstLine = (text: string) => truncate(text.split('\n')[0] ?? '', 150);

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
