/** The patch batch's Slack message (with its Approve/Reject buttons while it waits) and its thread replies. Pure. */
import { button, section, type SlackMessage } from '../slack/block-kit.ts';
import { code, formatTime, safeLine } from '../slack/text.ts';
import type { MaintenanceWindow } from './maintenance-config.ts';
import { batchText } from './messages.ts';
import type { PatchBatch } from './patch-batch.ts';

export const BATCH_ACTION_IDS = { approve: 'patch_batch_approve', reject: 'patch_batch_reject' } as const;

/** The batch message, updated in place as the batch moves on; the buttons go once it is decided. */
export function batchMessage(batch: PatchBatch, window: MaintenanceWindow): SlackMessage {
  const text = batchText(batch, window);
  const blocks: object[] = [section(text)];
  if (batch.state === 'awaiting_approval')
    blocks.push({
      type: 'actions',
      elements: [
        button('Approve batch', BATCH_ACTION_IDS.approve, batch.id, 'primary'),
        button('Reject batch', BATCH_ACTION_IDS.reject, batch.id, 'danger'),
      ],
    });
  return { text: safeLine(text.split('\n')[0]!, 3000), blocks };
}

/** The thread reply a state change is worth (once each); undefined for changes the message shows alone. */
export function batchThreadReply(batch: PatchBatch): { claim: string; text: string } | undefined {
  const id = code(batch.id, 80);
  const run = batch.run;
  const targets = run
    ? Object.entries(run.targets)
        .map(([status, count]) => `${count} ${status.toLowerCase()}`)
        .join(', ') || 'no targets reported'
    : '';
  switch (batch.state) {
    case 'registered':
      return {
        claim: 'registered',
        text: `:white_check_mark: ${id}: AWS-RunPatchBaseline registered in its window (task ${code(batch.windowTaskId ?? '?', 40)}); it runs when the window opens ${formatTime(batch.opensAt)}.`,
      };
    case 'running':
      return run
        ? {
            claim: `running-${run.windowExecutionId}`,
            text: `:gear: ${id}: the window opened, run ${code(run.windowExecutionId, 40)} started.`,
          }
        : undefined;
    case 'succeeded':
      return {
        claim: 'final',
        text: `:large_green_circle: ${id}: the window run succeeded · targets ${targets}. Its task was deregistered.`,
      };
    case 'failed':
      return {
        claim: 'final',
        text: `:red_circle: ${id}: the window run ended ${run?.status.toLowerCase() ?? 'failed'} · targets ${targets}. Its task was deregistered.`,
      };
    case 'rejected':
      return { claim: 'final', text: `:no_entry: ${id} was rejected: nothing will be registered for this window.` };
    default:
      return undefined;
  }
}
