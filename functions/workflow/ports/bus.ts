import type { BusEvent } from '../../core/events/contract.ts';

/** Puts events on the firebreak bus (EventBridge when deployed, the in-process bus locally). */
export interface EventPublisherPort {
  publish(events: readonly BusEvent[]): Promise<void>;
}

/** Creates one-time schedules (EventBridge Scheduler when deployed, the virtual clock locally). */
export interface OneTimeScheduler {
  schedule(input: {
    readonly name: string;
    readonly at: string;
    readonly target: 'escalate' | 'notify';
    readonly event: BusEvent;
  }): Promise<void>;
}
