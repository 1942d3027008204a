import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { FirebreakConfig } from '../../core/config.ts';
import { EventPublisher } from '../event-publisher.ts';
import { IncidentStore } from '../incident-store.ts';
import { loadRuntimeConfig, requireEnv } from '../runtime-config.ts';
import { EventBridgeOneTimeScheduler } from '../scheduler.ts';
import { loadSlackSecret, type SlackSecret } from '../slack-secret.ts';
import { AwsSsmGateway } from '../ssm-gateway.ts';
import { traced } from './observability.ts';

// The adapters of a deployed function, each built on first use from the function's environment and
// kept for the life of the execution environment. Plain functions, so a bundle keeps only what its
// function calls (and the variables it requires are exactly the ones its stack construct sets).

let config: FirebreakConfig | undefined;
export function deployedConfig(): FirebreakConfig {
  return (config ??= loadRuntimeConfig());
}

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

let publisher: EventPublisher | undefined;
export function deployedPublisher(): EventPublisher {
  return (publisher ??= new EventPublisher(traced(new EventBridgeClient({})), requireEnv('EVENT_BUS_NAME')));
}

let scheduler: EventBridgeOneTimeScheduler | undefined;
export function deployedScheduler(): EventBridgeOneTimeScheduler {
  return (scheduler ??= new EventBridgeOneTimeScheduler(traced(new SchedulerClient({})), {
    group: requireEnv('SCHEDULE_GROUP'),
    roleArn: requireEnv('SCHEDULER_ROLE_ARN'),
    escalateFunctionArn: requireEnv('ESCALATE_FUNCTION_ARN'),
    notifyFunctionArn: requireEnv('NOTIFY_FUNCTION_ARN'),
    ...(process.env.SCHEDULE_DEAD_LETTER_ARN ? { deadLetterArn: process.env.SCHEDULE_DEAD_LETTER_ARN } : {}),
  }));
}

let ssm: AwsSsmGateway | undefined;
export function deployedSsm(): AwsSsmGateway {
  return (ssm ??= new AwsSsmGateway(traced(new SSMClient({}))));
}

/** The Slack credentials (Secrets Manager, cached for five minutes by Powertools Parameters). */
export function deployedSlackSecret(): Promise<SlackSecret> {
  return loadSlackSecret(requireEnv('SLACK_SECRET_ARN'));
}
