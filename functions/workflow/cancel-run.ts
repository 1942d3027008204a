import { MitigationCancelFailed } from '../core/events/mitigation-cancel-failed.ts';
import { appendAudit, type AuditDraft } from '../core/incidents/incident.ts';
import { cancelStep, type CancelRecord } from '../core/mitigations/cancel.ts';
import type { MitigationRequest } from '../core/mitigations/mitigation.ts';
import type { IncidentsPort, MitigationRequestsPort } from './ports/repositories.ts';
import type { SsmPort } from './ports/ssm.ts';

export interface CancelRunDependencies {
  readonly incidents: Pick<IncidentsPort, 'getIncident' | 'commitChange'>;
  readonly mitigations: Pick<MitigationRequestsPort, 'getRequest'>;
  readonly ssm: Pick<SsmPort, 'cancel'>;
  readonly now: () => Date;
  /** Ends a running request as cancelled, audited and announced (the executor's `finish`); false if it was not running. */
  readonly finishCancelled: (request: MitigationRequest, actor: string) => Promise<boolean>;
}

export type CancelRunOutcome = 'cancelled' | 'too_late' | 'already_handled' | 'unknown request';

const MAX_ATTEMPTS = 10;

/**
 * On `Mitigation Cancel Requested`: asks Systems Manager to stop the run (CancelCommand or
 * StopAutomationExecution), then ends the request as `cancelled` on behalf of whoever asked. At-least-
 * once towards Systems Manager (stopping a stopped run changes nothing), exactly once on the request:
 * a redelivery after the end, or after the too-late notice, does nothing. A request that ended before
 * the cancel got to it is said in the thread once. A Systems Manager error is said in the thread once
 * and rethrown: the delivery is retried, then dead-lettered (alarmed), and the run goes on.
 */
export async function cancelRun(
  input: { readonly incidentId: string; readonly requestId: string },
  deps: CancelRunDependencies,
): Promise<{ outcome: CancelRunOutcome; reason?: string }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const request = await deps.mitigations.getRequest(input.incidentId, input.requestId);
    if (!request) return { outcome: 'unknown request' };
    const step = cancelStep(request);
    if (step.kind === 'done') return { outcome: 'already_handled', reason: step.why };
    if (step.kind === 'too_late') {
      const state = step.state;
      const noted = await noteOnce(
        request,
        (current) => {
          const now = cancelStep(current);
          return now.kind === 'too_late' ? { ...now.cancel, endedFirst: now.state } : undefined;
        },
        { action: 'mitigation.cancel_too_late', data: { requestId: request.id, state, requestedBy: step.cancel.by } },
        { reason: 'already_ended' },
        deps,
      );
      if (noted) return { outcome: 'too_late', reason: `request is ${state}` };
      continue;
    }
    try {
      await deps.ssm.cancel({ kind: step.runKind, id: step.runId });
    } catch (error) {
      const name = (error instanceof Error ? error.name : 'Error').slice(0, 128);
      await noteOnce(
        request,
        (current) => {
          const now = cancelStep(current);
          return now.kind === 'cancel' && !now.cancel.failedAt
            ? { ...now.cancel, failedAt: deps.now().toISOString() }
            : undefined;
        },
        { action: 'mitigation.cancel_failed', data: { requestId: request.id, error: name, requestedBy: step.cancel.by } },
        { reason: 'systems_manager_error', error: name },
        deps,
      );
      throw error;
    }
    if (await deps.finishCancelled(request, `slack:${step.cancel.by}`)) return { outcome: 'cancelled' };
    // It ended or changed between the read and the end: look again.
  }
  throw new Error(`${input.requestId} kept changing; the delivery will be retried`);
}

/**
 * Records what became of the cancel on the request (once: `change` returns nothing when it is already
 * recorded), with its audit entry and `Mitigation Cancel Failed`, in one transaction.
 */
async function noteOnce(
  request: MitigationRequest,
  change: (current: MitigationRequest) => CancelRecord | undefined,
  entry: AuditDraft,
  failure: { readonly reason: 'already_ended' | 'systems_manager_error'; readonly error?: string },
  deps: CancelRunDependencies,
): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.now().toISOString();
    const current = attempt === 0 ? request : await deps.mitigations.getRequest(request.incidentId, request.id);
    const incident = await deps.incidents.getIncident(request.incidentId);
    const cancel = current && change(current);
    if (!current || !incident || !cancel) return false;
    const { incident: next, audit } = appendAudit(
      { ...incident, updatedAt: now, version: incident.version + 1 },
      now,
      [entry],
      'system:execute',
    );
    const result = await deps.incidents.commitChange({
      incident: next,
      expectedIncidentVersion: incident.version,
      audit,
      updateRequest: { request: { ...current, cancel, version: current.version + 1 }, expectedVersion: current.version },
      events: [MitigationCancelFailed.build({ incidentId: request.incidentId, requestId: request.id, ...failure })],
    });
    if (result.committed) return true;
  }
  return false;
}
