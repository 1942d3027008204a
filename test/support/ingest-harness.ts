import type { IncidentRepository } from '../../functions/adapters/dynamodb/incidents.ts';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { ingestDependencies } from '../../functions/workflow/record-signal.ts';
import { createIngestHandler, type IngestResult } from '../../functions/ingest/handler.ts';
import { lambdaContext } from '../../functions/local/event-bus.ts';
import { VirtualClock } from '../../functions/local/runtime.ts';
import { freshTable } from '../support.ts';
import { streamRelay } from './relay.ts';

/**
 * The ingest handler on a fresh DynamoDB Local table (fingerprints never leak between tests), its
 * clock, and the stream relay behind it: each delivery is followed by the relay, so what a test
 * sees published (PutEvents, which tests mock) is what the commit announced.
 */
export async function ingestHarness(prefix: string, config: FirebreakConfig) {
  const table = await freshTable(prefix);
  const relay = streamRelay(table);
  const repositories = createRepositories(table.client, table.tableName);
  const store: IncidentRepository = repositories.incidents;
  const clock = new VirtualClock('2026-11-23T09:00:00Z');
  const handler = createIngestHandler(() => ingestDependencies(config, { ...repositories, incidents: store }, clock.now));
  const ingest = async (event: unknown): Promise<IngestResult> => {
    try {
      return (await handler(event as never, lambdaContext('ingest'))) as IngestResult;
    } finally {
      await relay.pump();
    }
  };
  return {
    table,
    relay,
    store,
    repositories,
    clock,
    ingest,
    close: () => {
      relay.close();
      table.client.destroy();
    },
  };
}
export type IngestHarness = Awaited<ReturnType<typeof ingestHarness>>;
