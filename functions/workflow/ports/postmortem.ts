import type { AuditEntry } from '../../core/audit/chain.ts';
import type { DeploymentRecord } from '../../core/deployments/deployment-record.ts';
import type { Incident } from '../../core/incidents/incident.ts';
import type { MitigationRequest } from '../../core/mitigations/mitigation.ts';

/** What a postmortem reads: an incident, its audit trail, its requests, the deployments before it, the roster's away times. */
export interface PostmortemSourcesPort {
  readonly incidents: {
    getIncident(id: string): Promise<Incident | undefined>;
    getAudit(incidentId: string): Promise<AuditEntry[]>;
  };
  readonly mitigations: { listRequests(incidentId: string): Promise<MitigationRequest[]> };
  readonly deployments: { deploymentsBetween(account: string, from: string, to: string): Promise<DeploymentRecord[]> };
}

/** Where the stack keeps a copy of every postmortem draft delivered (S3). */
export interface PostmortemArchivePort {
  /** Stores `content` under `key`; returns where it went (e.g. `s3://bucket/key`). */
  put(key: string, content: string, contentType: string): Promise<string>;
}
