import type { ChangeRecord } from '../../core/signals/change-record.ts';
import type { DeploymentRecord } from '../../core/deployments/deployment-record.ts';
import type { SlackState, StoredDeployment } from '../../core/persistence.ts';
import type { ExecutionProgressPort, IncidentsPort, ReleaseHoldsPort } from './repositories.ts';

/** What notify reads: incidents, requests with their progress, release holds, recent deployments. */
export type NotifyIncidentsPort = Pick<IncidentsPort, 'getIncident'> & {
  /** Watched configuration and access changes in an account between two ISO times. */
  changesBetween(account: string, from: string, to: string): Promise<ChangeRecord[]>;
};
export type NotifyMitigationsPort = Pick<ExecutionProgressPort, 'getRequest' | 'getProgress'>;
export type NotifyHoldsPort = Pick<ReleaseHoldsPort, 'getHold'>;
export interface NotifyDeploymentsPort {
  /** Deployments in an account whose latest event falls in [from, to]. */
  deploymentsBetween(account: string, from: string, to: string): Promise<DeploymentRecord[]>;
  /** One deployment with its notice's Slack coordinates (a pipeline's attached change goes in its thread). */
  getDeployment(service: string, id: string): Promise<StoredDeployment | undefined>;
}

/** Notify's own bookkeeping of Slack messages; each claim is true for exactly one caller. */
export interface SlackStatePort {
  /** The incident's message, or (with a request id) the request's message in its thread. */
  getSlackState(incidentId: string, requestId?: string): Promise<Partial<SlackState> | undefined>;
  /** The right to post the message (a claim older than a minute without a message can be taken over). */
  claimSlackMessage(incidentId: string, now: string, requestId?: string): Promise<boolean>;
  /** Records what was rendered; false (and nothing written) when a newer version was already rendered. */
  saveSlackState(incidentId: string, state: Partial<SlackState>, requestId?: string): Promise<boolean>;
  /** True the first time a claim is made for an incident, false ever after. */
  claimOnce(incidentId: string, claim: string, now: string): Promise<boolean>;
  /** Gives a claim back when the work it guarded failed, so the retry can do it. */
  releaseOnce(incidentId: string, claim: string): Promise<void>;
  /** True the first time an announcement that belongs to no incident is claimed, false ever after. */
  claimAnnouncement(claim: string, now: string): Promise<boolean>;
  /** Gives an announcement's claim back when its post failed, so the retry can post it. */
  releaseAnnouncement(claim: string): Promise<void>;
  /** The right to update the incident's message now: true for one of the deliveries that read `renderedAt`. */
  claimUpdate(incidentId: string, renderedAt: string | undefined, now: string): Promise<boolean>;
  /** The one coalesced refresh of an incident's message until `refreshAt`. */
  claimRefresh(incidentId: string, refreshAt: string, now: string): Promise<boolean>;
}
