/**
 * The maintenance-window rule as use cases: a non-critical patch finding joins the batch of its
 * window's next occurrence; one decision under the usual policy covers the batch, and an approved
 * batch is registered as an `AWS-RunPatchBaseline` task of that window; the window's status events
 * move the batch, and once it ran its task is deregistered.
 */
import type { RosterMember } from '../core/approval/roster.ts';
import type { Refusal } from '../core/approval/policy.ts';
import type { FirebreakConfig } from '../core/config.ts';
import {
  addFinding,
  batchIdFor,
  decideBatch,
  markRegistered,
  registerTaskInput,
  type DeployedWindow,
  type PatchBatch,
} from '../core/maintenance/patch-batch.ts';
import { patchRoute, type PatchRoute } from '../core/maintenance/patch-triage.ts';
import { nextOccurrence } from '../core/maintenance/window-schedule.ts';
import { applyWindowStatus, type WindowStatus } from '../core/maintenance/window-status.ts';
import type { Signal } from '../core/signals/signal.ts';
import type { BusEvent } from '../core/events/contract.ts';
import { PatchBatchApproved } from '../core/events/patch-batch-approved.ts';
import { PatchBatchChanged } from '../core/events/patch-batch-changed.ts';
import type { PatchBatchesPort, WindowTasksPort } from './ports/patch-windows.ts';

/** A save that lost a race re-reads and tries again. */
const MAX_ATTEMPTS = 10;

/** What proposing a finding needs (ingest has nothing else of the maintenance wiring). */
export type ProposeFindingDependencies = Pick<PatchWindowDependencies, 'batches' | 'config' | 'now'>;

export interface PatchWindowDependencies {
  readonly batches: PatchBatchesPort;
  readonly tasks: WindowTasksPort;
  readonly config: FirebreakConfig;
  /** Where the stack put each configured window (`MaintenanceWindows.deployedIds()`). */
  readonly deployed: Readonly<Record<string, DeployedWindow>>;
  readonly now: () => Date;
  readonly roster: () => Promise<{ members: RosterMember[]; cto: RosterMember }>;
}

/** Every saved change is announced (the batch's Slack message follows it); an approval also asks for the registration. */
function announce(batch: PatchBatch): BusEvent[] {
  const changed = PatchBatchChanged.build({ batchId: batch.id, version: batch.version, state: batch.state });
  return batch.state === 'approved' ? [changed, PatchBatchApproved.build({ batchId: batch.id })] : [changed];
}

/** Routes a finding: into its window's next batch, or back to the classification (critical ones: emergency patching). */
export async function proposePatchFinding(
  signal: Signal,
  incidentId: string | undefined,
  deps: ProposeFindingDependencies,
): Promise<{ route: PatchRoute; batch?: PatchBatch }> {
  const route = patchRoute(signal, deps.config.maintenance);
  if (route.route !== 'window') return { route };
  const window = deps.config.maintenance.windows.find((w) => w.id === route.windowId)!;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.now().toISOString();
    const next = nextOccurrence(window, now);
    const current = await deps.batches.getBatch(batchIdFor(window.id, next.opensAt));
    const finding = {
      vulnerabilityId: signal.attributes.vulnerabilityId ?? signal.subject,
      title: signal.title,
      severity: signal.severityHint,
      resources: signal.resources,
      ...(incidentId ? { incidentId } : {}),
    };
    const batch = addFinding(current, finding, window, next, now);
    if (batch === current) return { route, batch };
    const saved = await deps.batches.saveBatch(
      batch,
      current?.version ?? 0,
      [
        {
          actor: 'system:maintenance',
          action: current ? 'patch_batch.finding_added' : 'patch_batch.proposed',
          data: { ...finding },
          at: now,
        },
      ],
      announce(batch),
    );
    if (saved) return { route, batch };
  }
  throw new Error(`patch batch for ${window.id}: too many concurrent writers`);
}

/**
 * After ingest committed an event's signals: the patch findings among them join their window's
 * batch. Redelivered (`duplicate`) signals are proposed again, so a crash between the incident's
 * commit and this write loses nothing (joining a batch twice changes nothing).
 */
export async function proposePatchFindings(
  outcomes: ReadonlyArray<{ signal: Signal; outcome: string; incidentId?: string }>,
  deps: ProposeFindingDependencies,
): Promise<string[]> {
  const batched: string[] = [];
  for (const { signal, outcome, incidentId } of outcomes) {
    if (outcome === 'suppressed' || outcome === 'ignored') continue;
    const { batch } = await proposePatchFinding(signal, incidentId, deps);
    if (batch) batched.push(batch.id);
  }
  return batched;
}

export type BatchDecisionResult =
  | { readonly ok: false; readonly refusal: Refusal }
  | { readonly ok: true; readonly outcome: 'approved' | 'approval_recorded' | 'rejected'; readonly batch: PatchBatch };

