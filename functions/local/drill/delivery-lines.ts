import type { IngestResult } from '../../ingest/handler.ts';
import type { Delivery } from '../event-bus.ts';

// What the bus deliveries of a step did, as transcript lines.

function describeDeliveries(deliveries: readonly Delivery[]): string[] {
  const lines: string[] = [];
  for (const delivery of deliveries) {
    if (delivery.error) {
      lines.push(`✗ ${delivery.rule}: ${delivery.error.message} → dead-letter queue`);
      continue;
    }
    const result = delivery.result as IngestResult | undefined;
    for (const o of result?.outcomes ?? []) {
      const rule = o.rule ? `rule "${o.rule}"` : 'no rule matched (fallback)';
      switch (o.outcome) {
        case 'opened':
          lines.push(`→ opened ${o.incidentId} ${o.severity} ${o.category} (${rule})`);
          break;
        case 'updated':
          lines.push(
            `→ updated ${o.incidentId}${o.changes?.includes('severity_raised') ? ` (severity raised to ${o.severity})` : ''}`,
          );
          break;
        case 'resolved':
        case 'reopened':
          lines.push(`→ ${o.outcome} ${o.incidentId}`);
          break;
        case 'duplicate':
          lines.push(
            `→ duplicate of an event already processed: nothing changed (${o.incidentId}; its announcement went out with the first commit)`,
          );
          break;
        default:
          lines.push(`→ ${o.outcome}: ${o.reason ?? ''}`.trimEnd());
      }
    }
  }
  if (deliveries.length === 0) lines.push('→ no rule matches this event: not delivered');
  return lines;
}

/** Collapses the outcomes of a repeated injection: "→ updated INC-1 ×9". */
export function summarize(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, count]) => (count > 1 ? `${line} ×${count}` : line));
}

export function describeDeploymentDeliveries(deliveries: readonly Delivery[]): string[] {
  return deliveries.flatMap((d) => {
    if (d.error) return [`✗ ${d.rule}: ${d.error.message} → dead-letter queue`];
    const r = d.result as
      | {
          deploymentId?: string;
          service?: string;
          status?: string;
          change?: string;
          incidentId?: string;
          held?: boolean;
          outcomes?: unknown;
        }
      | undefined;
    if (d.rule === 'Execute' || d.rule === 'Track' || d.rule === 'Notify') return describeExecution(d);
    if (d.rule === 'Tracker') return [describeClosures(d.result as WorkItemsOutcome | undefined)];
    if (!r?.deploymentId) return describeDeliveries([d]);
    return [
      `→ ${r.service} ${r.status} (${r.change})${r.incidentId ? `, incident ${r.incidentId}` : ''}${r.held ? ', release hold placed' : ''}`,
    ];
  });
}

interface WorkItemsOutcome {
  readonly closed?: number;
  readonly alreadyClosed?: number;
  readonly failed?: number;
}

/** The tracker's closures of one deployment's work items, counted (each is also reported in the notice's thread). */
const describeClosures = (r: WorkItemsOutcome | undefined): string =>
  `→ work items: ${r?.closed ?? 0} closed, ${r?.alreadyClosed ?? 0} already closed, ${r?.failed ?? 0} failed to close`;

/** The executor's and tracker's part, folded: "⚙ MIT-… started" and the final outcome, not every status event. */
function describeExecution(d: Delivery): string[] {
  if (d.error) return [`✗ ${d.rule}: ${d.error.message}`];
  const r = d.result as
    { outcome?: string; runId?: string; reason?: string; requestId?: string; children?: { children: number } } | undefined;
  if (d.rule === 'Execute')
    return r?.outcome === 'started'
      ? [`⚙ Systems Manager run ${r.runId} started (SIMULATED fleet)`]
      : [`⚙ executor: ${r?.outcome}${r?.reason ? ` (${r.reason})` : ''}`];
  if (d.rule === 'Track' && r?.outcome && r.outcome !== 'running' && r.outcome !== 'not ours')
    return [`⚙ ${r.requestId} ${r.outcome}${r.children ? ` (${r.children.children} child execution(s) read)` : ''}`];
  return [];
}

export function describeSchedules(fired: readonly Delivery[]): string[] {
  return fired
    .filter((d) => d.rule.startsWith('schedule:'))
    .map((d) => {
      const result = d.result as { outcome?: string; requestId?: string; action?: string } | undefined;
      if (d.error) return `✗ ${d.rule}: ${d.error.message}`;
      return `⏰ ${d.rule.slice('schedule:'.length)}: ${result?.outcome ?? result?.action ?? 'done'}`;
    });
}
