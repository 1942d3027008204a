import type { BusEvent } from '../../core/events/contract.ts';
import type { StoredDeployment } from '../../core/persistence.ts';

/** What recording a deployment needs from persistence (besides the ingest and release-hold ports). */
export interface DeploymentsPort {
  /** A deployment record, with the Slack notice it was posted as. */
  getDeployment(service: string, id: string): Promise<StoredDeployment | undefined>;
  /** Conditional on the record's `updatedAt` as read (none: not recorded yet); false when another delivery won. */
  saveDeployment(record: StoredDeployment, previousUpdatedAt: string | undefined, events?: readonly BusEvent[]): Promise<boolean>;
  setDeploymentMessage(service: string, id: string, channel: string, ts: string): Promise<void>;
}
