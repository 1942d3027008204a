import type { BusEvent } from '../../functions/core/events/contract.ts';
import type { PatchBatch } from '../../functions/core/maintenance/patch-batch.ts';
import type { BatchAudit, PatchBatchesPort } from '../../functions/workflow/ports/patch-windows.ts';

/** Patch batches in memory, with the version check the table makes. */
export class InMemoryBatches implements PatchBatchesPort {
  readonly items = new Map<string, PatchBatch>();
  readonly audit: Array<BatchAudit & { batchId: string }> = [];
  readonly events: BusEvent[] = [];
  async getBatch(id: string) {
    return this.items.get(id);
  }
  async openBatches(windowId: string) {
    return [...this.items.values()].filter(
      (b) => b.windowId === windowId && ['awaiting_approval', 'approved', 'registered', 'running'].includes(b.state),
    );
  }
  readonly processed = new Set<string>();
  async processedEvent(eventId: string) {
    return this.processed.has(eventId);
  }
  async saveBatch(
    batch: PatchBatch,
    expectedVersion: number,
    audit: readonly BatchAudit[],
    events: readonly BusEvent[] = [],
    options: { processedEvent?: string } = {},
  ) {
    if ((this.items.get(batch.id)?.version ?? 0) !== expectedVersion) return false;
    if (options.processedEvent) {
      if (this.processed.has(options.processedEvent)) return false;
      this.processed.add(options.processedEvent);
    }
    this.items.set(batch.id, batch);
    this.events.push(...events);
    this.audit.push(...audit.map((a) => ({ ...a, batchId: batch.id })));
    return true;
  }
  async auditRefusal(batchId: string, audit: BatchAudit) {
    this.audit.push({ ...audit, batchId });
  }
}
