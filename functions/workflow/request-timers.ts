import { MitigationEscalationDue } from '../core/events/mitigation-escalation-due.ts';
import { MitigationExpiryDue } from '../core/events/mitigation-expiry-due.ts';
import type { MitigationRequest } from '../core/mitigations/mitigation.ts';
import type { OneTimeScheduler } from './ports/bus.ts';

/**
 * The expiry schedule's name: the request and the end of its window, so a window that moved (none
 * does today: `replan` keeps `expiresAt`) would get a schedule of its own, while creating the same
 * one again is a no-op (the scheduler treats an existing name as success).
 */
export function expiryScheduleName(request: Pick<MitigationRequest, 'id' | 'expiresAt'>): string {
  return `expire-${request.id}-${request.expiresAt.replace(/[^0-9]/g, '').slice(0, 14)}`;
}

/**
 * When a schedule for `time` may fire: EventBridge Scheduler invokes within the minute of its
 * `at()`, so the next whole minute (or `time` itself, when whole) is never before `time`, and the
 * target never finds itself early.
 */
export function scheduleTimeFor(time: string): string {
  const ms = Date.parse(time);
  return new Date(Math.ceil(ms / 60_000) * 60_000).toISOString();
}

/**
 * The timers of a request that awaits approval: the escalation (CTO silent; not needed when it was
 * escalated at once because the CTO is away) and the expiry at the end of its approval window.
 * Both invoke the escalate function; both are idempotent by name.
 */
export async function scheduleRequestTimers(scheduler: OneTimeScheduler, request: MitigationRequest): Promise<void> {
  if (request.state !== 'awaiting_approval') return;
  const ref = { incidentId: request.incidentId, requestId: request.id };
  if (!request.escalatedAt)
    await scheduler.schedule({
      name: `escalate-${request.id}`,
      at: scheduleTimeFor(request.escalateAt),
      target: 'escalate',
      event: MitigationEscalationDue.build(ref),
    });
  await scheduler.schedule({
    name: expiryScheduleName(request),
    at: scheduleTimeFor(request.expiresAt),
    target: 'escalate',
    event: MitigationExpiryDue.build(ref),
  });
}
