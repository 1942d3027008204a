import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { milestoneMetricsEmitter } from '../lambda/milestone-metrics.ts';
import { DeploymentChangeRepository } from './deployment-changes.ts';
import { DeploymentRepository } from './deployments.ts';
import { ReleaseHoldRepository } from './holds.ts';
import { DeployFreezeRepository } from './freezes.ts';
import { WorkItemRepository } from './work-items.ts';
import { IncidentRepository } from './incidents.ts';
import { MitigationRepository } from './mitigations.ts';
import { PatchBatchRepository } from './patch-batches.ts';
import { RosterRepository } from './roster.ts';
import { SigninFailureRepository } from './signin-failures.ts';
import { SilenceRepository } from './silences.ts';
import { SlackStateRepository } from './slack-state.ts';
import { IncidentChannelRepository } from './incident-channels.ts';
import { ConfigurationReviewRepository } from './configuration-reviews.ts';
import { Table } from './table.ts';

/** Every repository over the one table; compositions hand each use case the ones its ports name. */
export interface Repositories {
  readonly incidents: IncidentRepository;
  readonly mitigations: MitigationRepository;
  readonly holds: ReleaseHoldRepository;
  readonly deployments: DeploymentRepository;
  readonly deploymentChanges: DeploymentChangeRepository;
  readonly slackState: SlackStateRepository;
  readonly roster: RosterRepository;
  readonly freezes: DeployFreezeRepository;
  readonly workItems: WorkItemRepository;
  readonly silences: SilenceRepository;
  readonly batches: PatchBatchRepository;
  /** Incident channels (`INC#<id>` / `CHANNEL`). */
  readonly channelRecords: IncidentChannelRepository;
  readonly reviews: ConfigurationReviewRepository;
  readonly signinFailures: SigninFailureRepository;
}

export function createRepositories(client: DynamoDBClient, tableName: string): Repositories {
  const table = new Table(client, tableName);
  return {
    incidents: new IncidentRepository(table, milestoneMetricsEmitter()),
    mitigations: new MitigationRepository(table),
    holds: new ReleaseHoldRepository(table),
    deployments: new DeploymentRepository(table),
    deploymentChanges: new DeploymentChangeRepository(table),
    slackState: new SlackStateRepository(table),
    roster: new RosterRepository(table),
    freezes: new DeployFreezeRepository(table),
    workItems: new WorkItemRepository(table),
    silences: new SilenceRepository(table),
    batches: new PatchBatchRepository(table),
    channelRecords: new IncidentChannelRepository(table),
    reviews: new ConfigurationReviewRepository(table),
    signinFailures: new SigninFailureRepository(table),
  };
}
