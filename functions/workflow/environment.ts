import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { FirebreakConfig } from '../core/config.ts';
import { EventPublisher } from '../adapters/event-publisher.ts';
import { createRepositories, type Repositories } from '../adapters/dynamodb/repositories.ts';
import { loadRuntimeConfig, requireEnv } from '../adapters/runtime-config.ts';
import { EventBridgeOneTimeScheduler } from '../adapters/scheduler.ts';
import { Workflow, type OneTimeScheduler, type WorkflowDependencies } from './workflow.ts';

/** The workflow of a deployed function: the baked-in configuration, the table's repositories, the bus and Scheduler. */
export function deployedWorkflow(): {
  workflow: Workflow;
  deps: WorkflowDependencies & Repositories & { config: FirebreakConfig };
  dynamo: DynamoDBClient;
} {
  const config = loadRuntimeConfig();
  const dynamo = new DynamoDBClient({});
  const deps = {
    config,
    ...createRepositories(dynamo, requireEnv('TABLE_NAME')),
    publisher: new EventPublisher(new EventBridgeClient({}), requireEnv('EVENT_BUS_NAME')),
    // Built on first use: functions that never schedule (deployments) have no scheduler settings.
    scheduler: { schedule: (input) => (scheduler ??= schedulerFromEnvironment()).schedule(input) } satisfies OneTimeScheduler,
    now: () => new Date(),
  };
  return { workflow: new Workflow(deps), deps, dynamo };
}

let scheduler: EventBridgeOneTimeScheduler | undefined;
function schedulerFromEnvironment(): EventBridgeOneTimeScheduler {
  return new EventBridgeOneTimeScheduler(new SchedulerClient({}), {
    group: requireEnv('SCHEDULE_GROUP'),
    roleArn: requireEnv('SCHEDULER_ROLE_ARN'),
    escalateFunctionArn: requireEnv('ESCALATE_FUNCTION_ARN'),
    notifyFunctionArn: requireEnv('NOTIFY_FUNCTION_ARN'),
    ...(process.env.SCHEDULE_DEAD_LETTER_ARN ? { deadLetterArn: process.env.SCHEDULE_DEAD_LETTER_ARN } : {}),
  });
}
