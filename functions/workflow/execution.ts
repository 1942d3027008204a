import type { BusEvent } from '../core/events/contract.ts';
import { MitigationFailed } from '../core/events/mitigation-failed.ts';
import { MitigationProgress } from '../core/events/mitigation-progress.ts';
import { MitigationSucceeded } from '../core/events/mitigation-succeeded.ts';
import { appendAudit, type AuditDraft, type Incident } from '../core/incidents/incident.ts';
import type { MitigationRequest } from '../core/mitigations/mitigation.ts';
import type { MitigationEntry } from '../core/config.ts';
import {
  bucketOf,
  failureReason,
  MAX_FAILED_INSTANCES,
  nextBucket,
  overallOutcome,
  parseSsmStatusEvent,
  type Progress,
} from '../core/mitigations/progress.ts';
import {
  checkPlan,
  knownTargetCount,
  sendCommandInput,
  startAutomationInput,
  verifyForExecution,
} from '../core/mitigations/ssm.ts';
import type { EventEnvelope } from '../core/signals/signal.ts';
import { collectAutomationChildren, recordInstanceStatus, type ChildCollection } from './instance-progress.ts';
import type { ExecutionProgressPort } from './ports/repositories.ts';
import type { SsmPort } from './ports/ssm.ts';
import { cancelRun, type CancelRunOutcome } from './cancel-run.ts';
import type { WorkflowDependencies } from './workflow.ts';

export interface ExecutionDependencies extends Pick<WorkflowDependencies, 'incidents' | 'config' | 'now'> {
  readonly mitigations: ExecutionProgressPort;
  readonly ssm: SsmPort;
  readonly outputLogGroup: string;
  readonly automationRoleArn: string;
}

const MAX_ATTEMPTS = 10;

/**
 * Runs approved mitigations and follows them to the end. The request moves approved → running with
 * a conditional write BEFORE Systems Manager is called, so duplicate or concurrent `Mitigation
 * Approved` deliveries can never run a mitigation twice.
 */
export class Execution {
  private readonly runs = new Map<string, { incidentId: string; requestId: string }>();
  /**
   * When this process last won a request's progress claim. Until the interval has passed, the
   * table's condition would refuse any claim, so the (billed) transaction is not even tried.
   */
  private readonly claimedAt = new Map<string, string>();

  constructor(private readonly deps: ExecutionDependencies) {}

