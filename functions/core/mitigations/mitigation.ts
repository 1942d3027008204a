import { canonicalJson, sha256 } from '../audit/chain.ts';
import type { FirebreakConfig, MitigationEntry, MitigationTargets, Role, Severity } from '../config.ts';
import type { Incident } from '../incidents/incident.ts';
import { decideApproval, type Refusal } from '../approval/policy.ts';
import { isAway, type RosterMember } from '../approval/roster.ts';
import { escapeSlackText, mention } from '../slack/text.ts';
import { refusedParameterCharacter } from './parameter-guard.ts';
import { fromIncidentValue } from './resource-targets.ts';
import type { CancelRecord } from './cancel.ts';

/** SSM takes at most 50 instance ids in a target list; larger sets must go by tag. */
export const MAX_INSTANCE_TARGETS = 50;
/** Longest parameter value accepted, whatever the pattern says. */
export const MAX_PARAMETER_LENGTH = 1024;

export type ResolvedTargets =
  | Exclude<MitigationTargets, { type: 'incident-instances' }>
  | { readonly type: 'instances'; readonly instanceIds: readonly string[] };

/** Exactly what will run: the approval binds to the hash of this. */
export interface MitigationPlan {
  readonly catalogId: string;
  readonly kind: MitigationEntry['kind'];
  readonly document: string;
  readonly documentVersion: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly targets: ResolvedTargets;
  readonly rateControl: { readonly maxConcurrency: string; readonly maxErrors: string };
  readonly timeoutSeconds: number;
}

export type MitigationState =
  'awaiting_approval' | 'approved' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'rejected' | 'expired';

export interface Approval {
  readonly userId: string;
  readonly role: Role;
  readonly at: string;
  /** The plan the approver saw; approvals of an older plan no longer count. */
  readonly planHash: string;
}

export interface MitigationRequest {
  readonly id: string;
  readonly incidentId: string;
  readonly catalogId: string;
  readonly title: string;
  readonly risk: MitigationEntry['risk'];
  readonly severity: Severity;
  readonly plan: MitigationPlan;
  readonly planHash: string;
  readonly state: MitigationState;
  /** `slack:<user id>` or `policy:classification`. */
  readonly requestedBy: string;
  /** Who changed the plan since (`slack:<user id>`): like the requester, they cannot approve it. */
  readonly planChangedBy?: readonly string[];
  readonly requestedAt: string;
  readonly expiresAt: string;
  /** When the CTO's silence hands the decision to senior engineers. */
  readonly escalateAt: string;
  readonly escalatedAt?: string;
  /** Senior approvals needed when the CTO is not available. */
  readonly seniorQuorum: number;
  readonly approvals: readonly Approval[];
  readonly decidedBy?: readonly string[];
  readonly decidedAt?: string;
  readonly reason?: string;
  /** A `/firebreak cancel` asked of this running request (see cancel.ts). */
  readonly cancel?: CancelRecord;
  readonly version: number;
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

/**
 * Resolves a catalog entry against an incident and the caller's parameters into a concrete plan.
 * Every parameter is checked against its allowed pattern here, before anything can run.
 */
export function resolvePlan(
  entry: MitigationEntry,
  incident: Pick<Incident, 'resources' | 'resourcesOmitted'>,
  given: Readonly<Record<string, string>> = {},
): MitigationPlan {
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(entry.parameters, name));
  if (unknown.length)
    throw new PlanError(
      `${entry.id} has no parameter ${unknown.join(', ')} (it takes ${Object.keys(entry.parameters).join(', ') || 'none'})`,
    );
  const parameters: Record<string, string> = {};
  for (const [name, spec] of Object.entries(entry.parameters)) {
    const value = given[name] ?? fromIncidentValue(spec.fromIncident, incident.resources) ?? spec.default;
    if (value === undefined)
      throw new PlanError(
        spec.fromIncident
          ? `${entry.id} needs ${name}=… and the incident names no resource it can take it from (${spec.fromIncident})`
          : `${entry.id} needs ${name}=… (${spec.description || spec.allowedPattern})`,
      );
    if (value.length > MAX_PARAMETER_LENGTH) throw new PlanError(`${name} is longer than ${MAX_PARAMETER_LENGTH} characters`);
    // Refused outright whatever the pattern says: control characters and shell metacharacters never reach SSM.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    if (/[\u0000-\u001f\u007f;&|`$<>\\]/.test(value))
      throw new PlanError(`${name} contains a character that is never allowed in a parameter`);
    // Unicode controls, invisible format characters and look-alikes (NFKC) likewise: what the approver reads is what runs.
    const refused = refusedParameterCharacter(value);
    if (refused) throw new PlanError(`${name} contains ${refused}, which is never allowed in a parameter`);
    if (value.includes('..')) throw new PlanError(`${name} contains ".." (path traversal is never allowed in a parameter)`);
    if (!new RegExp(spec.allowedPattern).test(value))
      throw new PlanError(`${name}="${value.slice(0, 60)}" does not match ${spec.allowedPattern}`);
    parameters[name] = value;
  }
  return {
    catalogId: entry.id,
    kind: entry.kind,
    document: entry.document,
    documentVersion: entry.documentVersion,
    parameters,
    targets: resolveTargets(entry.targets, incident),
    rateControl: { ...entry.rateControl },
    timeoutSeconds: entry.timeoutMinutes * 60,
  };
}

