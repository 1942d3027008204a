/** The thread's lines about a mitigation's run: its progress, and the summary when it ends. Pure. */
import type { MitigationRequest } from '../mitigations/mitigation.ts';
import { escapeSlackText, joinAnd, mention } from './text.ts';

const FAILED_SHOWN = 50;

/**
 * "Progress: 9,990 succeeded · 1 failed · 9 running" from the progress item (numbers only: nothing to
 * escape); `none` when no instance has reported yet.
 */
export function progressLine(
  progress: Record<string, unknown> | undefined,
  none = 'waiting for the first instance',
): string | undefined {
  if (!progress) return undefined;
  const parts = ['succeeded', 'failed', 'timed_out', 'cancelled', 'in_progress']
    .map((bucket) => [bucket, typeof progress[bucket] === 'number' ? (progress[bucket] as number) : 0] as const)
    .filter(([, n]) => n > 0)
    .map(([bucket, n]) => `${n.toLocaleString('en-US')} ${bucket === 'in_progress' ? 'running' : bucket.replace('_', ' ')}`);
  return `Progress: ${parts.join(' · ') || none}`;
}

/** The summary posted once in the thread when a run ends: outcome, counts, failed instances, who cancelled, why. */
export function runSummary(request: MitigationRequest, progress: Record<string, unknown> | undefined) {
  const failed = progress?.failedInstances instanceof Set ? [...(progress.failedInstances as Set<string>)].sort() : [];
  const shown = failed
    .slice(0, FAILED_SHOWN)
    .map((id) => `\`${escapeSlackText(id)}\``)
    .join(', ');
  const icon = request.state === 'succeeded' ? ':white_check_mark:' : request.state === 'cancelled' ? ':octagonal_sign:' : ':x:';
  // Whoever cancelled is a decider (a Slack user id, checked by mention()), so Slack shows them as a mention.
  const outcome =
    request.state === 'cancelled' && request.decidedBy?.length
      ? `cancelled by ${joinAnd(request.decidedBy.map(mention))}`
      : request.state;
  const text = [
    // A runbook acting on one resource has no instances to count.
    `${icon} *${escapeSlackText(request.title)}* (\`${request.id}\`) ${outcome}. ${request.plan.targets.type === 'resource' ? '' : (progressLine(progress, 'no instance had reported') ?? '')}`.trimEnd(),
    ...(failed.length
      ? [`Failed or timed out: ${shown}${failed.length > FAILED_SHOWN ? ` and ${failed.length - FAILED_SHOWN} more` : ''}`]
      : []),
    ...(request.reason ? [`Reason: ${escapeSlackText(request.reason)}`] : []),
  ].join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }] };
}
