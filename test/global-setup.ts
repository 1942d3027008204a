import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const database = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', database.endpoint);
  return () => database.stop();
}