function resolveTargets(targets: MitigationTargets, incident: Pick<Incident, 'resources' | 'resourcesOmitted'>): ResolvedTargets {
  if (targets.type !== 'incident-instances') return targets;
  // The stored list is capped: acting on part of what the incident named would silently miss hosts.
  if (incident.resourcesOmitted)
    throw new PlanError(
      `the incident names at least ${incident.resourcesOmitted} more resources than it stores; target its instances by tag`,
    );
  const instanceIds = [...new Set(incident.resources.map(instanceIdOf).filter((id): id is string => !!id))].sort();
  if (instanceIds.length === 0) throw new PlanError('the incident names no EC2 instance to target');
  if (instanceIds.length > MAX_INSTANCE_TARGETS)
    throw new PlanError(
      `the incident names ${instanceIds.length} instances; more than ${MAX_INSTANCE_TARGETS} must be targeted by tag`,
    );
  return { type: 'instances', instanceIds };
}

/** `i-0abc…` itself, or the id at the end of an instance ARN. */
export function instanceIdOf(resource: string): string | undefined {
  return /(?:^|:instance\/)(i-[0-9a-f]{8,17})$/.exec(resource.trim())?.[1];
}

/** SHA-256 over the canonical plan: any change to what runs, where or how fast changes it. */
export function planHash(plan: MitigationPlan): string {
  return sha256(canonicalJson(plan));
}

/** Creates a request awaiting approval, or approved by policy for pre-approved catalog entries. */
export function newMitigationRequest(input: {
  readonly id: string;
  readonly entry: MitigationEntry;
  readonly incident: Pick<Incident, 'id' | 'severity' | 'resources' | 'resourcesOmitted'>;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly requestedBy: string;
  readonly now: string;
  readonly policy: FirebreakConfig['policy'];
}): MitigationRequest {
  const { entry, incident, now, policy } = input;
  const plan = resolvePlan(entry, incident, input.parameters);
  const hash = planHash(plan);
  const at = Date.parse(now);
  const base: MitigationRequest = {
    id: input.id,
    incidentId: incident.id,
    catalogId: entry.id,
    title: entry.title,
    risk: entry.risk,
    severity: incident.severity,
    plan,
    planHash: hash,
    state: 'awaiting_approval',
    requestedBy: input.requestedBy,
    requestedAt: now,
    expiresAt: new Date(at + policy.approvalExpiryMinutes * 60_000).toISOString(),
    escalateAt: new Date(at + policy.ctoTimeoutMinutes[incident.severity] * 60_000).toISOString(),
    seniorQuorum: policy.seniorQuorum[entry.risk],
    approvals: [],
    version: 1,
  };
  return entry.preApproved
    ? { ...base, state: 'approved', decidedBy: ['policy'], decidedAt: now, reason: 'pre-approved low-risk countermeasure' }
    : base;
}

export type Decision =
  | { readonly allowed: false; readonly refusal: Refusal; readonly message: string; readonly expire?: MitigationRequest }
  | {
      readonly allowed: true;
      readonly outcome: 'approval_recorded' | 'approved' | 'rejected';
      readonly request: MitigationRequest;
      readonly message: string;
    };

export interface DecisionInput {
  readonly request: MitigationRequest;
  readonly action: 'approve' | 'reject';
  readonly actor: { readonly userId: string; readonly teamId: string };
  readonly workspaceTeamId: string;
  /** The actor's roster entry, if any. */
  readonly member: RosterMember | undefined;
  readonly cto: RosterMember;
  readonly now: string;
  readonly reason?: string;
  /** The plan hash (prefix) the decider was shown, from the button; a click never approves another plan. */
  readonly seenPlanHash?: string;
  /** The incident's status: nothing is approved for an incident already resolved or closed. */
  readonly incidentStatus?: string;
}

/**
 * The approval policy ({@link decideApproval}) applied to a mitigation request. The CTO approves
 * alone. Senior engineers approve only when the CTO is away or has been silent past the severity's
 * timeout, and then `seniorQuorum` distinct seniors are needed. Nobody approves their own request
 * (nor a plan they changed), one person counts once, approvals bind to the plan hash, and CTO or
 * senior may reject at any time (stopping is always the safe direction).
 */
