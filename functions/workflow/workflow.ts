import { sha256 } from '../core/audit/chain.ts';
import { mitigationRequestIdFromDigest } from '../core/ids.ts';
import type { FirebreakConfig } from '../core/config.ts';
import type { BusEvent } from '../core/events/contract.ts';
import { MitigationApproved } from '../core/events/mitigation-approved.ts';
import { MitigationDecided } from '../core/events/mitigation-decided.ts';
import { MitigationEscalated } from '../core/events/mitigation-escalated.ts';
import { MitigationRequested } from '../core/events/mitigation-requested.ts';
import type { AuditDraft } from '../core/incidents/incident.ts';
import { readForDecision } from './decision-reads.ts';
import {
  decide,
  escalate,
  expire,
  newMitigationRequest,
  PlanError,
  planHash,
  replan,
  resolvePlan,
  type MitigationRequest,
} from '../core/mitigations/mitigation.ts';
import { isAway, rosterWithAwayTimes, type RosterMember } from '../core/approval/roster.ts';
import { escapeSlackText } from '../core/slack/text.ts';
import type { OneTimeScheduler } from './ports/bus.ts';
import type { IncidentsPort, MitigationRequestsPort, ReleaseHoldsPort, RosterPort } from './ports/repositories.ts';
import { approveRelease } from './release-holds.ts';
import { setAway } from './away.ts';
import {
  commitAudit,
  incidentAction,
  requestPostmortem,
  type IncidentActionDependencies,
  type IncidentActionInput,
} from './incident-actions.ts';
import { auditOtherWorkspace, type ForeignAttempt } from './other-workspace.ts';
import { scheduleRequestTimers } from './request-timers.ts';
import type { Actor, Reply } from './reply.ts';
import type { SilenceTarget } from '../core/silences/silence.ts';
import type { SilencesPort } from './ports/silences.ts';
import { auditSilenceRefusal, expireSilence, listSilences, setSilence, type SilenceDependencies } from './silences.ts';
import type { SilenceInputProblem } from '../core/slack/silence-commands.ts';

export interface WorkflowDependencies {
  readonly incidents: IncidentsPort;
  readonly mitigations: MitigationRequestsPort;
  readonly holds: ReleaseHoldsPort;
  readonly roster: RosterPort;
  readonly scheduler: OneTimeScheduler;
  readonly config: FirebreakConfig;
  readonly now: () => Date;
  /** Silences (`/firebreak silence`); the deployed and local runtimes always have them. */
  readonly silences?: SilencesPort;
}

/** Optimistic concurrency: a change that lost a race re-reads and tries again. */
const MAX_ATTEMPTS = 10;

/**
 * The approval workflow's use cases, shared by the Slack function, notify and escalate: every
 * decision comes from the pure core, and every change is one transaction with its audit entries and
 * the events announcing it (published by the stream relay, so a crash after the commit loses nothing).
 */
export class Workflow {
  constructor(private readonly deps: WorkflowDependencies) {}

  /** Firebreak's clock (virtual in drills). */
  now(): string {
    return this.deps.now().toISOString();
  }

  /** The roster: roles from the configuration, away times from the table. */
  async roster(): Promise<{ members: RosterMember[]; cto: RosterMember; seniors: RosterMember[] }> {
    return rosterWithAwayTimes(this.deps.config.roster, await this.deps.roster.getAwayTimes());
  }

  async member(userId: string): Promise<RosterMember | undefined> {
    return (await this.roster()).members.find((m) => m.slackUserId === userId);
  }

