/** Opening the table a command reads: the one the last drill left (--local), a deployed one (--table), or any endpoint. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createRepositories, type Repositories } from '../../functions/adapters/dynamodb/repositories.ts';
import { localClient, startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { UsageError } from './usage.ts';

/** Where drills keep their database, so `--local` can read what the last drill left. */
export const LOCAL_DB_PATH = '.firebreak/local-db';
export const LOCAL_TABLE = 'firebreak-local';

export interface TableOptions {
  readonly local: boolean;
  readonly table?: string | undefined;
  readonly endpoint?: string | undefined;
}

export interface OpenTable {
  readonly repositories: Repositories;
  readonly tableName: string;
  close(): Promise<void>;
}

export async function openTable(options: TableOptions): Promise<OpenTable> {
  const tableName = options.local ? LOCAL_TABLE : (options.table ?? process.env.FIREBREAK_TABLE);
  if (!tableName)
    throw new UsageError('name the table with --table or FIREBREAK_TABLE (the stack prints it as TableName), or use --local');
  const local = options.local ? await startDynamoDbLocal({ dbPath: LOCAL_DB_PATH }) : undefined;
  const client = local ? localClient(local.endpoint) : new DynamoDBClient(options.endpoint ? { endpoint: options.endpoint } : {});
  return {
    repositories: createRepositories(client, tableName),
    tableName,
    async close() {
      client.destroy();
      await local?.stop();
    },
  };
}
