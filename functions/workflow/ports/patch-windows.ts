import type { BusEvent } from '../../core/events/contract.ts';
import type { PatchBatch, RegisterTaskInput } from '../../core/maintenance/patch-batch.ts';

/** What a patch batch's change is audited as (the store appends it to the batch's chain in the same write). */
export interface BatchAudit {
  readonly actor: string;
  readonly action: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** When it happened (time is an input). */
  readonly at: string;
}

/** Patch batches, one per window occurrence; every save is conditional on the version read. */
export interface PatchBatchesPort {
  getBatch(id: string): Promise<PatchBatch | undefined>;
  /** Batches of a window still awaiting approval, approved, registered or running. */
  openBatches(windowId: string): Promise<PatchBatch[]>;
  /** False when another writer got there first (the version moved). The events go out with the change (outbox). */
  saveBatch(
    batch: PatchBatch,
    expectedVersion: number,
    audit: readonly BatchAudit[],
    events?: readonly BusEvent[],
  ): Promise<boolean>;
  /** A refused attempt changes nothing but is audited. */
  auditRefusal(batchId: string, audit: BatchAudit): Promise<void>;
}

/** The maintenance window API (AwsMaintenanceWindowGateway, or the simulated fleet offline). */
export interface WindowTasksPort {
  registerPatchTask(input: RegisterTaskInput): Promise<string>;
  deregisterTask(windowId: string, windowTaskId: string): Promise<void>;
}
