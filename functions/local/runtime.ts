import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createClassifier } from '../core/classify.ts';
import type { FirebreakConfig } from '../core/config.ts';
import { ingestRules } from '../core/event-patterns.ts';
import { IncidentStore } from '../adapters/incident-store.ts';
import type { IngestDependencies } from '../ingest/ingest.ts';
import { createFirebreakTable, localClient, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { LocalEventBus } from './event-bus.ts';

/** Time as an explicit input: drills move it forward by hand, so timeouts fire without waiting. */
export class VirtualClock {
  private current: number;
  constructor(start: Date | string = new Date()) {
    this.current = new Date(start).getTime();
  }
  readonly now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface LocalRuntime {
  readonly config: FirebreakConfig;
  readonly clock: VirtualClock;
  readonly bus: LocalEventBus;
  readonly store: IncidentStore;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  stop(): Promise<void>;
}

export interface LocalRuntimeOptions {
  readonly config: FirebreakConfig;
  readonly start?: Date | string;
  /** Use this DynamoDB Local instead of starting one (tests share one per run). */
  readonly endpoint?: string;
  /** Keep the database on disk here, so `firebreak incidents --local` can read it afterwards. */
  readonly dbPath?: string;
  readonly tableName?: string;
}

/**
 * Firebreak on one machine: DynamoDB Local with the deployed table layout, the local bus with the
 * deployed rule patterns, and the real handlers as targets.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  // Powertools reads these when the handler module loads; locally the transcript is the output.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { createIngestHandler } = await import('../ingest/handler.ts');

  const database: DynamoDbLocal | undefined = options.endpoint ? undefined : await startDynamoDbLocal(options.dbPath ? { dbPath: options.dbPath } : {});
  const client = localClient(options.endpoint ?? database!.endpoint);
  const tableName = options.tableName ?? 'firebreak-local';
  await createFirebreakTable(client, tableName, { replace: true });

  const { config } = options;
  const clock = new VirtualClock(options.start);
  const bus = new LocalEventBus(clock.now);
  const store = new IncidentStore(client, tableName);
  const ingestDependencies: IngestDependencies = {
    store,
    publisher: bus.publisher,
    classify: createClassifier(config),
    now: clock.now,
    reopenWindowMinutes: config.dedup.reopenWindowMinutes,
    eventRetentionDays: config.eventRetentionDays,
    customSources: config.sources.custom,
  };
  const ingest = createIngestHandler(() => ingestDependencies);
  for (const rule of ingestRules(config)) bus.addRule(rule.bus, rule.id, rule.pattern, (event, context) => ingest(event as never, context));

  return {
    config,
    clock,
    bus,
    store,
    client,
    tableName,
    stop: async () => {
      client.destroy();
      await database?.stop();
    },
  };
}
