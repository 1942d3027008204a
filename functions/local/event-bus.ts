import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { type EventPattern } from '../core/events/bus.ts';
import type { BusEvent as PublishedEvent } from '../core/events/contract.ts';
import { FIREBREAK_SOURCE } from '../core/events/bus.ts';
import { matchesPattern } from './pattern-matcher.ts';

export type BusName = 'default' | 'firebreak';

/** An EventBridge event as a target receives it. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export type Target = (event: unknown, context: Context) => Promise<unknown>;

export interface Delivery {
  readonly bus: BusName;
  readonly rule: string;
  readonly event: unknown;
  readonly result?: unknown;
  readonly error?: Error;
}

/**
 * An in-process EventBridge: rules are the very patterns the stack deploys, targets are the real
 * handlers, and a target that throws sends the event to the dead-letter list, as the deployed
 * rules' DLQ would. Deliveries run one at a time, in order, so drills are deterministic.
 */
export class LocalEventBus {
  private readonly rules: Array<{ bus: BusName; id: string; pattern: EventPattern; target: Target }> = [];
  private readonly queue: Array<{ bus: BusName; event: unknown }> = [];
  /** Every event put on the firebreak bus by a function. */
  readonly emitted: BusEvent[] = [];
  readonly deliveries: Delivery[] = [];
  readonly deadLetters: Delivery[] = [];
  /** Events that matched no rule (on the default bus, AWS would simply not deliver them). */
  readonly unmatched: Array<{ bus: BusName; event: unknown }> = [];
  /** What feeds the bus besides direct puts (the stream relay): asked for more before each delivery. */
  private readonly feeds: Array<() => Promise<unknown>> = [];
  /** PutEvents fails until this time (a drill's injected fault), as EventBridge does when it throttles. */
  private failPublishingUntil: number | undefined;
  /** PutEvents calls refused by an injected fault. */
  publishFailures = 0;
  /**
   * The feeds are asked before every `feedEvery`-th delivery and always when the queue runs dry, so
   * nothing committed is left unrelayed. 1 (the default) asks before each delivery; a bench raises it
   * to read the stream in batches, as the deployed event source mapping does, where its figure does
   * not depend on relaying between two queued deliveries.
   */
  feedEvery = 1;

  constructor(
    private readonly clock: () => Date,
    private readonly account = '123456789012',
    private readonly region = 'us-east-1',
  ) {}

  addRule(bus: BusName, id: string, pattern: EventPattern, target: Target): void {
    this.rules.push({ bus, id, pattern, target });
  }

  /** Puts an event as AWS services would (on the default bus, or PutEvents on the firebreak bus). */
  put(bus: BusName, event: unknown): void {
    this.queue.push({ bus, event });
  }

  addFeed(feed: () => Promise<unknown>): void {
    this.feeds.push(feed);
  }

  /** Makes PutEvents fail for `ms` of virtual time from now. */
  failPublishingFor(ms: number): void {
    this.failPublishingUntil = this.clock().getTime() + ms;
  }

  /** The publisher the stream relay uses: PutEvents on the firebreak bus. */
  readonly publisher = {
    publish: async (events: readonly PublishedEvent[]): Promise<void> => {
      if (this.failPublishingUntil !== undefined && this.clock().getTime() < this.failPublishingUntil) {
        this.publishFailures++;
        throw Object.assign(new Error('Rate exceeded (injected publish fault)'), { name: 'ThrottlingException' });
      }
      for (const { detailType, detail } of events) {
        const event: BusEvent = {
          version: '0',
          id: randomUUID(),
          'detail-type': detailType,
          source: FIREBREAK_SOURCE,
          account: this.account,
          time: this.clock()
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
          region: this.region,
          resources: [],
          detail: JSON.parse(JSON.stringify(detail)),
        };
        this.emitted.push(event);
        this.put('firebreak', event);
      }
    },
  };

  /** Delivers queued events (and whatever their targets commit, through the feeds) until the bus is quiet. */
  async drain(): Promise<Delivery[]> {
    const delivered: Delivery[] = [];
    let sinceFeeding = Number.POSITIVE_INFINITY;
    for (;;) {
      if (!this.queue.length || ++sinceFeeding >= this.feedEvery) {
        sinceFeeding = 0;
        for (const feed of this.feeds) await feed();
      }
      if (!this.queue.length) break;
      const { bus, event } = this.queue.shift()!;
      const targets = this.rules.filter((rule) => rule.bus === bus && matchesPattern(rule.pattern, event));
      if (targets.length === 0) this.unmatched.push({ bus, event });
      for (const rule of targets) {
        let delivery: Delivery;
        try {
          delivery = { bus, rule: rule.id, event, result: await rule.target(event, lambdaContext(rule.id)) };
        } catch (error) {
          delivery = { bus, rule: rule.id, event, error: error instanceof Error ? error : new Error(String(error)) };
          this.deadLetters.push(delivery);
        }
        this.deliveries.push(delivery);
        delivered.push(delivery);
      }
    }
    return delivered;
  }
}

/** Enough of a Lambda context for Powertools and middy. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