  /**
   * Opens a mitigation request on an incident (or, when one for the same catalog entry is still
   * awaiting approval, changes its plan, which voids earlier approvals).
   */
  async requestMitigation(input: {
    incidentId: string;
    catalogId: string;
    parameters?: Readonly<Record<string, string>>;
    requestedBy: string;
  }): Promise<Reply & { request?: MitigationRequest }> {
    const entry = this.deps.config.mitigations.find((m) => m.id === input.catalogId);
    if (!entry)
      return {
        ok: false,
        text: `There is no mitigation "${escapeSlackText(input.catalogId)}" in the catalog (${this.deps.config.mitigations.map((m) => m.id).join(', ') || 'the catalog is empty'}).`,
      };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const incident = await this.deps.incidents.getIncident(input.incidentId);
      if (!incident) return { ok: false, text: `No incident ${input.incidentId}.` };
      if (incident.status === 'resolved' || incident.status === 'closed')
        return { ok: false, text: `${incident.id} is ${incident.status}; reopen it before mitigating.` };
      const pending = (await this.deps.mitigations.listRequests(incident.id)).find(
        (r) => r.catalogId === entry.id && r.state === 'awaiting_approval' && r.expiresAt > now,
      );
      try {
        if (pending) {
          const plan = resolvePlan(entry, incident, input.parameters);
          if (planHash(plan) === pending.planHash)
            return { ok: false, text: `${pending.id} already asks for exactly this plan and awaits approval.`, request: pending };
          const changed = replan(pending, plan, now, input.requestedBy);
          const result = await commitAudit(
            this.deps.incidents,
            incident,
            now,
            input.requestedBy,
            [
              {
                action: 'mitigation.plan_changed',
                data: { requestId: pending.id, from: pending.planHash, to: changed.planHash },
              },
            ],
            {
              updateRequest: { request: changed, expectedVersion: pending.version },
              events: [MitigationRequested.build({ incidentId: incident.id, requestId: changed.id, planChanged: true })],
            },
          );
          if (!result) continue;
          return {
            ok: true,
            text: `${changed.id}: the plan changed (hash ${changed.planHash.slice(0, 12)}); earlier approvals no longer count.`,
            request: changed,
          };
        }
        const id = mitigationRequestIdFromDigest(
          sha256(`${incident.id}\n${entry.id}\n${input.requestedBy}\n${input.requestedBy.startsWith('policy:') ? '' : now}`),
        );
        const created = newMitigationRequest({
          id,
          entry,
          incident,
          parameters: input.parameters ?? {},
          requestedBy: input.requestedBy,
          now,
          policy: this.deps.config.policy,
        });
        const { cto } = await this.roster();
        const request = created.state === 'awaiting_approval' && isAway(cto, now) ? { ...created, escalatedAt: now } : created;
        const audit: AuditDraft[] = [
          {
            action: 'mitigation.requested',
            data: { requestId: id, catalogId: entry.id, planHash: request.planHash, requestedBy: input.requestedBy },
          },
        ];
        if (request.state === 'approved')
          audit.push({
            action: 'mitigation.approved',
            data: { requestId: id, by: 'policy', planHash: request.planHash, reason: 'pre-approved low-risk countermeasure' },
          });
        if (request.escalatedAt) audit.push({ action: 'mitigation.escalated', data: { requestId: id, reason: 'cto_away' } });
        // Scheduled before the commit, so no crash can leave a request without its escalation and
        // expiry; a schedule whose request never committed finds nothing to do.
        await scheduleRequestTimers(this.deps.scheduler, request);
        const events: BusEvent[] = [MitigationRequested.build({ incidentId: incident.id, requestId: id })];
        if (request.escalatedAt)
          events.push(MitigationEscalated.build({ incidentId: incident.id, requestId: id, reason: 'cto_away' }));
        if (request.state === 'approved')
          events.push(MitigationApproved.build({ incidentId: incident.id, requestId: id, planHash: request.planHash }));
        const result = await commitAudit(this.deps.incidents, incident, now, input.requestedBy, audit, {
          createRequest: request,
          events,
        });
        if (!result) {
          // A policy proposal already recorded by an earlier delivery is not a conflict to retry.
          const existing = await this.deps.mitigations.getRequest(incident.id, id);
          if (existing) return { ok: false, text: `${id} already exists.`, request: existing };
          continue;
        }
        return {
          ok: true,
          text:
            request.state === 'approved'
              ? `${id} is pre-approved by policy and will run.`
              : `${id} requested: ${entry.title}. It awaits approval.`,
          request,
        };
      } catch (error) {
        if (error instanceof PlanError) return { ok: false, text: `Cannot plan ${entry.id}: ${escapeSlackText(error.message)}` };
        throw error;
      }
    }
    return { ok: false, text: 'The incident kept changing; try again.' };
  }

  /** Approve or reject, per the policy. Refusals are audited too and get a reply saying why. */
  async decideMitigation(input: {
    requestId: string;
    action: 'approve' | 'reject';
    actor: Actor;
    reason?: string;
    seenPlanHash?: string;
  }): Promise<Reply> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const read = await readForDecision(this.deps, () => this.roster(), input.requestId, attempt);
      if (!read) return { ok: false, text: `No mitigation request ${input.requestId}.` };
      const { request, incident, members, cto } = read;
      const member = members.find((m) => m.slackUserId === input.actor.userId);
      const decision = decide({
        request,
        action: input.action,
        actor: input.actor,
        workspaceTeamId: this.deps.config.slack.teamId,
        member,
        cto,
        now,
        incidentStatus: incident.status,
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
        ...(input.seenPlanHash ? { seenPlanHash: input.seenPlanHash } : {}),
      });
      const actor = `slack:${input.actor.userId}`;
      if (!decision.allowed) {
        const audit: AuditDraft[] = [
          {
            action: `mitigation.${input.action}_refused`,
            data: { requestId: request.id, userId: input.actor.userId, teamId: input.actor.teamId, refusal: decision.refusal },
          },
        ];
        if (decision.expire) audit.push({ action: 'mitigation.expired', data: { requestId: request.id } });
        const committed = await commitAudit(
          this.deps.incidents,
          incident,
          now,
          actor,
          audit,
          decision.expire
            ? {
                updateRequest: { request: decision.expire, expectedVersion: request.version },
                events: [MitigationDecided.build({ incidentId: incident.id, requestId: request.id, outcome: 'expired' })],
              }
            : {},
        );
        if (!committed) continue;
        return { ok: false, text: decision.message };
      }
      const data = {
        requestId: request.id,
        planHash: request.planHash,
        userId: input.actor.userId,
        ...(decision.outcome === 'rejected' ? { reason: decision.request.reason } : {}),
      };
      const action = decision.outcome === 'approval_recorded' ? 'mitigation.approval_recorded' : `mitigation.${decision.outcome}`;
      const audit: AuditDraft[] = [{ action, data }];
      const events: BusEvent[] = [
        MitigationDecided.build({ incidentId: incident.id, requestId: request.id, outcome: decision.outcome }),
      ];
      if (decision.outcome === 'approved')
        events.push(
          MitigationApproved.build({ incidentId: incident.id, requestId: request.id, planHash: decision.request.planHash }),
        );
      const committed = await commitAudit(this.deps.incidents, incident, now, actor, audit, {
        updateRequest: { request: decision.request, expectedVersion: request.version },
        events,
      });
      if (!committed) continue;
      return { ok: true, text: decision.message };
    }
    return { ok: false, text: 'The request kept changing; try again.' };
  }

  /** Fired by the one-time schedule: the CTO stayed silent, so senior engineers are asked. */
  async escalateRequest(input: { incidentId: string; requestId: string }): Promise<'escalated' | 'not_needed'> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const request = await this.deps.mitigations.getRequest(input.incidentId, input.requestId);
      const incident = await this.deps.incidents.getIncident(input.incidentId);
      const escalated = request && escalate(request, now);
      if (!incident || !request || !escalated) return 'not_needed';
      const committed = await commitAudit(
        this.deps.incidents,
        incident,
        now,
        'system:escalate',
        [{ action: 'mitigation.escalated', data: { requestId: request.id, reason: 'cto_silent' } }],
        {
          updateRequest: { request: escalated, expectedVersion: request.version },
          events: [MitigationEscalated.build({ incidentId: incident.id, requestId: request.id, reason: 'cto_silent' })],
        },
      );
      if (!committed) continue;
      return 'escalated';
    }
    throw new Error(`escalation of ${input.requestId} kept conflicting; it will be retried`);
  }

  /**
   * Fired by the one-time schedule at the end of the approval window: a request nobody decided
   * expires, audited by `system:expire`, and is announced like an expiry found on a late click.
   * A request already decided, one not due yet (a schedule that fired early) or a missing one is
   * left alone, so a redelivery changes nothing. A click racing the expiry loses or wins on the
   * request's version: one outcome either way.
   */
  async expireRequest(input: {
    incidentId: string;
    requestId: string;
  }): Promise<'expired' | 'already_decided' | 'not_due' | 'not_found'> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const request = await this.deps.mitigations.getRequest(input.incidentId, input.requestId);
      const incident = await this.deps.incidents.getIncident(input.incidentId);
      if (!incident || !request) return 'not_found';
      if (request.state !== 'awaiting_approval') return 'already_decided';
      const expired = expire(request, now);
      if (!expired) return 'not_due';
      const committed = await commitAudit(
        this.deps.incidents,
        incident,
        now,
        'system:expire',
        [{ action: 'mitigation.expired', data: { requestId: request.id, expiresAt: request.expiresAt } }],
        {
          updateRequest: { request: expired, expectedVersion: request.version },
          events: [MitigationDecided.build({ incidentId: incident.id, requestId: request.id, outcome: 'expired' })],
        },
      );
      if (!committed) continue;
      return 'expired';
    }
    throw new Error(`expiry of ${input.requestId} kept conflicting; it will be retried`);
  }

  /** Acknowledge, resolve or re-rate an incident from Slack. */
  async incidentAction(input: IncidentActionInput): Promise<Reply> {
    return incidentAction(input, this.actionDependencies());
  }

  /** `/firebreak postmortem <incident>`: any roster member may ask (see `requestPostmortem`). */
  async requestPostmortem(input: { incidentId: string; userId: string }): Promise<Reply> {
    return requestPostmortem(input, this.actionDependencies());
  }

  private actionDependencies(): IncidentActionDependencies {
    return { incidents: this.deps.incidents, member: (userId) => this.member(userId), now: () => this.now() };
  }

  /** A request from another Slack workspace, audited on the chain of what it names (nothing else changes). */
  async refuseOtherWorkspace(attempt: ForeignAttempt, actor: Actor): Promise<boolean> {
    return auditOtherWorkspace(attempt, actor, this.deps);
  }

  /** `/firebreak release approve <service>`: lifts a release hold per the same CTO / senior policy; every attempt audited. */
  async approveRelease(input: { service: string; actor: Actor }): Promise<Reply> {
    return approveRelease(input, { ...this.deps, roster: () => this.roster() });
  }

  /** `/firebreak silence <incident|fingerprint> <duration> <reason>`. */
  async setSilence(input: { target: SilenceTarget; minutes: number; reason: string; actor: Actor }): Promise<Reply> {
    return setSilence(input, this.silenceDependencies());
  }

  /** A `/firebreak silence` refused before the policy (other workspace, invalid input): audited on the incident it names. */
  async refuseSilence(input: {
    target: SilenceTarget;
    actor: Actor;
    refusal: 'other_workspace' | SilenceInputProblem;
  }): Promise<boolean> {
    return auditSilenceRefusal(input, this.deps);
  }

  /** `/firebreak silences`. */
  async listSilences(): Promise<Reply> {
    return listSilences(this.silenceDependencies());
  }

  /** A silence's end fell due (its one-time schedule invokes escalate). */
  async expireSilence(input: { silenceId: string }): Promise<'expired' | 'not_due' | 'already' | 'missing'> {
    return expireSilence(input.silenceId, this.silenceDependencies());
  }

  private silenceDependencies(): SilenceDependencies {
    const silences = this.deps.silences;
    if (!silences) throw new Error('this workflow was built without a silences repository');
    return {
      silences,
      incidents: this.deps.incidents,
      scheduler: this.deps.scheduler,
      config: this.deps.config,
      member: (userId) => this.member(userId),
      now: this.deps.now,
    };
  }

  /** `/firebreak away [duration]` and `/firebreak back`. */
  async setAway(userId: string, minutes: number | undefined): Promise<Reply> {
    return setAway({ userId, minutes }, { roster: this.deps.roster, member: (id) => this.member(id), now: this.deps.now });
  }
}
