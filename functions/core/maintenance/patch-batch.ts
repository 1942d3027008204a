/**
 * A patch batch: the non-critical patch findings proposed for one occurrence of a maintenance
 * window, approved once under the usual policy, then registered as an `AWS-RunPatchBaseline` task
 * of that window with its rate control. Pure; time is an input.
 */
import { decideApproval, type Refusal } from '../approval/policy.ts';
import { isAway, type RosterMember } from '../approval/roster.ts';
import type { Role, SeverityHint } from '../config.ts';
import type { MaintenanceConfig, MaintenanceWindow } from './maintenance-config.ts';
import type { WindowOccurrence } from './window-schedule.ts';

/** A batch keeps at most this many findings and this many resources per finding (the item stays small). */
export const MAX_BATCH_FINDINGS = 50;
const MAX_FINDING_RESOURCES = 20;

export type BatchState = 'awaiting_approval' | 'approved' | 'registered' | 'running' | 'succeeded' | 'failed' | 'rejected';

export interface PatchFinding {
  /** The CVE (or finding ARN when there is none): one entry per vulnerability, across instances. */
  readonly vulnerabilityId: string;
  readonly title: string;
  readonly severity: SeverityHint;
  readonly resources: readonly string[];
  readonly incidentId?: string;
}

export interface BatchApproval {
  readonly userId: string;
  readonly role: Role;
  readonly at: string;
}

export interface WindowRun {
  readonly windowExecutionId: string;
  readonly status: string;
  /** Per-target invocations seen, by status (SUCCESS, FAILED, TIMED_OUT...). */
  readonly targets: Readonly<Record<string, number>>;
}

export interface PatchBatch extends WindowOccurrence {
  readonly id: string;
  readonly windowId: string;
  readonly state: BatchState;
  readonly findings: readonly PatchFinding[];
  /** Findings left out once the batch was full (they are patched anyway: the baseline installs every approved patch). */
  readonly findingsOmitted: number;
  readonly createdAt: string;
  readonly approvals: readonly BatchApproval[];
  readonly decidedBy?: readonly string[];
  /** The SSM window task id once registered. */
  readonly windowTaskId?: string;
  readonly run?: WindowRun;
  readonly version: number;
}

/** What a batch id looks like (`batchIdFor`): the only shape a consumer or a button accepts. */
export const PATCH_BATCH_ID_PATTERN = /^PB-[a-z0-9][a-z0-9-]{0,39}-[0-9]{12}$/;

/** One batch per window occurrence: `PB-<window>-<yyyymmddhhmm>` of its opening (UTC). */
export function batchIdFor(windowId: string, opensAt: string): string {
  return `PB-${windowId}-${opensAt.slice(0, 16).replace(/[-:T]/g, '')}`;
}

/** Adds a finding to the batch of this occurrence (creating it); a vulnerability already in it gains the new resources. */
export function addFinding(
  batch: PatchBatch | undefined,
  finding: PatchFinding,
  window: Pick<MaintenanceWindow, 'id'>,
  next: WindowOccurrence,
  now: string,
): PatchBatch {
  const base: PatchBatch = batch ?? {
    id: batchIdFor(window.id, next.opensAt),
    windowId: window.id,
    ...next,
    state: 'awaiting_approval',
    findings: [],
    findingsOmitted: 0,
    createdAt: now,
    approvals: [],
    version: 0,
  };
  const capped = { ...finding, resources: finding.resources.slice(0, MAX_FINDING_RESOURCES) };
  const known = base.findings.find((f) => f.vulnerabilityId === finding.vulnerabilityId);
  if (known) {
    const resources = [...new Set([...known.resources, ...capped.resources])].slice(0, MAX_FINDING_RESOURCES);
    if (resources.length === known.resources.length) return base;
    return { ...base, findings: base.findings.map((f) => (f === known ? { ...f, resources } : f)), version: base.version + 1 };
  }
  if (base.findings.length >= MAX_BATCH_FINDINGS)
    return { ...base, findingsOmitted: base.findingsOmitted + 1, version: base.version + 1 };
  return { ...base, findings: [...base.findings, capped], version: base.version + 1 };
}

export type BatchDecision =
  | { readonly allowed: false; readonly refusal: Refusal }
  | { readonly allowed: true; readonly batch: PatchBatch; readonly outcome: 'approved' | 'approval_recorded' | 'rejected' };

export interface BatchDecisionInput {
  readonly batch: PatchBatch | undefined;
  readonly action: 'approve' | 'reject';
  readonly actor: { readonly userId: string; readonly teamId: string };
  readonly workspaceTeamId: string;
  readonly member: RosterMember | undefined;
  readonly cto: RosterMember;
  readonly now: string;
  readonly maintenance: Pick<MaintenanceConfig, 'ctoSilentHours' | 'risk'>;
  readonly seniorQuorum: { readonly low: number; readonly medium: number; readonly high: number };
}

