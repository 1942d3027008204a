import type { AuditEntry } from '../../core/audit/chain.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { Incident } from '../../core/incidents/incident.ts';
import type { StoredFreeze } from '../../core/persistence.ts';

/**
 * Deploy freezes, one per scope; `saveFreeze` is conditional on the freeze being as `previous`
 * was read, false if not, and commits its audit entries and events with it.
 */
export interface DeployFreezesPort {
  getFreeze(scope: string): Promise<StoredFreeze | undefined>;
  activeFreezes(): Promise<StoredFreeze[]>;
  saveFreeze(
    freeze: StoredFreeze,
    previous: StoredFreeze | undefined,
    audit: readonly AuditEntry[],
    events?: readonly BusEvent[],
  ): Promise<boolean>;
}

/** The incident as it is now (the freeze follows the current state, whatever order events arrive in). */
export interface FreezeIncidentsPort {
  getIncident(id: string): Promise<Incident | undefined>;
}