export function decide(input: DecisionInput): Decision {
  const { request, now } = input;
  const verdict = decideApproval({
    action: input.action,
    actor: input.actor,
    workspaceTeamId: input.workspaceTeamId,
    member: input.member,
    blocked: blockedBy(input),
    requesters: [request.requestedBy, ...(request.planChangedBy ?? [])]
      .filter((ref) => ref.startsWith('slack:'))
      .map((ref) => ref.slice('slack:'.length)),
    ctoAvailable: !(isAway(input.cto, now) || !!request.escalatedAt || now >= request.escalateAt),
    seniorApprovals: request.approvals.filter((a) => a.planHash === request.planHash && a.role === 'senior').map((a) => a.userId),
    seniorQuorum: request.seniorQuorum,
  });
  if (!verdict.allowed) {
    const refused = { allowed: false as const, refusal: verdict.refusal, message: refusalMessage(verdict.refusal, input) };
    const expired = verdict.refusal === 'expired' ? expire(request, now) : undefined;
    return expired ? { ...refused, expire: expired } : refused;
  }
  const { member } = verdict;
  if (verdict.outcome === 'rejected') {
    const reason = input.reason?.trim() || 'no reason given';
    return {
      allowed: true,
      outcome: 'rejected',
      message: `${request.id} rejected by ${mention(member.slackUserId)}: ${escapeSlackText(reason)}`,
      request: {
        ...request,
        state: 'rejected',
        decidedBy: [member.slackUserId],
        decidedAt: now,
        reason,
        version: request.version + 1,
      },
    };
  }
  const approval: Approval = { userId: member.slackUserId, role: member.role, at: now, planHash: request.planHash };
  const approvals = [...request.approvals, approval];
  if (verdict.outcome === 'approved')
    return {
      allowed: true,
      outcome: 'approved',
      message:
        verdict.approvedBy === 'cto'
          ? `${request.id} approved by the CTO ${mention(member.slackUserId)}.`
          : `${request.id} approved by senior engineers ${verdict.by.map(mention).join(' and ')}.`,
      request: { ...request, state: 'approved', approvals, decidedBy: verdict.by, decidedAt: now, version: request.version + 1 },
    };
  return {
    allowed: true,
    outcome: 'approval_recorded',
    message: `Approval by ${mention(member.slackUserId)} recorded: ${verdict.seniors.length} of ${request.seniorQuorum} senior approvals.`,
    request: { ...request, approvals, version: request.version + 1 },
  };
}

/** Why this request cannot be decided at all right now, if anything. */
function blockedBy(input: DecisionInput): Refusal | undefined {
  const { request, now } = input;
  if (request.state !== 'awaiting_approval') return 'already_decided';
  if (now >= request.expiresAt) return 'expired';
  if (input.action === 'approve' && input.seenPlanHash && !request.planHash.startsWith(input.seenPlanHash)) return 'plan_changed';
  if (input.action === 'approve' && (input.incidentStatus === 'resolved' || input.incidentStatus === 'closed'))
    return 'incident_resolved';
  return undefined;
}

function refusalMessage(refusal: Refusal, input: DecisionInput): string {
  const { request } = input;
  switch (refusal) {
    case 'other_workspace':
      return 'This request comes from another Slack workspace.';
    case 'not_on_roster':
      return 'You are not on the Firebreak roster, so you cannot decide on mitigations.';
    case 'already_decided':
    case 'not_held':
      return `${request.id} is already ${request.state.replace('_', ' ')}${request.decidedBy?.length ? ` (by ${request.decidedBy.map(mention).join(', ')})` : ''}.`;
    case 'expired':
      return `${request.id} expired at ${request.expiresAt}; request it again if it is still needed.`;
    case 'plan_changed':
      return `The plan of ${request.id} changed after this message was shown (now ${request.planHash.slice(0, 12)}); review the updated request before approving.`;
    case 'incident_resolved':
      return `Incident ${request.incidentId} is ${input.incidentStatus}; reject ${request.id} or reopen the incident.`;
    case 'wrong_role':
      return `Only the CTO or, when the CTO is unavailable, senior engineers can ${input.action} mitigations.`;
    case 'self_approval':
      return 'You requested this mitigation or changed its plan, so someone else has to approve it (separation of duties).';
    case 'cto_available':
      return `The CTO ${mention(input.cto.slackUserId)} is available: senior engineers can approve only if the CTO is away or silent until ${request.escalateAt}.`;
    case 'already_approved':
      return 'You already approved this plan; another senior engineer has to approve too.';
  }
}

/** A plan change keeps the approvals on record, but they were for another hash and no longer count. */
export function replan(request: MitigationRequest, plan: MitigationPlan, now: string, by: string): MitigationRequest {
  const planChangedBy = [...new Set([...(request.planChangedBy ?? []), by])];
  return { ...request, plan, planHash: planHash(plan), requestedAt: now, planChangedBy, version: request.version + 1 };
}

/** Marks a request escalated to senior engineers because the CTO stayed silent. */
export function escalate(request: MitigationRequest, now: string): MitigationRequest | undefined {
  if (request.state !== 'awaiting_approval' || request.escalatedAt || now < request.escalateAt || now >= request.expiresAt)
    return undefined;
  return { ...request, escalatedAt: now, version: request.version + 1 };
}

/**
 * The approval window is over: a request still awaiting approval at or after `expiresAt` becomes
 * expired. The one transition both paths use: a late click (`decide`) and the expiry schedule.
 */
export function expire(request: MitigationRequest, now: string): MitigationRequest | undefined {
  if (request.state !== 'awaiting_approval' || now < request.expiresAt) return undefined;
  return { ...request, state: 'expired', decidedAt: now, reason: 'approval window passed', version: request.version + 1 };
}
