/**
 * What Firebreak asks AWS Systems Manager to do, as plain data. Pure: no AWS SDK, no I/O.
 *
 * The input shapes below mirror the fields of the SDK's `SendCommandCommandInput` and
 * `StartAutomationExecutionCommandInput` that Firebreak uses (same names, same types, mutable
 * arrays), so the SSM adapter passes them to the SDK unchanged and tests assert them exactly.
 *
 * Before anything runs, the executor calls {@link verifyForExecution} (state, expiry, plan hash,
 * approvals) and {@link revalidatePlan} (parameters and targets against the deployed catalog).
 */
import { canonicalJson, sha256 } from '../audit/chain.ts';
import type { MitigationEntry } from '../config.ts';
import {
  MAX_INSTANCE_TARGETS,
  PlanError,
  planHash,
  resolvePlan,
  type MitigationPlan,
  type MitigationRequest,
  type ResolvedTargets,
} from './mitigation.ts';

/**
 * The tag every instance Firebreak may touch carries (any value). The stack's IAM policy allows
 * `ssm:SendCommand` on instances only with the condition key {@link FLEET_TAG_CONDITION_KEY}.
 */
export const FLEET_TAG = 'firebreak:fleet';
export const FLEET_TAG_CONDITION_KEY = `ssm:resourceTag/${FLEET_TAG}`;

/** SSM's limits (API reference): `Comment` ≤ 100 characters; `TimeoutSeconds` 30 to 2,592,000 (30 days). */
export const SSM_COMMENT_MAX = 100;
export const SSM_TIMEOUT_SECONDS_MIN = 30;
export const SSM_TIMEOUT_SECONDS_MAX = 2_592_000;
/** The automation parameter SSM fills with each target's id (`TargetParameterName`). */
export const AUTOMATION_TARGET_PARAMETER = 'InstanceId';
/** The automation parameter naming the role the runbook runs as: always the stack's role, never a caller's. */
export const AUTOMATION_ROLE_PARAMETER = 'AutomationAssumeRole';

/** SSM `Target`: `tag:<key>`, `resource-groups:Name` or `InstanceIds`, with its values. */
export interface SsmTarget {
  Key: string;
  Values: string[];
}

/** The fields of the SDK's `SendCommandCommandInput` Firebreak sets. */
export interface SendCommandInput {
  DocumentName: string;
  DocumentVersion: string;
  Targets: SsmTarget[];
  Parameters: Record<string, string[]>;
  MaxConcurrency: string;
  MaxErrors: string;
  /** SSM's delivery timeout: an instance whose invocation has not started by then never runs it. */
  TimeoutSeconds: number;
  Comment: string;
  ServiceRoleArn?: string;
  CloudWatchOutputConfig: { CloudWatchOutputEnabled: boolean; CloudWatchLogGroupName: string };
}

/** The fields of the SDK's `StartAutomationExecutionCommandInput` Firebreak sets. */
export interface StartAutomationExecutionInput {
  DocumentName: string;
  DocumentVersion: string;
  Parameters: Record<string, string[]>;
  /** Absent for a runbook acting on a resource its parameters name: one simple execution, no rate control. */
  TargetParameterName?: string;
  Targets?: SsmTarget[];
  MaxConcurrency?: string;
  MaxErrors?: string;
  /** Idempotency token (a UUID, 36 characters): a retried call never starts a second execution. */
  ClientToken: string;
}

