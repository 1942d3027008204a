import type { AuditEntry } from '../../core/audit/chain.ts';
import type { Incident } from '../../core/incidents/incident.ts';

/** What `firebreak stats` reads: the incidents opened since a time, and each one's audit trail. */
export interface StatsSourcesPort {
  readonly incidents: {
    listOpenedSince(since: string): Promise<Incident[]>;
    getAudit(incidentId: string): Promise<AuditEntry[]>;
  };
}