/**
 * One approval covers the batch: the CTO alone, or `seniorQuorum[risk]` senior engineers while the
 * CTO is away or has left the batch unanswered for `ctoSilentHours`. A batch whose window's cutoff
 * has passed is `expired` (its findings go to the next window's batch).
 */
export function decideBatch(input: BatchDecisionInput): BatchDecision {
  const { batch, now, cto } = input;
  const blocked: Refusal | undefined = !batch
    ? 'already_decided'
    : batch.state !== 'awaiting_approval'
      ? 'already_decided'
      : now >= batch.lastStartAt
        ? 'expired'
        : undefined;
  const silentSince = batch ? Date.parse(batch.createdAt) + input.maintenance.ctoSilentHours * 3_600_000 : Infinity;
  const verdict = decideApproval({
    action: input.action,
    actor: input.actor,
    workspaceTeamId: input.workspaceTeamId,
    member: input.member?.slackUserId === input.actor.userId ? input.member : undefined,
    blocked,
    // Nobody asked for it: the findings did.
    requesters: [],
    ctoAvailable: !isAway(cto, now) && Date.parse(now) < silentSince,
    seniorApprovals: (batch?.approvals ?? []).filter((a) => a.role === 'senior').map((a) => a.userId),
    seniorQuorum: input.seniorQuorum[input.maintenance.risk],
  });
  if (!verdict.allowed) return verdict;
  const current = batch!;
  const approval: BatchApproval = { userId: verdict.member.slackUserId, role: verdict.member.role, at: now };
  const version = current.version + 1;
  if (verdict.outcome === 'rejected')
    return {
      allowed: true,
      outcome: 'rejected',
      batch: { ...current, state: 'rejected', decidedBy: [approval.userId], version },
    };
  if (verdict.outcome === 'approval_recorded')
    return {
      allowed: true,
      outcome: 'approval_recorded',
      batch: { ...current, approvals: [...current.approvals, approval], version },
    };
  return {
    allowed: true,
    outcome: 'approved',
    batch: { ...current, state: 'approved', approvals: [...current.approvals, approval], decidedBy: verdict.by, version },
  };
}

/** Where the stack put a window: its SSM id and the id of its tag target. */
export interface DeployedWindow {
  readonly windowId: string;
  readonly targetId: string;
}

/** The `RegisterTaskWithMaintenanceWindow` input Firebreak sends (the SDK's shape, narrowed to what it sets). */
export interface RegisterTaskInput {
  readonly WindowId: string;
  readonly Targets: { Key: string; Values: string[] }[];
  readonly TaskArn: string;
  readonly TaskType: 'RUN_COMMAND';
  readonly Priority: number;
  readonly MaxConcurrency: string;
  readonly MaxErrors: string;
  readonly Name: string;
  readonly Description: string;
  readonly TaskInvocationParameters: {
    RunCommand: { Parameters: Record<string, string[]>; Comment: string; TimeoutSeconds: number };
  };
  readonly ClientToken: string;
}

/** The exact `RegisterTaskWithMaintenanceWindow` input for an approved batch (idempotent through its client token). */
export function registerTaskInput(batch: PatchBatch, window: MaintenanceWindow, deployed: DeployedWindow): RegisterTaskInput {
  const cves = batch.findings.map((f) => f.vulnerabilityId);
  return {
    WindowId: deployed.windowId,
    Targets: [{ Key: 'WindowTargetIds', Values: [deployed.targetId] }],
    TaskArn: 'AWS-RunPatchBaseline',
    TaskType: 'RUN_COMMAND',
    Priority: 1,
    MaxConcurrency: window.maxConcurrency,
    MaxErrors: window.maxErrors,
    Name: batch.id,
    Description: `Firebreak patch batch ${batch.id}: ${cves.length + batch.findingsOmitted} finding(s)`.slice(0, 128),
    TaskInvocationParameters: {
      RunCommand: {
        Parameters: { Operation: ['Install'], RebootOption: [window.rebootOption] },
        Comment: `${batch.id} approved by ${(batch.decidedBy ?? []).join(', ')}`.slice(0, 100),
        TimeoutSeconds: 3600,
      },
    },
    // A retried registration (a redelivered approval) registers nothing twice.
    ClientToken: batch.id,
  };
}

/** The task is in the window: the next status events are its run. */
export function markRegistered(batch: PatchBatch, windowTaskId: string): PatchBatch {
  if (batch.state !== 'approved') throw new Error(`batch ${batch.id} is ${batch.state}, not approved: nothing to register`);
  return { ...batch, state: 'registered', windowTaskId, version: batch.version + 1 };
}
