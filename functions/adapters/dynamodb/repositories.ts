import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeploymentRepository } from './deployments.ts';
import { ReleaseHoldRepository } from './holds.ts';
import { IncidentRepository } from './incidents.ts';
import { MitigationRepository } from './mitigations.ts';
import { PatchBatchRepository } from './patch-batches.ts';
import { RosterRepository } from './roster.ts';
import { SlackStateRepository } from './slack-state.ts';
import { Table } from './table.ts';

/** Every repository over the one table; compositions hand each use case the ones its ports name. */
export interface Repositories {
  readonly incidents: IncidentRepository;
  readonly mitigations: MitigationRepository;
  readonly holds: ReleaseHoldRepository;
  readonly deployments: DeploymentRepository;
  readonly slackState: SlackStateRepository;
  readonly roster: RosterRepository;
  readonly batches: PatchBatchRepository;
}

export function createRepositories(client: DynamoDBClient, tableName: string): Repositories {
  const table = new Table(client, tableName);
  return {
    incidents: new IncidentRepository(table),
    mitigations: new MitigationRepository(table),
    holds: new ReleaseHoldRepository(table),
    deployments: new DeploymentRepository(table),
    slackState: new SlackStateRepository(table),
    roster: new RosterRepository(table),
    batches: new PatchBatchRepository(table),
  };
}
