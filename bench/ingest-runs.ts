/**
 * Ingest runs for `npm run bench` that do not need the whole local runtime: many distinct events
 * straight into the real ingest handler (a few at a time, as concurrent Lambda instances would),
 * and the stored items' sizes as DynamoDB bills them.
 */
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { performance } from 'node:perf_hooks';
import { createRepositories } from '../functions/adapters/dynamodb/repositories.ts';
import type { FirebreakConfig } from '../functions/core/config.ts';
import { createClassifier } from '../functions/core/signals/classify.ts';
import type { EventEnvelope } from '../functions/core/signals/signal.ts';
import { createIngestHandler } from '../functions/ingest/handler.ts';
import { lambdaContext } from '../functions/local/event-bus.ts';
import { createFirebreakTable, localClient } from '../functions/local/dynamodb-local.ts';
import { attributeMapSize, meterDynamo, type AttributeMap } from './dynamo-meter.ts';

/** `events` through the ingest handler, `concurrency` at a time; requests and units per event for each thousand. */
export async function distinctIngestRun(input: {
  config: FirebreakConfig;
  endpoint: string;
  events: readonly EventEnvelope[];
  concurrency: number;
}) {
  const client = localClient(input.endpoint);
  const tableName = 'bench-distinct';
  await createFirebreakTable(client, tableName, { replace: true });
  const meter = meterDynamo(client, { sizeFrom: localClient(input.endpoint) });
  const repositories = createRepositories(client, tableName);
  const handler = createIngestHandler(() => ({
    incidents: repositories.incidents,
    classify: createClassifier(input.config),
    now: () => new Date(),
    reopenWindowMinutes: input.config.dedup.reopenWindowMinutes,
    eventRetentionDays: input.config.eventRetentionDays,
    customSources: input.config.sources.custom,
  }));
  const blocks: Array<{ events: number; requestsPerEvent: number; writeUnitsPerEvent: number; readUnitsPerEvent: number }> = [];
  const t0 = performance.now();
  for (let start = 0; start < input.events.length; start += 1_000) {
    const block = input.events.slice(start, start + 1_000);
    const before = { ...meter };
    let next = 0;
    await Promise.all(
      Array.from({ length: input.concurrency }, async () => {
        while (next < block.length) await handler(block[next++]! as never, lambdaContext('ingest'));
      }),
    );
    blocks.push({
      events: block.length,
      requestsPerEvent: round((meter.requests - before.requests) / block.length),
      writeUnitsPerEvent: round((meter.writeUnits - before.writeUnits) / block.length),
      readUnitsPerEvent: round((meter.readUnits - before.readUnits) / block.length),
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const incidents = (await repositories.incidents.listIncidents(['open'], 20_000)).length;
  client.destroy();
  return { events: input.events.length, incidents, eventsPerSecond: Math.round(input.events.length / seconds), blocks };
}

/** The largest stored item of each kind (by its key's prefix) in bytes, attribute names included, as DynamoDB bills it. */
export async function storedItemSizes(client: DynamoDBClient, tableName: string): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start as never }));
    for (const item of (page.Items ?? []) as AttributeMap[]) {
      const kind = `${item.pk?.S?.split('#')[0]}/${item.sk?.S?.split('#')[0]}`;
      sizes[kind] = Math.max(sizes[kind] ?? 0, attributeMapSize(item));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return sizes;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