/** SSM `Targets` for a resolved plan. Instance lists are refused above {@link MAX_INSTANCE_TARGETS}. */
export function ssmTargets(targets: ResolvedTargets): SsmTarget[] {
  switch (targets.type) {
    case 'tags':
      return [{ Key: `tag:${targets.key}`, Values: [...targets.values] }];
    case 'resource-group':
      return [{ Key: 'resource-groups:Name', Values: [targets.name] }];
    case 'resource':
      throw new PlanError('the plan acts on a resource named by its parameters, not on instances');
    case 'instances':
      if (targets.instanceIds.length === 0) throw new PlanError('the plan targets no instance');
      if (targets.instanceIds.length > MAX_INSTANCE_TARGETS)
        throw new PlanError(
          `the plan names ${targets.instanceIds.length} instances; more than ${MAX_INSTANCE_TARGETS} must be targeted by tag`,
        );
      return [{ Key: 'InstanceIds', Values: [...targets.instanceIds] }];
  }
}

/**
 * Automation names its targets differently from Run Command: explicit values go as
 * `ParameterValues` (fed to TargetParameterName), resource groups as `ResourceGroup`.
 */
export function automationTargets(targets: ResolvedTargets): SsmTarget[] {
  const [target] = ssmTargets(targets);
  if (target?.Key === 'InstanceIds') return [{ Key: 'ParameterValues', Values: target.Values }];
  if (target?.Key === 'resource-groups:Name') return [{ Key: 'ResourceGroup', Values: target.Values }];
  return target ? [target] : [];
}

/** How many instances a plan targets when that is known up front (instance lists), else undefined. */
export function knownTargetCount(plan: Pick<MitigationPlan, 'targets'>): number | undefined {
  return plan.targets.type === 'instances' ? plan.targets.instanceIds.length : undefined;
}

/** `firebreak <request id> <incident id>`, cut to SSM's 100 characters. */
export function commandComment(request: Pick<MitigationRequest, 'id' | 'incidentId'>): string {
  return `firebreak ${request.id} ${request.incidentId}`.slice(0, SSM_COMMENT_MAX);
}

/**
 * The `SendCommand` input for a `command` plan.
 *
 * Timeouts: SSM's `TimeoutSeconds` is the delivery timeout (an invocation that has not started by
 * then is marked Delivery Timed Out and never runs). It is set to the plan's timeout (clamped to
 * SSM's 30 s to 30 days), so with rate control no instance starts after the approved deadline.
 * How long the script may run on one instance is the document's own business: the documents the
 * stack ships set `timeoutSeconds` on their steps, and AWS-managed ones have their own. Firebreak
 * does not add an `executionTimeout` parameter, which a document that does not declare it would
 * refuse (InvalidParameters).
 */
export function sendCommandInput(
  request: MitigationRequest,
  options: { readonly outputLogGroup: string; readonly serviceRoleArn?: string },
): SendCommandInput {
  const { plan } = request;
  if (plan.kind !== 'command') throw new PlanError(`${request.id} runs an automation runbook (${plan.document}), not a command`);
  if (!options.outputLogGroup) throw new PlanError('SendCommand needs a CloudWatch Logs group for the output');
  return {
    DocumentName: plan.document,
    DocumentVersion: plan.documentVersion,
    Targets: ssmTargets(plan.targets),
    Parameters: ssmParameters(plan.parameters),
    MaxConcurrency: plan.rateControl.maxConcurrency,
    MaxErrors: plan.rateControl.maxErrors,
    TimeoutSeconds: Math.min(SSM_TIMEOUT_SECONDS_MAX, Math.max(SSM_TIMEOUT_SECONDS_MIN, Math.floor(plan.timeoutSeconds))),
    Comment: commandComment(request),
    ...(options.serviceRoleArn ? { ServiceRoleArn: options.serviceRoleArn } : {}),
    CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: options.outputLogGroup },
  };
}

/**
 * The `StartAutomationExecution` input for an `automation` plan: one execution per target
 * (`TargetParameterName: InstanceId`), rate-controlled, running as the stack's automation role.
 * Automation has no per-call timeout; the runbook's steps carry their own `timeoutSeconds`.
 */
