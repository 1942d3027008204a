import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { requireEnv } from '../environment.ts';
import { EventBridgeOneTimeScheduler } from '../scheduler.ts';

let scheduler: EventBridgeOneTimeScheduler | undefined;
/** One-time schedules in the Firebreak group, invoking escalate or notify. */
export function deployedScheduler(): EventBridgeOneTimeScheduler {
  return (scheduler ??= new EventBridgeOneTimeScheduler(new SchedulerClient({}), {
    group: requireEnv('SCHEDULE_GROUP'),
    roleArn: requireEnv('SCHEDULER_ROLE_ARN'),
    escalateFunctionArn: requireEnv('ESCALATE_FUNCTION_ARN'),
    notifyFunctionArn: requireEnv('NOTIFY_FUNCTION_ARN'),
    ...(process.env.SCHEDULE_DEAD_LETTER_ARN ? { deadLetterArn: process.env.SCHEDULE_DEAD_LETTER_ARN } : {}),
  }));
}
