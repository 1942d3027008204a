import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { FIREBREAK_SOURCE } from '../core/events/bus.ts';
import type { BusEvent } from '../core/events/contract.ts';

/** Puts Firebreak's own events on the firebreak bus; a partial failure is an error, never silently dropped. */
export class EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly BusEvent[]): Promise<void> {
    // PutEvents takes at most 10 entries per call.
    for (let start = 0; start < events.length; start += 10) {
      const batch = events.slice(start, start + 10);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: FIREBREAK_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      if (out.FailedEntryCount) {
        const failed = (out.Entries ?? [])
          .filter((entry) => entry.ErrorCode)
          .map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage}`);
        throw new Error(`PutEvents failed for ${out.FailedEntryCount} of ${batch.length} events: ${failed.join('; ')}`);
      }
    }
  }
}
