/**
 * Patch batches in Slack: the batch's message (posted once, updated in place with every change)
 * with progress replies in its thread, the answers to Approve/Reject clicks, and `/firebreak windows`.
 */
import type { Refusal } from '../core/approval/policy.ts';
import { batchMessage, batchThreadReply } from '../core/maintenance/batch-message.ts';
import type { PatchBatch } from '../core/maintenance/patch-batch.ts';
import { scheduleText } from '../core/maintenance/messages.ts';
import { code, escapeSlackText } from '../core/slack/text.ts';
import type { BatchDecisionResult, PatchWindowDependencies } from './patch-windows.ts';
import type { BatchMessagesPort, PatchBatchesPort } from './ports/patch-windows.ts';
import type { SlackChannelPort } from './ports/slack.ts';
import type { Reply } from './reply.ts';

export interface PatchBatchSlackDependencies extends PatchWindowDependencies {
  readonly batches: PatchBatchesPort & BatchMessagesPort;
  readonly slack: SlackChannelPort;
  /** Where batch messages go. */
  readonly channel: string;
}

/** `Patch Batch Changed`: the batch message shows the batch as it is now; a meaningful change also gets a thread reply. */
export async function showPatchBatch(
  batchId: string,
  deps: PatchBatchSlackDependencies,
  /** The state the event announced: its thread reply is posted even when the batch has moved on since (a burst of events). */
  announced?: PatchBatch['state'],
): Promise<{ action: string }> {
  const batch = await deps.batches.getBatch(batchId);
  if (!batch) throw new Error(`patch batch ${batchId} not found`);
  const window = deps.config.maintenance.windows.find((w) => w.id === batch.windowId);
  if (!window) return { action: 'window_not_configured' };
  const now = deps.now().toISOString();
  const message = batchMessage(batch, window);
  let posted = await deps.batches.getMessage(batch.id);
  let action = 'updated';
  if (!posted?.ts) {
    // One poster: a second delivery racing the first fails here and is retried once the message exists.
    if (!(await deps.batches.claimMessage(batch.id, now)))
      throw new Error(`patch batch ${batch.id}: its message is being posted`);
    const at = await deps.slack.post(deps.channel, message);
    await deps.batches.saveMessage(batch.id, at);
    posted = at;
    action = 'posted';
  } else {
    // Events may arrive out of order: the message always shows the batch as read now, never an older version.
    await deps.slack.update(posted.channel!, posted.ts, message);
  }
  const reply = batchThreadReply(announced ? { ...batch, state: announced } : batch);
  if (reply && (await deps.batches.claimOnce(batch.id, reply.claim, now))) {
    await deps.slack.post(posted.channel!, { text: reply.text }, { threadTs: posted.ts! });
    action += `+${reply.claim}`;
  }
  return { action };
}

const REFUSALS: Partial<Record<Refusal, string>> = {
  cto_available: 'The CTO is available: senior engineers may approve only while the CTO is away or silent.',
  wrong_role: 'Only the CTO, or senior engineers while the CTO is unavailable, decide patch batches.',
  not_on_roster: 'You are not on the Firebreak roster.',
  other_workspace: 'Firebreak does not accept decisions from this workspace.',
  already_approved: 'You already approved this batch; another senior engineer is needed.',
  already_decided: 'This batch is already decided (or does not exist).',
  expired: "The window's cutoff has passed: its findings go to the next window's batch.",
};

/** What the person who clicked is told. */
export function batchDecisionReply(batchId: string, result: BatchDecisionResult): Reply {
  const id = code(batchId, 80);
  if (!result.ok) return { ok: false, text: `${id}: ${REFUSALS[result.refusal] ?? escapeSlackText(result.refusal)}` };
  if (result.outcome === 'approved')
    return {
      ok: true,
      text: `${id} approved: its AWS-RunPatchBaseline task is being registered in window ${code(result.batch.windowId, 40)}.`,
    };
  if (result.outcome === 'approval_recorded')
    return { ok: true, text: `${id}: your approval is recorded; another senior engineer is needed.` };
  return { ok: true, text: `${id} rejected.` };
}

/** `/firebreak windows`: each window's next opening and what is scheduled for it. */
export async function windowsSchedule(deps: Pick<PatchWindowDependencies, 'batches' | 'config' | 'now'>): Promise<Reply> {
  const windows = deps.config.maintenance.windows;
  const batches = (await Promise.all(windows.map((w) => deps.batches.openBatches(w.id)))).flat();
  return { ok: true, text: scheduleText(windows, batches, deps.now().toISOString()) };
}
