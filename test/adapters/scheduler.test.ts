import { ConflictException, CreateScheduleCommand, SchedulerClient, ValidationException } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EventBridgeOneTimeScheduler } from '../../functions/adapters/scheduler.ts';
import { scheduleRequestTimers } from '../../functions/workflow/request-timers.ts';
import type { MitigationRequest } from '../../functions/core/mitigations/mitigation.ts';

// The request timers as EventBridge Scheduler receives them: exact CreateSchedule inputs, and a name that exists is success.

const TARGETS = {
  group: 'firebreak',
  roleArn: 'arn:aws:iam::123456789012:role/Firebreak-SchedulerRole',
  escalateFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Firebreak-escalate',
  notifyFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Firebreak-notify',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:Firebreak-dlq',
};
const REF = { incidentId: 'INC-B2D7BC30C6', requestId: 'MIT-0A1B2C3D4E' };
const REQUEST = {
  id: REF.requestId,
  incidentId: REF.incidentId,
  state: 'awaiting_approval',
  escalateAt: '2026-11-23T09:15:00.000Z',
  expiresAt: '2026-11-23T10:00:30.500Z',
} as MitigationRequest;

function scheduler() {
  const client = new SchedulerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return { mock: mockClient(client), scheduler: new EventBridgeOneTimeScheduler(client, TARGETS) };
}

const expected = (name: string, at: string, detailType: string, time: string) => ({
  Name: name,
  GroupName: 'firebreak',
  ScheduleExpression: `at(${at})`,
  ScheduleExpressionTimezone: 'UTC',
  FlexibleTimeWindow: { Mode: 'OFF' },
  ActionAfterCompletion: 'DELETE',
  Target: {
    Arn: TARGETS.escalateFunctionArn,
    RoleArn: TARGETS.roleArn,
    Input: JSON.stringify({
      version: '0',
      id: name,
      source: 'firebreak',
      'detail-type': detailType,
      time,
      resources: [],
      detail: REF,
    }),
    RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
    DeadLetterConfig: { Arn: TARGETS.deadLetterArn },
  },
});

describe('request timers on EventBridge Scheduler', () => {
  it('creates the escalation and the expiry, both invoking escalate, the expiry on the minute after the window ends', async () => {
    const { mock, scheduler: s } = scheduler();
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/firebreak/x' });
    await scheduleRequestTimers(s, REQUEST);
    expect(mock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input)).toEqual([
      expected(`escalate-${REF.requestId}`, '2026-11-23T09:15:00', 'Mitigation Escalation Due', '2026-11-23T09:15:00.000Z'),
      expected(
        `expire-${REF.requestId}-20261123100030`,
        '2026-11-23T10:01:00',
        'Mitigation Expiry Due',
        '2026-11-23T10:01:00.000Z',
      ),
    ]);
  });

  it('treats a schedule that already exists (a retry, a redelivery) as made', async () => {
    const { mock, scheduler: s } = scheduler();
    mock
      .on(CreateScheduleCommand)
      .rejects(
        new ConflictException({ Message: 'Schedule already exists.', message: 'Schedule already exists.', $metadata: {} }),
      );
    await expect(scheduleRequestTimers(s, REQUEST)).resolves.toBeUndefined();
    expect(mock.commandCalls(CreateScheduleCommand)).toHaveLength(2);
  });

  it('fails on any other error, so the caller retries instead of leaving a request without its expiry', async () => {
    const { mock, scheduler: s } = scheduler();
    mock
      .on(CreateScheduleCommand)
      .rejects(new ValidationException({ Message: 'Invalid expression', message: 'Invalid expression', $metadata: {} }));
    await expect(scheduleRequestTimers(s, REQUEST)).rejects.toBeInstanceOf(ValidationException);
  });

  it('makes no timer for a request that does not await approval, and no escalation for one escalated at once', async () => {
    const { mock, scheduler: s } = scheduler();
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await scheduleRequestTimers(s, { ...REQUEST, state: 'approved' });
    expect(mock.commandCalls(CreateScheduleCommand)).toEqual([]);
    await scheduleRequestTimers(s, { ...REQUEST, escalatedAt: '2026-11-23T09:00:00.000Z' });
    expect(mock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Name)).toEqual([
      `expire-${REF.requestId}-20261123100030`,
    ]);
  });
});
