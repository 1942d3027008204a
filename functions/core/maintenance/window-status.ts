/**
 * The status events of a maintenance window's run (source `aws.ssm`), as progress of the batch
 * registered in it. Shapes from the Systems Manager user guide, "EventBridge event examples for
 * Systems Manager" (Maintenance Windows events). Pure.
 */
import * as z from '../zod.ts';
import type { PatchBatch, WindowRun } from './patch-batch.ts';

export const WINDOW_EXECUTION_DETAIL_TYPE = 'Maintenance Window Execution State-change Notification';
export const WINDOW_TASK_DETAIL_TYPE = 'Maintenance Window Task Execution State-change Notification';
export const WINDOW_TARGET_DETAIL_TYPE = 'Maintenance Window Task Target Invocation State-change Notification';
export const WINDOW_STATUS_DETAIL_TYPES = [
  WINDOW_EXECUTION_DETAIL_TYPE,
  WINDOW_TASK_DETAIL_TYPE,
  WINDOW_TARGET_DETAIL_TYPE,
] as const;

/** The default-bus rule pattern delivering every window status event (windows of others are ignored by the use case). */
export const WINDOW_STATUS_PATTERN = { source: ['aws.ssm'], 'detail-type': [...WINDOW_STATUS_DETAIL_TYPES] } as const;

const Status = z.enum([
  'PENDING',
  'IN_PROGRESS',
  'SUCCESS',
  'FAILED',
  'TIMED_OUT',
  'CANCELLING',
  'CANCELLED',
  'SKIPPED_OVERLAPPING',
]);
const Id = z.string().check(z.minLength(1), z.maxLength(64));

const WindowStatusEvent = z.object({
  id: z.string().check(z.minLength(1)),
  source: z.literal('aws.ssm'),
  'detail-type': z.enum(WINDOW_STATUS_DETAIL_TYPES),
  detail: z.object({
    'window-id': z.string().check(z.regex(/^mw-[0-9a-f]{8,17}$/)),
    'window-execution-id': Id,
    'task-execution-id': z.optional(Id),
    'window-target-id': z.optional(Id),
    status: Status,
  }),
});

export interface WindowStatus {
  readonly level: 'window' | 'task' | 'target';
  /** The SSM window id (`mw-…`): which configured window ran. */
  readonly ssmWindowId: string;
  readonly windowExecutionId: string;
  readonly status: z.infer<typeof Status>;
  readonly eventId: string;
}

export function parseWindowStatus(event: unknown): WindowStatus {
  const parsed = WindowStatusEvent.parse(event);
  const level =
    parsed['detail-type'] === WINDOW_EXECUTION_DETAIL_TYPE
      ? 'window'
      : parsed['detail-type'] === WINDOW_TASK_DETAIL_TYPE
        ? 'task'
        : 'target';
  return {
    level,
    ssmWindowId: parsed.detail['window-id'],
    windowExecutionId: parsed.detail['window-execution-id'],
    status: parsed.detail.status,
    eventId: parsed.id,
  };
}

const FINAL = new Set(['SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'SKIPPED_OVERLAPPING']);

/**
 * Applies one status event to the batch registered in that window; undefined when it changes
 * nothing (another batch's run, a non-final target status, a repeat). Each target is counted once
 * per event id by the caller's idempotency; the window's own final status ends the batch.
 */
export function applyWindowStatus(batch: PatchBatch, status: WindowStatus): PatchBatch | undefined {
  if (batch.state !== 'registered' && batch.state !== 'running') return undefined;
  if (batch.run && batch.run.windowExecutionId !== status.windowExecutionId) return undefined;
  const run: WindowRun = batch.run ?? { windowExecutionId: status.windowExecutionId, status: 'PENDING', targets: {} };
  const version = batch.version + 1;
  if (status.level === 'target') {
    if (!FINAL.has(status.status)) return undefined;
    const targets = { ...run.targets, [status.status]: (run.targets[status.status] ?? 0) + 1 };
    return { ...batch, state: 'running', run: { ...run, targets }, version };
  }
  if (status.level === 'task') return undefined;
  if (!FINAL.has(status.status)) {
    if (batch.state === 'running' && run.status === status.status) return undefined;
    return { ...batch, state: 'running', run: { ...run, status: status.status }, version };
  }
  return {
    ...batch,
    state: status.status === 'SUCCESS' ? 'succeeded' : 'failed',
    run: { ...run, status: status.status },
    version,
  };
}
