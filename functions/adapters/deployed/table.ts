import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Table } from '../dynamodb/table.ts';
import { requireEnv } from '../environment.ts';

// Each deployed adapter is built on first use from the function's environment and kept for the life
// of the execution environment; one module per resource, so a function's bundle (and the variables
// it requires) holds only what it calls. Handlers build the repositories they need over the table.

let dynamo: DynamoDBClient | undefined;
export function deployedDynamo(): DynamoDBClient {
  return (dynamo ??= new DynamoDBClient({}));
}

export function deployedTableName(): string {
  return requireEnv('TABLE_NAME');
}

let table: Table | undefined;
export function deployedTable(): Table {
  return (table ??= new Table(deployedDynamo(), deployedTableName()));
}