/**
 * An Approve/Reject on a batch (the Slack request path: no SSM call here). An approval announces
 * `Patch Batch Approved` in the same write; the maintenance function registers the task.
 */
export async function decidePatchBatch(
  input: { batchId: string; action: 'approve' | 'reject'; actor: { userId: string; teamId: string } },
  deps: PatchWindowDependencies,
): Promise<BatchDecisionResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.now().toISOString();
    const batch = await deps.batches.getBatch(input.batchId);
    const { members, cto } = await deps.roster();
    const decision = decideBatch({
      batch,
      action: input.action,
      actor: input.actor,
      workspaceTeamId: deps.config.slack.teamId,
      member: members.find((m) => m.slackUserId === input.actor.userId),
      cto,
      now,
      maintenance: deps.config.maintenance,
      seniorQuorum: deps.config.policy.seniorQuorum,
    });
    const actor = `slack:${input.actor.userId}`;
    if (!decision.allowed) {
      await deps.batches.auditRefusal(input.batchId, {
        actor,
        action: `patch_batch.${input.action}_refused`,
        data: { reason: decision.refusal },
        at: now,
      });
      return { ok: false, refusal: decision.refusal };
    }
    const saved = await deps.batches.saveBatch(
      decision.batch,
      batch!.version,
      [{ actor, action: `patch_batch.${decision.outcome}`, data: { decidedBy: decision.batch.decidedBy ?? [] }, at: now }],
      announce(decision.batch),
    );
    if (!saved) continue;
    return { ok: true, outcome: decision.outcome, batch: decision.batch };
  }
  throw new Error(`patch batch ${input.batchId}: too many concurrent writers`);
}

/**
 * `Patch Batch Approved`: registers the batch's task unless that is done already (a redelivery).
 * A failed SSM call throws and leaves the batch `approved`: EventBridge retries, the client token
 * makes the retry register nothing twice, and the last failure lands in the dead-letter queue.
 */
export async function registerApprovedBatch(batchId: string, deps: PatchWindowDependencies): Promise<PatchBatch | undefined> {
  const batch = await deps.batches.getBatch(batchId);
  if (batch?.state !== 'approved') return undefined;
  return registerApproved(batch, deps);
}

/** Registers an approved batch's task in its window. */
export async function registerApproved(batch: PatchBatch, deps: PatchWindowDependencies): Promise<PatchBatch> {
  const window = deps.config.maintenance.windows.find((w) => w.id === batch.windowId);
  const deployed = deps.deployed[batch.windowId];
  if (!window || !deployed) throw new Error(`maintenance window ${batch.windowId} is not deployed: redeploy the stack`);
  const input = registerTaskInput(batch, window, deployed);
  const windowTaskId = await deps.tasks.registerPatchTask(input);
  const registered = markRegistered(batch, windowTaskId);
  const saved = await deps.batches.saveBatch(
    registered,
    batch.version,
    [
      {
        actor: 'system:maintenance',
        action: 'patch_batch.registered',
        data: { windowTaskId, windowId: input.WindowId, maxConcurrency: input.MaxConcurrency, maxErrors: input.MaxErrors },
        at: deps.now().toISOString(),
      },
    ],
    announce(registered),
  );
  if (!saved) throw new Error(`patch batch ${batch.id} changed while its task was registered`);
  return registered;
}

/** A window status event: the batch registered in that window moves; once the window's run ends, its task is deregistered. */
export async function recordWindowStatus(status: WindowStatus, deps: PatchWindowDependencies): Promise<PatchBatch | undefined> {
  const windowId = Object.entries(deps.deployed).find(([, d]) => d.windowId === status.ssmWindowId)?.[0];
  if (!windowId) return undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // At-least-once delivery: a target counted once per event id.
    if (await deps.batches.processedEvent(status.eventId)) return undefined;
    const open = await deps.batches.openBatches(windowId);
    const changed = open.map((b) => [b, applyWindowStatus(b, status)] as const).find(([, next]) => next !== undefined);
    if (!changed) return undefined;
    const [before, after] = changed as [PatchBatch, PatchBatch];
    const saved = await deps.batches.saveBatch(
      after,
      before.version,
      [
        {
          actor: 'aws.ssm',
          action: `patch_batch.window_${status.level}_${status.status.toLowerCase()}`,
          data: { windowExecutionId: status.windowExecutionId, eventId: status.eventId },
          at: deps.now().toISOString(),
        },
      ],
      announce(after),
      { processedEvent: status.eventId },
    );
    if (!saved) continue;
    if ((after.state === 'succeeded' || after.state === 'failed') && after.windowTaskId)
      await deps.tasks.deregisterTask(status.ssmWindowId, after.windowTaskId);
    return after;
  }
  throw new Error(`window ${windowId}: too many concurrent writers`);
}