export function startAutomationInput(
  request: MitigationRequest,
  options: { readonly automationRoleArn: string },
): StartAutomationExecutionInput {
  const { plan } = request;
  if (plan.kind !== 'automation')
    throw new PlanError(`${request.id} runs a command document (${plan.document}), not an automation runbook`);
  if (!options.automationRoleArn) throw new PlanError('an automation needs the role it runs as');
  for (const reserved of [AUTOMATION_ROLE_PARAMETER, AUTOMATION_TARGET_PARAMETER]) {
    if (Object.hasOwn(plan.parameters, reserved)) throw new PlanError(`${reserved} is set by Firebreak, not by the plan`);
  }
  if (plan.targets.type === 'resource') {
    // One execution on the resource the (validated) parameters name: nothing to fan out or rate-control.
    return {
      DocumentName: plan.document,
      DocumentVersion: plan.documentVersion,
      Parameters: { ...ssmParameters(plan.parameters), [AUTOMATION_ROLE_PARAMETER]: [options.automationRoleArn] },
      ClientToken: automationClientToken(request.id),
    };
  }
  return {
    DocumentName: plan.document,
    DocumentVersion: plan.documentVersion,
    Parameters: { ...ssmParameters(plan.parameters), [AUTOMATION_ROLE_PARAMETER]: [options.automationRoleArn] },
    TargetParameterName: AUTOMATION_TARGET_PARAMETER,
    Targets: automationTargets(plan.targets),
    MaxConcurrency: plan.rateControl.maxConcurrency,
    MaxErrors: plan.rateControl.maxErrors,
    ClientToken: automationClientToken(request.id),
  };
}

/**
 * A UUID derived from the request id: SSM requires `ClientToken` to be UUID-formatted (36
 * characters, case-insensitive), so it is the first 128 bits of SHA-256(request id) with the
 * RFC 9562 version 8 (custom) and variant bits set. The same request always gets the same token,
 * so a retried or duplicated call cannot start a second execution.
 */
export function automationClientToken(requestId: string): string {
  const hex = sha256(requestId).slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function ssmParameters(parameters: Readonly<Record<string, string>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, [value]]));
}

// --- Re-verification before SSM -------------------------------------------------------------------

export type ExecutionRefusal = 'not_approved' | 'expired' | 'plan_changed' | 'unapproved_plan';

export type ExecutionVerdict =
  | { readonly ok: true; /** Slack user ids whose approvals count, or `['policy']`. */ readonly approvedBy: readonly string[] }
  | { readonly ok: false; readonly reason: ExecutionRefusal; readonly message: string };

export interface VerifyOptions {
  readonly now: string;
  /** The plan hash the approval was given for (from the `Mitigation Approved` event). */
  readonly approvedPlanHash: string;
  /**
   * Whether the catalog entry, as deployed now, is pre-approved. Pass it: with `false`, a stored
   * "approved by policy" counts for nothing (the entry is no longer pre-approved). When omitted,
   * the stored policy approval is trusted as far as stored human approvals are.
   */
  readonly preApproved?: boolean;
}

/**
 * The executor's last check before SSM: the request is approved, not expired, its stored plan
 * still hashes to the stored hash and to the hash that was approved, and approvals bound to that
 * hash still meet the policy (the CTO, or `seniorQuorum` distinct seniors, none of them the
 * requester or a replanner), or the request was approved by policy (pre-approved entries, which
 * are low risk only).
 */
