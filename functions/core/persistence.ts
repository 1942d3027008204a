import type { AuditEntry } from './audit/chain.ts';
import type { BusEvent } from './events/contract.ts';
import type { DeploymentRecord } from './deployments/deployment-record.ts';
import type { HoldState } from './deployments/release-hold.ts';
import type { FreezeState } from './deployments/deploy-freeze.ts';
import type { Incident, IngestDecision } from './incidents/incident.ts';
import type { MitigationRequest } from './mitigations/mitigation.ts';

/**
 * The shapes that cross the persistence ports: what use cases hand the repositories and get back.
 * Pure types, so both the use cases (which own the ports) and the DynamoDB adapters may import them.
 */

export type CommittedDecision = Extract<IngestDecision, { incident: Incident }>;

/** Why a commit did not happen: the event was already processed, or someone else changed the incident first. */
export type CommitResult = { committed: true } | { committed: false; reason: 'duplicate' | 'conflict' };

/**
 * A change made by a person or a policy: the incident (its audit head at least) moves on by one
 * version, with its new audit entries, and optionally a mitigation request is created or changed.
 * All of it commits together or not at all.
 */
export interface WorkflowChange {
  readonly incident: Incident;
  readonly expectedIncidentVersion: number;
  readonly audit: readonly AuditEntry[];
  readonly createRequest?: MitigationRequest;
  readonly updateRequest?: { readonly request: MitigationRequest; readonly expectedVersion: number };
  /** The events that announce the change: committed with it (the outbox), published by the stream relay. */
  readonly events: readonly BusEvent[];
}

/** What the processed-event marker remembers of the delivery that committed. */
export interface ProcessedEvent {
  readonly incidentId: string;
  readonly outcome: CommittedDecision['outcome'];
}

/** Where an incident's Slack message lives and what it last showed; owned by notify. */
export interface SlackState {
  readonly channel: string;
  readonly ts: string;
  readonly renderedVersion: number;
  readonly renderedAt: string;
  /** A refresh is scheduled for this time (coalesced updates). */
  readonly refreshAt?: string;
}

/** A release hold as stored: with the head of its audit chain (`HOLD#<service>`). */
export type StoredHold = HoldState & { readonly auditSeq?: number; readonly auditHead?: string };

/** A deploy freeze as stored: with the head of its audit chain (`FREEZE#<scope>`). */
export type StoredFreeze = FreezeState & { readonly auditSeq?: number; readonly auditHead?: string };

/** A deployment record as stored: with the Slack notice it was posted as. */
export type StoredDeployment = DeploymentRecord & { readonly slackChannel?: string; readonly slackTs?: string };

/** Which mitigation request an SSM command or automation execution belongs to. */
export interface RunOwner {
  readonly incidentId: string;
  readonly requestId: string;
}

/** One instance moving to a new progress bucket, and the counter changes that go with it. */
export interface InvocationChange {
  readonly incidentId: string;
  readonly requestId: string;
  readonly instanceId: string;
  readonly previous: string | undefined;
  readonly bucket: string;
  readonly delta: Readonly<Record<string, number>>;
  readonly failed: boolean;
}

/** A request's execution progress: counters per bucket (numbers), failed instances, the run's status, the last post. */
export type StoredProgress = Readonly<Record<string, unknown>> & { readonly runStatus?: string; readonly lastPostedAt?: string };

/** What the tracker step did about one work item of a deployment, and whether it said so in Slack. */
export interface WorkItemClosure {
  readonly ref: string;
  readonly outcome: 'closed' | 'already_closed' | 'failed';
  /** Plain text: what the tracker answered (a failure's reason). */
  readonly detail: string;
  readonly at: string;
  readonly reported: boolean;
}
