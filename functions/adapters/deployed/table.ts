import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IncidentStore } from '../incident-store.ts';
import { requireEnv } from '../runtime-config.ts';
import { traced } from '../lambda/observability.ts';

// Each deployed adapter is built on first use from the function's environment and kept for the life
// of the execution environment; one module per resource, so a function's bundle (and the variables
// it requires) holds only what it calls.

let dynamo: DynamoDBClient | undefined;
export function deployedDynamo(): DynamoDBClient {
  return (dynamo ??= traced(new DynamoDBClient({})));
}

export function deployedTableName(): string {
  return requireEnv('TABLE_NAME');
}

let store: IncidentStore | undefined;
export function deployedStore(): IncidentStore {
  return (store ??= new IncidentStore(deployedDynamo(), deployedTableName()));
}