  async onApproved(input: {
    incidentId: string;
    requestId: string;
    planHash: string;
  }): Promise<{ outcome: 'started' | 'refused' | 'already_handled' | 'failed_to_start'; reason?: string; runId?: string }> {
    const { incidents, mitigations, config } = this.deps;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.deps.now().toISOString();
      const request = await mitigations.getRequest(input.incidentId, input.requestId);
      const incident = await incidents.getIncident(input.incidentId);
      if (!request || !incident) return { outcome: 'refused', reason: 'unknown request' };
      if (request.state !== 'approved') return { outcome: 'already_handled', reason: `request is ${request.state}` };
      const entry = config.mitigations.find((m) => m.id === request.catalogId);
      const refusal =
        incident.status === 'resolved' || incident.status === 'closed'
          ? 'incident_resolved'
          : executionRefusal(request, entry, now, input.planHash);
      if (refusal) {
        // Refused, audited and announced; the request fails so it cannot be retried into running.
        const failed: MitigationRequest = {
          ...request,
          state: 'failed',
          reason: `refused by the executor: ${refusal}`,
          version: request.version + 1,
        };
        if (
          !(await this.commit(
            incident,
            now,
            [{ action: 'mitigation.execution_refused', data: { requestId: request.id, reason: refusal } }],
            { request: failed, expectedVersion: request.version },
            {},
            'system:execute',
            [MitigationFailed.build({ incidentId: incident.id, requestId: request.id, reason: refusal })],
          ))
        )
          continue;
        return { outcome: 'refused', reason: refusal };
      }
      const running: MitigationRequest = { ...request, state: 'running', version: request.version + 1 };
      const mitigating =
        incident.status === 'open' || incident.status === 'acknowledged' ? { status: 'mitigating' as const } : {};
      if (
        !(await this.commit(
          incident,
          now,
          [{ action: 'mitigation.started', data: { requestId: request.id, planHash: request.planHash } }],
          { request: running, expectedVersion: request.version },
          mitigating,
        ))
      )
        continue;
      return this.start(running);
    }
    throw new Error(`${input.requestId} kept changing; the delivery will be retried`);
  }

  private async start(
    request: MitigationRequest,
  ): Promise<{ outcome: 'started' | 'failed_to_start'; runId?: string; reason?: string }> {
    const { mitigations, ssm } = this.deps;
    let runId: string;
    try {
      runId =
        request.plan.kind === 'automation'
          ? await ssm.startAutomation(startAutomationInput(request, { automationRoleArn: this.deps.automationRoleArn }))
          : await ssm.sendCommand(sendCommandInput(request, { outputLogGroup: this.deps.outputLogGroup }));
    } catch (error) {
      const reason = `Systems Manager refused it: ${(error as Error).name}`;
      // Nothing ran, so there is nothing to roll back.
      await this.finish(request.incidentId, request.id, 'failed', reason, 'system:execute', { offerRollback: false });
      return { outcome: 'failed_to_start', reason };
    }
    // Recording the run is retried on its own: without it, SSM's status events could not be matched.
    await retry(() => mitigations.saveRun(runId, { incidentId: request.incidentId, requestId: request.id }));
    await this.update(
      request.incidentId,
      request.id,
      (r) => ({ ...r, runId, runKind: request.plan.kind }) as MitigationRequest,
      [{ action: 'mitigation.run_started', data: { requestId: request.id, runId, kind: request.plan.kind } }],
      'system:execute',
      [MitigationProgress.build({ incidentId: request.incidentId, requestId: request.id })],
    );
    return { outcome: 'started', runId };
  }

  /** One SSM status event: progress counted once per instance and status, then the outcome when final. */
  async onStatusEvent(envelope: EventEnvelope): Promise<{ outcome: string; requestId?: string; children?: ChildCollection }> {
    const { mitigations } = this.deps;
    const event = parseSsmStatusEvent(envelope);
    const run = await this.runOf(event.kind === 'automation' ? event.executionId : event.commandId);
    if (!run) return { outcome: 'not ours' };
    if (event.kind === 'invocation') {
      await recordInstanceStatus(mitigations, run, event.instanceId, event.status);
      // SSM's own command status decides the outcome; an instance's status only moves progress on.
      const now = this.deps.now();
      const notBefore = new Date(now.getTime() - this.deps.config.fleet.progressIntervalSeconds * 1000).toISOString();
      const ownClaim = this.claimedAt.get(run.requestId);
      if (
        !(ownClaim && ownClaim > notBefore) &&
        (await mitigations.claimProgressPost(run.incidentId, run.requestId, now.toISOString(), notBefore, [
          MitigationProgress.build({ incidentId: run.incidentId, requestId: run.requestId }),
        ]))
      ) {
        if (this.claimedAt.size >= 1000) this.claimedAt.delete(this.claimedAt.keys().next().value!);
        this.claimedAt.set(run.requestId, now.toISOString());
      }
      return { outcome: 'running', requestId: run.requestId };
    }
    // The run's own status only moves forward: an InProgress arriving after Success changes nothing.
    // Two events racing: the loser re-reads and writes if it still moves the status on.
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const previous = (await mitigations.getProgress(run.incidentId, run.requestId))?.runStatus;
      if (!nextBucket(previous === undefined ? undefined : bucketOf(previous), event.status)) break;
      if (await mitigations.setRunStatus(run.incidentId, run.requestId, event.status, previous)) break;
    }
    let progress = toProgress(await mitigations.getProgress(run.incidentId, run.requestId));
    const outcome = overallOutcome(progress, progress.runStatus);
    if (outcome === 'running') return { outcome, requestId: run.requestId };
    // A rate-controlled automation's instances report only through its child executions, whose
    // events name no parent: read them from SSM once the parent has ended, before the outcome.
    const request = await mitigations.getRequest(run.incidentId, run.requestId);
    let children: ChildCollection | undefined;
    // A runbook acting on one resource (no targets) has no children: its own status is the outcome.
    if (event.kind === 'automation' && request?.state === 'running' && request.plan.targets.type !== 'resource') {
      children = await collectAutomationChildren({ mitigations, ssm: this.deps.ssm }, run, event.executionId);
      progress = toProgress(await mitigations.getProgress(run.incidentId, run.requestId));
    }
    const targets = request ? knownTargetCount(request.plan) : undefined;
    await this.finish(
      run.incidentId,
      run.requestId,
      outcome,
      outcome === 'failed' ? failureReason({ ...progress, ...(targets ? { targets } : {}) }, progress.runStatus) : undefined,
    );
    return { outcome, requestId: run.requestId, ...(children ? { children } : {}) };
  }

  /** Which request a run belongs to; the mapping never changes, so warm invocations remember it. */
  private async runOf(runId: string): Promise<{ incidentId: string; requestId: string } | undefined> {
    const known = this.runs.get(runId);
    if (known) return known;
    const run = await this.deps.mitigations.getRun(runId);
    if (run) {
      if (this.runs.size >= 1000) this.runs.delete(this.runs.keys().next().value!);
      this.runs.set(runId, run);
    }
    return run;
  }

  /** On `Mitigation Cancel Requested`: stop the run in Systems Manager, then end the request as cancelled (see cancel-run.ts). */
  onCancelRequested(input: { incidentId: string; requestId: string }): Promise<{ outcome: CancelRunOutcome; reason?: string }> {
    return cancelRun(input, {
      ...this.deps,
      finishCancelled: (request, actor) => this.finish(request.incidentId, request.id, 'cancelled', undefined, actor),
    });
  }

  /**
   * Moves a running request to its end state (once), audited and announced in one commit. A failure
   * names the rollback to offer in its announcement, and propose makes that request: the offer
   * survives a crash after the commit.
   */
  private async finish(
    incidentId: string,
    requestId: string,
    state: 'succeeded' | 'failed' | 'cancelled',
    reason?: string,
    actor = 'system:track',
    options: { offerRollback?: boolean } = {},
  ): Promise<boolean> {
    const ended = { incidentId, requestId, final: true } as const;
    const announcement = (request: MitigationRequest): BusEvent => {
      if (state === 'succeeded') return MitigationSucceeded.build(ended);
      if (state === 'cancelled') return MitigationProgress.build(ended);
      const rollback =
        options.offerRollback !== false
          ? this.deps.config.mitigations.find((m) => m.id === request.catalogId)?.rollback
          : undefined;
      return MitigationFailed.build({ ...ended, ...(rollback ? { rollback } : {}) });
    };
    // A run stopped on someone's cancel (its Cancelled status may arrive before execute ends the request)
    // names them as its decider, which the request message and the thread summary mention.
    const cancelledBy = (r: MitigationRequest) => (state === 'cancelled' && r.cancel ? { decidedBy: [r.cancel.by] } : {});
    const finished = await this.update(
      incidentId,
      requestId,
      (r) =>
        r.state === 'running'
          ? ({
              ...r,
              state,
              decidedAt: this.deps.now().toISOString(),
              ...cancelledBy(r),
              ...(reason ? { reason } : {}),
            } as MitigationRequest)
          : undefined,
      (r) => [{ action: `mitigation.${state}`, data: { requestId, ...cancelledBy(r), ...(reason ? { reason } : {}) } }],
      actor,
      (ended) => [announcement(ended)],
    );
    return finished !== undefined;
  }

  /** Changes a request (if `change` returns one) with its audit entries, retrying on conflicts. */
  private async update(
    incidentId: string,
    requestId: string,
    change: (request: MitigationRequest) => MitigationRequest | undefined,
    entries: AuditDraft[] | ((request: MitigationRequest) => AuditDraft[]),
    actor = 'system:execute',
    events: readonly BusEvent[] | ((updated: MitigationRequest) => readonly BusEvent[]) = [],
  ): Promise<MitigationRequest | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.deps.now().toISOString();
      const request = await this.deps.mitigations.getRequest(incidentId, requestId);
      const incident = await this.deps.incidents.getIncident(incidentId);
      const next = request && change(request);
      if (!request || !incident || !next) return undefined;
      const updated = { ...next, version: request.version + 1 };
      // The incident is `mitigating` only while something runs: the last run to end hands it back.
      const othersRunning = (await this.deps.mitigations.listRequests(incidentId)).some(
        (r) => r.id !== requestId && r.state === 'running',
      );
      const patch =
        incident.status === 'mitigating' && updated.state !== 'running' && !othersRunning
          ? { status: incident.acknowledgedBy ? ('acknowledged' as const) : ('open' as const) }
          : {};
      const announced = typeof events === 'function' ? events(updated) : events;
      if (
        await this.commit(
          incident,
          now,
          typeof entries === 'function' ? entries(request) : entries,
          { request: updated, expectedVersion: request.version },
          patch,
          actor,
          announced,
        )
      )
        return updated;
    }
    throw new Error(`${requestId} kept changing; the delivery will be retried`);
  }

  private async commit(
    incident: Incident,
    now: string,
    entries: AuditDraft[],
    request: { request: MitigationRequest; expectedVersion: number },
    patch: Partial<Incident> = {},
    actor = 'system:execute',
    events: readonly BusEvent[] = [],
  ): Promise<boolean> {
    const { incident: next, audit } = appendAudit(
      { ...incident, ...patch, updatedAt: now, version: incident.version + 1 },
      now,
      entries,
      actor,
    );
    return (
      await this.deps.incidents.commitChange({
        incident: next,
        expectedIncidentVersion: incident.version,
        audit,
        updateRequest: request,
        events,
      })
    ).committed;
  }
}

async function retry<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/** Why the executor will not run this request now, if it will not. */
function executionRefusal(
  request: MitigationRequest,
  entry: MitigationEntry | undefined,
  now: string,
  approvedPlanHash: string,
): string | undefined {
  if (!entry) return 'catalog_entry_removed';
  const verdict = verifyForExecution(request, { now, approvedPlanHash, preApproved: entry.preApproved });
  if (!verdict.ok) return verdict.reason;
  const check = checkPlan(request.plan, entry);
  return check.ok ? undefined : check.reason;
}

function toProgress(item: Record<string, unknown> | undefined): Progress & { runStatus?: string } {
  const count = (name: string) => (typeof item?.[name] === 'number' ? (item[name] as number) : 0);
  const failed = item?.failedInstances instanceof Set ? [...(item.failedInstances as Set<string>)].sort() : [];
  return {
    in_progress: count('in_progress'),
    succeeded: count('succeeded'),
    failed: count('failed'),
    timed_out: count('timed_out'),
    cancelled: count('cancelled'),
    failedInstances: failed.slice(0, MAX_FAILED_INSTANCES),
    ...(typeof item?.runStatus === 'string' ? { runStatus: item.runStatus } : {}),
  } as Progress & { runStatus?: string };
}
