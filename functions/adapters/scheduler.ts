import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { BusEvent } from '../core/events/contract.ts';
import { FIREBREAK_SOURCE } from '../core/events/bus.ts';

export interface SchedulerTargets {
  readonly group: string;
  readonly roleArn: string;
  readonly escalateFunctionArn: string;
  readonly notifyFunctionArn: string;
  /** Where a schedule that cannot invoke its target sends the event, instead of losing it. */
  readonly deadLetterArn?: string;
}

/**
 * One-time EventBridge Scheduler schedules that invoke a Firebreak function with an
 * EventBridge-shaped event, so the function handles it like any other. Schedules delete
 * themselves after running; a name that exists already means it is scheduled (idempotent).
 */
export class EventBridgeOneTimeScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly targets: SchedulerTargets,
  ) {}

  async schedule(input: {
    readonly name: string;
    readonly at: string;
    readonly target: 'escalate' | 'notify';
    readonly event: BusEvent;
  }): Promise<void> {
    const at = input.at.replace(/\.\d{3}Z$/, '').replace(/Z$/, '');
    const event = {
      version: '0',
      id: input.name,
      source: FIREBREAK_SOURCE,
      'detail-type': input.event.detailType,
      time: input.at,
      resources: [],
      detail: input.event.detail,
    };
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: input.name.slice(0, 64),
          GroupName: this.targets.group,
          ScheduleExpression: `at(${at})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: input.target === 'escalate' ? this.targets.escalateFunctionArn : this.targets.notifyFunctionArn,
            RoleArn: this.targets.roleArn,
            Input: JSON.stringify(event),
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
            ...(this.targets.deadLetterArn ? { DeadLetterConfig: { Arn: this.targets.deadLetterArn } } : {}),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
  }
}
