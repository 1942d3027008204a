import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../core/config.ts';
import { FIREBREAK_SOURCE } from '../core/events/bus.ts';
import { createRepositories } from '../adapters/dynamodb/repositories.ts';
import { Table } from '../adapters/dynamodb/table.ts';
import { InMemoryPostmortemArchive } from '../adapters/postmortem-archive.ts';
import type { OneTimeScheduler } from '../workflow/ports/bus.ts';
import { Workflow } from '../workflow/workflow.ts';
import { localClient } from './dynamodb-local.ts';
import { lambdaContext, type Target } from './event-bus.ts';
import { quietSlackLogger } from './slack-stand-in.ts';

export interface NotifyPoolOptions {
  readonly config: FirebreakConfig;
  /** The DynamoDB Local endpoint and table the local runtime writes to. */
  readonly endpoint: string;
  readonly tableName: string;
  /** The Slack stand-in's Web API URL; its clock should be the wall clock, as this pool's is. */
  readonly slackApiUrl: string;
  readonly botToken: string;
  /** How many notify instances run at once (Lambda's concurrency for the function). */
  readonly instances: number;
  /** Only the self-check turns the shared Slack slots off (see compose/notify.ts). */
  readonly sharedSlots?: false;
}

interface Failed {
  readonly event: unknown;
  readonly error: Error;
}

/**
 * Notify as Lambda runs it in a storm, for the bench (the drills keep the runtime's one notify on the
 * virtual clock): EventBridge invokes it asynchronously, so a delivery returns at once, and up to
 * `instances` copies run at the same time, each with its own DynamoDB client and Slack poster built
 * by the deployed wiring (`notifyDependencies`) over one table. Everything here runs on the wall
 * clock: the shared Slack slots make the instances wait in real time, and the refreshes notify
 * schedules fire when their time comes, as EventBridge Scheduler's one-time schedules do.
 */
export class NotifyPool {
  /** Deliveries that threw. Deployed, Lambda would retry them twice and then dead-letter them; here none is retried. */
  readonly deadLetters: Failed[] = [];
  /** Deliveries handled, and refreshes fired by the schedules. */
  delivered = 0;
  refreshesFired = 0;
  private readonly queue: unknown[] = [];
  private readonly idleWorkers: Array<() => void> = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private busy = 0;
  private closed = false;

  /** EventBridge Scheduler on the wall clock: a name is unique, and the job's event is delivered to the pool at its time. */
  readonly scheduler: OneTimeScheduler = {
    schedule: async ({ name, at, event }) => {
      if (this.timers.has(name) || this.closed) return;
      const fire = () => {
        this.timers.delete(name);
        this.refreshesFired += 1;
        this.deliver({
          version: '0',
          id: randomUUID(),
          'detail-type': event.detailType,
          source: FIREBREAK_SOURCE,
          account: '123456789012',
          region: 'us-east-1',
          time: new Date().toISOString(),
          resources: [],
          detail: event.detail,
        });
      };
      this.timers.set(name, setTimeout(fire, Math.max(0, Date.parse(at) - Date.now())));
    },
  };

  /** The target for the bus's Notify rule: queues the event and returns, as an asynchronous invocation does. */
  readonly deliver = async (event: unknown): Promise<unknown> => {
    this.queue.push(event);
    this.idleWorkers.shift()?.();
    return 'queued';
  };

  /** `instances` builds the instances' handlers over the pool's scheduler; `release` frees what they hold. */
  constructor(
    instances: (scheduler: OneTimeScheduler) => readonly Target[],
    private readonly release: () => void = () => undefined,
  ) {
    instances(this.scheduler).forEach((handler, n) => void this.work(handler, `notify-${n + 1}`));
  }

  /** Schedules not yet fired. */
  get pendingSchedules(): number {
    return this.timers.size;
  }

  /** Nothing queued and no instance at work (schedules may still be pending). */
  get quiet(): boolean {
    return this.queue.length === 0 && this.busy === 0;
  }

  /**
   * Waits until the pool is quiet and `done` holds, or until it is quiet with no schedule left to
   * fire (then `done` is false for good); throws after `timeoutMs`. `done` is asked again only once
   * the pool has handled another delivery: what it checks must change only through the pool (its
   * reads, a storm's 40 per check, would otherwise repeat five times a second while refreshes wait).
   */
  async settle(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let checkedAfter: number | undefined;
    for (;;) {
      if (this.quiet) {
        const handled = this.delivered + this.deadLetters.length;
        if (handled !== checkedAfter) {
          checkedAfter = handled;
          if (await done()) return true;
        }
        if (this.quiet && this.timers.size === 0 && this.delivered + this.deadLetters.length === checkedAfter) return false;
      }
      if (Date.now() > deadline) throw new Error(`the notify pool did not settle within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Stops the workers and drops the schedules not yet fired; returns how many were dropped. */
  close(): number {
    this.closed = true;
    const dropped = this.timers.size;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.idleWorkers.splice(0)) wake();
    this.release();
    return dropped;
  }

  private async work(handler: Target, name: string): Promise<void> {
    for (;;) {
      while (!this.queue.length && !this.closed) await new Promise<void>((resolve) => this.idleWorkers.push(resolve));
      if (this.closed) return;
      const event = this.queue.shift();
      this.busy += 1;
      try {
        await handler(event, lambdaContext(name));
        this.delivered += 1;
      } catch (error) {
        this.deadLetters.push({ event, error: error instanceof Error ? error : new Error(String(error)) });
      } finally {
        this.busy -= 1;
      }
    }
  }
}

/**
 * A pool of notify instances over the runtime's table, each built as the deployed handler builds
 * notify (`createNotifyHandler` over `notifyDependencies`), with its own DynamoDB client.
 */
export async function startNotifyPool(options: NotifyPoolOptions): Promise<NotifyPool> {
  const { createNotifyHandler } = await import('../notify/handler.ts');
  const { notifyDependencies } = await import('../compose/notify.ts');
  const { config, endpoint, tableName } = options;
  const now = () => new Date();
  const clients = Array.from({ length: options.instances }, () => localClient(endpoint));
  const instances = (scheduler: OneTimeScheduler) =>
    clients.map((client): Target => {
      const repositories = createRepositories(client, tableName);
      const dependencies = notifyDependencies({
        ...repositories,
        table: new Table(client, tableName),
        config,
        workflow: new Workflow({ ...repositories, scheduler, config, now }),
        scheduler,
        now,
        slack: { token: options.botToken, slackApiUrl: options.slackApiUrl, logger: quietSlackLogger },
        archive: new InMemoryPostmortemArchive(),
        ...(options.sharedSlots === false ? { sharedSlots: false as const } : {}),
      });
      const handler = createNotifyHandler(async () => dependencies);
      return (event, context) => handler(event as never, context);
    });
  return new NotifyPool(instances, () => clients.forEach((client) => client.destroy()));
}
