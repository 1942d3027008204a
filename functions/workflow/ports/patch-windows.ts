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
    options?: { readonly processedEvent?: string },
  ): Promise<boolean>;
  /** Whether a status event was already applied (its marker is written with the change it made). */
  processedEvent(eventId: string): Promise<boolean>;
  /** A refused attempt changes nothing but is audited. */
  auditRefusal(batchId: string, audit: BatchAudit): Promise<void>;
}

/** The maintenance window API (AwsMaintenanceWindowGateway, or the simulated fleet offline). */
export interface WindowTasksPort {
  registerPatchTask(input: RegisterTaskInput): Promise<string>;
  deregisterTask(windowId: string, windowTaskId: string): Promise<void>;
}

/** The batch's Slack message and its once-only thread replies. */
export interface BatchMessagesPort {
  getMessage(batchId: string): Promise<{ channel?: string; ts?: string } | undefined>;
  claimMessage(batchId: string, now: string): Promise<boolean>;
  saveMessage(batchId: string, message: { channel: string; ts: string }): Promise<void>;
  claimOnce(batchId: string, claim: string, now: string): Promise<boolean>;
}
