import type { BusEvent } from '../../core/events/contract.ts';
import type { DeploymentRecord } from '../../core/deployments/deployment-record.ts';
import type { ChangeRecord } from '../../core/signals/change-record.ts';

/** What ingest needs to attach a pipeline's change to the deployment under way. */
export interface PipelineDeploymentsPort {
  /** Deployments in an account whose latest event falls in [from, to]. */
  deploymentsBetween(account: string, from: string, to: string): Promise<DeploymentRecord[]>;
}

export interface DeploymentChangesPort {
  /**
   * The change under its deployment (as its `count`th) and in "What changed?", with its announcement:
   * `duplicate` when attached before, `conflict` when another change took that count first.
   */
  attachChange(
    change: ChangeRecord & { deploymentId: string; service: string },
    signalKey: string,
    count: number,
    expiresAt: number,
    events: readonly BusEvent[],
  ): Promise<'attached' | 'duplicate' | 'conflict'>;
  /** How many changes are attached to a deployment. */
  countChanges(deploymentId: string): Promise<number>;
}
