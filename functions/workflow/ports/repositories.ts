import type { AuditEntry } from '../../core/audit/chain.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { Incident } from '../../core/incidents/incident.ts';
import type { MitigationRequest } from '../../core/mitigations/mitigation.ts';
import type {
  CommitResult,
  InvocationChange,
  RunOwner,
  StoredHold,
  StoredProgress,
  WorkflowChange,
} from '../../core/persistence.ts';

/**
 * What the workflow and the execution use cases need from persistence. The DynamoDB repositories
 * (functions/adapters/dynamodb) implement these structurally; tests use in-memory ones.
 */

/** Incidents, read and changed (with their audit entries and a mitigation request change) in one commit. */
export interface IncidentsPort {
  getIncident(id: string): Promise<Incident | undefined>;
  /** The incident a fingerprint currently points at (what a fingerprint silence is checked against). */
  findByFingerprint(fingerprint: string): Promise<Incident | undefined>;
  /** `conflict` means someone changed the incident or the request first: re-read and retry. */
  commitChange(change: WorkflowChange): Promise<CommitResult>;
}

/** Mitigation requests (written through `IncidentsPort.commitChange`). */
export interface MitigationRequestsPort {
  getRequest(incidentId: string, requestId: string): Promise<MitigationRequest | undefined>;
  /** A request by its id alone. */
  findRequest(requestId: string): Promise<MitigationRequest | undefined>;
  /** The id of the incident a request belongs to (it never changes), undefined for an unknown request. */
  incidentOf(requestId: string): Promise<string | undefined>;
  listRequests(incidentId: string): Promise<MitigationRequest[]>;
}

/**
 * Release holds; `saveHold` is conditional on the hold being as `previous` was read, false if not,
 * and commits the events that announce the change with it.
 */
export interface ReleaseHoldsPort {
  getHold(service: string): Promise<StoredHold | undefined>;
  saveHold(
    hold: StoredHold,
    previous: StoredHold | undefined,
    audit: readonly AuditEntry[],
    events?: readonly BusEvent[],
  ): Promise<boolean>;
}

/** Roster members' availability (roles come from the configuration). */
export interface RosterPort {
  getAwayTimes(): Promise<Map<string, string>>;
  setAway(userId: string, until: string | undefined, now: string): Promise<void>;
}

/** The SSM runs of mitigation requests and their progress; every conditional write says whether it applied. */
export interface ExecutionProgressPort extends MitigationRequestsPort {
  saveRun(runId: string, run: RunOwner): Promise<void>;
  getRun(runId: string): Promise<RunOwner | undefined>;
  getProgress(incidentId: string, requestId: string): Promise<StoredProgress | undefined>;
  getInvocationBucket(incidentId: string, requestId: string, instanceId: string): Promise<string | undefined>;
  recordInvocation(change: InvocationChange): Promise<boolean>;
  setRunStatus(incidentId: string, requestId: string, status: string, previous: string | undefined): Promise<boolean>;
  /** Claims the next progress post (at most one per interval), committing its announcement with the claim. */
  claimProgressPost(
    incidentId: string,
    requestId: string,
    now: string,
    notBefore: string,
    events: readonly BusEvent[],
  ): Promise<boolean>;
}