export function verifyForExecution(request: MitigationRequest, options: VerifyOptions): ExecutionVerdict {
  const refuse = (reason: ExecutionRefusal, message: string): ExecutionVerdict => ({ ok: false, reason, message });
  if (request.state !== 'approved')
    return refuse('not_approved', `${request.id} is ${request.state.replace('_', ' ')}, not approved, so it was not run.`);
  if (!(Date.parse(options.now) < Date.parse(request.expiresAt)))
    return refuse(
      'expired',
      `${request.id} expired at ${request.expiresAt} before it could run; request it again if it is still needed.`,
    );
  const recomputed = planHash(request.plan);
  if (recomputed !== request.planHash || request.planHash !== options.approvedPlanHash) {
    return refuse(
      'plan_changed',
      `The plan of ${request.id} is not the plan that was approved (approved ${short(options.approvedPlanHash)}, stored ${short(request.planHash)}, recomputed ${short(recomputed)}), so it was not run.`,
    );
  }
  const hash = recomputed;
  const excluded = new Set([request.requestedBy, ...(request.planChangedBy ?? [])]);
  const counted = request.approvals.filter((a) => a.planHash === hash && !excluded.has(`slack:${a.userId}`));
  const cto = counted.find((a) => a.role === 'cto');
  if (cto) return { ok: true, approvedBy: [cto.userId] };
  const seniors = [...new Set(counted.filter((a) => a.role === 'senior').map((a) => a.userId))];
  if (seniors.length > 0 && seniors.length >= request.seniorQuorum) return { ok: true, approvedBy: seniors };
  if (request.decidedBy?.includes('policy') && request.risk === 'low' && options.preApproved !== false)
    return { ok: true, approvedBy: ['policy'] };
  return refuse(
    'unapproved_plan',
    `No approval that counts is bound to plan ${short(hash)} of ${request.id} (${seniors.length} of ${request.seniorQuorum} senior approvals, none by the CTO), so it was not run.`,
  );
}

export type PlanCheck =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'invalid_plan' | 'catalog_mismatch'; readonly message: string };

/**
 * True when a stored plan is still exactly what its catalog entry, as deployed now, resolves to:
 * see {@link checkPlan}, which also says why not (for the audit entry and the thread).
 */
export function revalidatePlan(plan: MitigationPlan, entry: MitigationEntry): boolean {
  return checkPlan(plan, entry).ok;
}

/**
 * Re-checks a stored plan against its catalog entry as deployed now, with the same code that
 * resolved it ({@link resolvePlan}): every parameter value against its allowed pattern, the
 * characters never allowed and the length limit, and the targets (the plan's own instance list,
 * not the incident's current one: what was approved is what runs). The plan must be exactly what
 * the entry resolves to for those parameters and instances (same document, version, targets, rate
 * control and timeout), else the catalog or the stored plan changed since it was approved.
 */
export function checkPlan(plan: MitigationPlan, entry: MitigationEntry): PlanCheck {
  if (plan.catalogId !== entry.id)
    return { ok: false, reason: 'catalog_mismatch', message: `the plan is for ${plan.catalogId}, not ${entry.id}` };
  if ((entry.targets.type === 'resource') !== (plan.targets.type === 'resource'))
    return {
      ok: false,
      reason: 'catalog_mismatch',
      message: `${entry.id} targets ${entry.targets.type}, but the plan targets ${plan.targets.type}`,
    };
  if (entry.targets.type === 'incident-instances' && plan.targets.type !== 'instances') {
    return {
      ok: false,
      reason: 'catalog_mismatch',
      message: `${entry.id} targets the incident's instances, but the plan targets ${plan.targets.type}`,
    };
  }
  const resources = plan.targets.type === 'instances' ? plan.targets.instanceIds : [];
  let resolved: MitigationPlan;
  try {
    resolved = resolvePlan(entry, { resources }, plan.parameters);
  } catch (error) {
    if (error instanceof PlanError) return { ok: false, reason: 'invalid_plan', message: error.message };
    throw error;
  }
  if (planHash(resolved) !== planHash(plan)) {
    return {
      ok: false,
      reason: 'catalog_mismatch',
      message: `the plan no longer matches catalog entry ${entry.id} (${differences(resolved, plan).join(', ')} changed)`,
    };
  }
  return { ok: true };
}

function differences(a: MitigationPlan, b: MitigationPlan): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof MitigationPlan)[];
  const changed = keys.filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key]));
  return changed.length ? changed : ['the plan'];
}

const short = (hash: string) => hash.slice(0, 12);
