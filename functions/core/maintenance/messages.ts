/** What Slack says about patch batches and windows: safe mrkdwn (untrusted titles escaped). Pure. */
import { code, formatTime, joinAnd, listWithMore, mention, plural, safeLine } from '../slack/text.ts';
import type { MaintenanceWindow } from './maintenance-config.ts';
import type { PatchBatch } from './patch-batch.ts';
import { nextOccurrence } from './window-schedule.ts';

const STATE_TEXT: Record<PatchBatch['state'], string> = {
  awaiting_approval: 'awaiting approval',
  approved: 'approved (registering the task)',
  registered: 'scheduled (task registered)',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
};

function findingsLine(batch: PatchBatch): string {
  const cves = batch.findings.map((f) => `${code(f.vulnerabilityId, 80)} (${f.severity})`);
  const more = batch.findingsOmitted ? ` and ${batch.findingsOmitted} more` : '';
  return `${listWithMore(cves, 10)}${more}`;
}

/** The proposal posted for a batch (with Approve/Reject buttons), updated as it moves on. */
export function batchText(batch: PatchBatch, window: MaintenanceWindow): string {
  const lines = [
    `:calendar: *Patch batch* ${code(batch.id, 80)} for maintenance window ${code(window.id, 40)}: ${STATE_TEXT[batch.state]}`,
    `Window opens ${formatTime(batch.opensAt)}, tasks start until ${formatTime(batch.lastStartAt)} (${window.durationHours} h, cutoff ${window.cutoffHours} h).`,
    `AWS-RunPatchBaseline (Install, ${window.rebootOption}) on instances tagged ${code(`${window.targets.key}=${window.targets.values.join(',')}`, 200)}, at most ${code(window.maxConcurrency, 10)} at a time, stopping after ${code(window.maxErrors, 10)} errors.`,
    `${plural(batch.findings.length + batch.findingsOmitted, 'finding')}: ${findingsLine(batch)}`,
  ];
  if (batch.decidedBy?.length)
    lines.push(`${batch.state === 'rejected' ? 'Rejected' : 'Approved'} by ${joinAnd(batch.decidedBy.map(mention))}.`);
  if (batch.run) {
    const targets = Object.entries(batch.run.targets).map(([status, count]) => `${count} ${status.toLowerCase()}`);
    lines.push(
      `Window run ${code(batch.run.windowExecutionId, 40)}: ${batch.run.status.toLowerCase()}${targets.length ? ` · targets ${targets.join(', ')}` : ''}`,
    );
  }
  return lines.map((line) => safeLine(line, 3000)).join('\n');
}

/** `/firebreak windows`: each window's next opening and the batches scheduled for it. */
export function scheduleText(windows: readonly MaintenanceWindow[], batches: readonly PatchBatch[], now: string): string {
  if (windows.length === 0) return 'No maintenance windows are configured (`maintenance.windows`).';
  return windows
    .map((window) => {
      const next = nextOccurrence(window, now);
      const own = batches.filter((b) => b.windowId === window.id && !['succeeded', 'failed', 'rejected'].includes(b.state));
      const head = `*${code(window.id, 40)}* next opens ${formatTime(next.opensAt)} for ${window.durationHours} h`;
      if (own.length === 0) return `${head}: nothing scheduled.`;
      return [
        head,
        ...own.map((b) => `• ${code(b.id, 80)} (${formatTime(b.opensAt)}), ${STATE_TEXT[b.state]}: ${findingsLine(b)}`),
      ].join('\n');
    })
    .join('\n');
}
