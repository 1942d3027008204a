/** An incident's own actions from Slack: acknowledge, resolve, re-rate, and asking for its postmortem. */
import type { RosterMember } from '../core/approval/roster.ts';
import type { Severity } from '../core/config.ts';
import type { BusEvent } from '../core/events/contract.ts';
import { incidentEvent } from '../core/events/incident-events.ts';
import { PostmortemRequested } from '../core/events/postmortem-requested.ts';
import { acknowledge, changeSeverity, resolveByHand, type IncidentActionResult } from '../core/incidents/actions.ts';
import { appendAudit, type AuditDraft, type Incident } from '../core/incidents/incident.ts';
import type { WorkflowChange } from '../core/persistence.ts';
import type { IncidentsPort } from './ports/repositories.ts';
import type { Reply } from './reply.ts';

/** Optimistic concurrency: a change that lost a race re-reads and tries again. */
const MAX_ATTEMPTS = 10;
const NOT_ON_ROSTER: Reply = { ok: false, text: 'You are not on the Firebreak roster.' };
const KEPT_CHANGING: Reply = { ok: false, text: 'The incident kept changing; try again.' };

export interface IncidentActionDependencies {
  readonly incidents: IncidentsPort;
  readonly member: (userId: string) => Promise<RosterMember | undefined>;
  /** Firebreak's clock as ISO text (virtual in drills). */
  readonly now: () => string;
}

export type IncidentActionInput = { incidentId: string; userId: string } & (
  { kind: 'ack' } | { kind: 'resolve'; note: string } | { kind: 'sev'; severity: Severity }
);

/** Acknowledge, resolve or re-rate an incident: any roster member; the change, its audit and its announcement in one commit. */
export async function incidentAction(input: IncidentActionInput, deps: IncidentActionDependencies): Promise<Reply> {
  if (!(await deps.member(input.userId))) return NOT_ON_ROSTER;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.now();
    const incident = await deps.incidents.getIncident(input.incidentId);
    if (!incident) return { ok: false, text: `No incident ${input.incidentId}.` };
    const result: IncidentActionResult =
      input.kind === 'ack'
        ? acknowledge(incident, input.userId, now)
        : input.kind === 'resolve'
          ? resolveByHand(incident, input.userId, input.note, now)
          : changeSeverity(incident, input.userId, input.severity, now);
    if (!result.ok) return { ok: false, text: result.message };
    const outcome = result.change === 'resolved' ? 'resolved' : 'updated';
    const committed = await deps.incidents.commitChange({
      incident: result.incident,
      expectedIncidentVersion: result.expectedVersion,
      audit: result.audit,
      events: [incidentEvent(outcome, result.incident, [result.change], { actor: input.userId })],
    });
    if (committed.committed) return { ok: true, text: result.message };
  }
  return KEPT_CHANGING;
}

/**
 * `/firebreak postmortem <incident>`: any roster member may ask. The request is audited and
 * announced in one commit; notify writes the draft and uploads it to the incident's thread.
 */
export async function requestPostmortem(
  input: { incidentId: string; userId: string },
  deps: IncidentActionDependencies,
): Promise<Reply> {
  if (!(await deps.member(input.userId))) return NOT_ON_ROSTER;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const incident = await deps.incidents.getIncident(input.incidentId);
    if (!incident) return { ok: false, text: `No incident ${input.incidentId}.` };
    const requested = PostmortemRequested.build({
      incidentId: incident.id,
      requestedBy: input.userId,
      version: incident.version + 1,
    });
    const entries = [{ action: 'postmortem.requested', data: {} }];
    if (await commitAudit(deps.incidents, incident, deps.now(), `slack:${input.userId}`, entries, { events: [requested] }))
      return {
        ok: true,
        text: `Writing the postmortem draft of ${incident.id} from its audit trail: it will appear as a file in the incident's thread.`,
      };
  }
  return KEPT_CHANGING;
}

/** Writes the incident's next audit entries (and a request change, and their announcements) in one transaction. */
export async function commitAudit(
  incidents: IncidentsPort,
  incident: Incident,
  now: string,
  actor: string,
  entries: AuditDraft[],
  extra: Pick<WorkflowChange, 'createRequest' | 'updateRequest'> & { events?: readonly BusEvent[] },
): Promise<boolean> {
  const { incident: next, audit } = appendAudit(
    { ...incident, updatedAt: now, version: incident.version + 1 },
    now,
    entries,
    actor,
  );
  const result = await incidents.commitChange({
    incident: next,
    expectedIncidentVersion: incident.version,
    audit,
    ...extra,
    events: extra.events ?? [],
  });
  return result.committed;
}
