import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { parseConfig, type FirebreakConfig } from '../functions/core/config.ts';
import type { EventEnvelope } from '../functions/core/signals/signal.ts';
import { createFirebreakTable, localClient } from '../functions/local/dynamodb-local.ts';
import type { LocalRuntime } from '../functions/local/runtime.ts';

const root = new URL('..', import.meta.url);

/** A published AWS sample event from test/fixtures/events (see SOURCES.md there). */
export function fixture(name: string): EventEnvelope {
  return JSON.parse(readFileSync(new URL(`test/fixtures/events/${name}`, root), 'utf8'));
}

/** The example configuration shipped in the repository. */
export function exampleConfig(): FirebreakConfig {
  return parseConfig(JSON.parse(readFileSync(new URL('firebreak.config.json', root), 'utf8')), 'firebreak.config.json');
}

/** A fresh table on the run's DynamoDB Local. */
export async function freshTable(prefix: string) {
  const endpoint = inject('dynamoEndpoint');
  const client = localClient(endpoint);
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await createFirebreakTable(client, tableName);
  return { endpoint, client, tableName };
}

/** A copy of an event with a new id (a distinct delivery of the same kind of signal). */
export function withNewId<T extends { id: string }>(event: T, id: string = randomUUID()): T {
  return { ...structuredClone(event), id };
}

/** Everything Firebreak stored in a runtime's table, without Powertools' idempotency records, in key order. */
export async function tableSnapshot(runtime: Pick<LocalRuntime, 'client' | 'tableName'>): Promise<string> {
  const doc = DynamoDBDocumentClient.from(runtime.client);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: runtime.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const kept = items
    .filter((item) => !String(item.pk).startsWith('IDEMPOTENCY#'))
    .sort((a, b) => `${String(a.pk)} ${String(a.sk)}`.localeCompare(`${String(b.pk)} ${String(b.sk)}`));
  return JSON.stringify(kept);
}
