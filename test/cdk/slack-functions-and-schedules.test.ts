/**
 * The functions behind Slack in the stack: slack, notify, escalate and propose (memory, environment,
 * least-privilege grants, no PutEvents, no ssm:), the EventBridge Scheduler group and role, and the
 * notify and propose rules on the firebreak bus (harness: stack-harness.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { NOTIFY_EVENTS } from '../../functions/core/events/subscriptions.ts';
import { type EventPattern } from '../../functions/core/events/bus.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import { actionsOf, arnJoin, FIXTURES } from './synth.ts';
import { exampleConfig } from '../support.ts';
import {
  stack,
  template,
  resources,
  logicalId,
  ref,
  arnOf,
  props,
  statementsOf,
  allStatementsFor,
  useSynthesizedStack,
} from './stack-harness.ts';

useSynthesizedStack(exampleConfig);

describe('functions', () => {
  const env = (fn: IConstruct) => (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;

  it("gives slack 1 GB (cold start under Slack's 3 s), no reserved concurrency, and its environment", () => {
    const fn = props(stack.slack.slackFunction);
    expect(fn.MemorySize).toBe(1024);
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    expect(env(stack.slack.slackFunction)).toMatchObject({
      TABLE_NAME: ref(stack.foundation.table),
      SLACK_SECRET_ARN: ref(stack.foundation.slackSecret),
    });
  });

  it('gives slack, notify and escalate the same scheduling environment, with ARNs that name the real functions', () => {
    const notifyName = props(stack.workflow.notifyFunction).FunctionName as string;
    const escalateName = props(stack.workflow.escalateFunction).FunctionName as string;
    expect([notifyName, escalateName]).toEqual(['Firebreak-notify', 'Firebreak-escalate']);
    for (const fn of [stack.slack.slackFunction, stack.workflow.notifyFunction, stack.workflow.escalateFunction]) {
      // escalate never posts to Slack, so it has no SLACK_SECRET_ARN (and no read on the secret, above).
      if (fn === stack.workflow.escalateFunction) expect(env(fn)).not.toHaveProperty('SLACK_SECRET_ARN');
      else expect(env(fn), fn.node.path).toMatchObject({ SLACK_SECRET_ARN: ref(stack.foundation.slackSecret) });
      expect(env(fn), fn.node.path).toMatchObject({
        TABLE_NAME: ref(stack.foundation.table),
        SCHEDULE_GROUP: 'firebreak',
        SCHEDULER_ROLE_ARN: arnOf(stack.workflow.schedulerRole),
        ESCALATE_FUNCTION_ARN: arnJoin('lambda', `:function:${escalateName}`),
        NOTIFY_FUNCTION_ARN: arnJoin('lambda', `:function:${notifyName}`),
        SCHEDULE_DEAD_LETTER_ARN: arnOf(stack.foundation.deadLetterQueue),
      });
    }
  });

  it('gives no function PutEvents (their events go through the outbox), and the table and key', () => {
    for (const fn of [stack.slack.slackFunction, stack.workflow.notifyFunction, stack.workflow.escalateFunction]) {
      const statements = statementsOf(fn.executionRole);
      const on = (action: string) => statements.filter((s) => actionsOf(s).includes(action)).map((s) => s.Resource);
      expect(on('events:PutEvents'), fn.node.path).toEqual([]);
      expect(on('dynamodb:PutItem'), fn.node.path).toEqual([
        [arnOf(stack.foundation.table), { 'Fn::Join': ['', [arnOf(stack.foundation.table), '/index/*']] }],
      ]);
      expect(on('kms:Decrypt'), fn.node.path).toEqual([arnOf(stack.foundation.key)]);
      expect(
        statements
          .filter((s) => s.Resource === '*')
          .flatMap(actionsOf)
          .sort(),
        fn.node.path,
      ).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      // `/firebreak cancel` is recorded and handed to execute as an event: no Systems Manager action at all.
      expect(
        statements.flatMap(actionsOf).filter((a) => a.startsWith('ssm:')),
        fn.node.path,
      ).toEqual([]);
    }
  });

  it('retries notify and escalate twice on failure, then dead-letters', () => {
    for (const fn of [stack.workflow.notifyFunction, stack.workflow.escalateFunction]) {
      expect(props(fn).DeadLetterConfig).toBeUndefined();
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(fn),
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 7200,
        DestinationConfig: { OnFailure: { Destination: arnOf(stack.foundation.deadLetterQueue) } },
      });
    }
  });
});

describe('EventBridge Scheduler', () => {
  it('creates the firebreak schedule group', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    expect(props(stack.workflow.scheduleGroup)).toEqual({ Name: 'firebreak' });
  });

  it("has a role only Scheduler can assume, for schedules of this account's firebreak group", () => {
    expect(props(stack.workflow.schedulerRole).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': arnOf(stack.workflow.scheduleGroup),
            },
          },
        },
      ],
    });
    expect(props(stack.workflow.schedulerRole).ManagedPolicyArns).toBeUndefined();
  });

  it('lets that role invoke escalate and notify, and nothing else but the DLQ', () => {
    expect(statementsOf(stack.workflow.schedulerRole)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [arnOf(stack.workflow.escalateFunction), arnOf(stack.workflow.notifyFunction)],
      },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(stack.foundation.deadLetterQueue) },
    ]);
    // No other role may invoke functions directly (but the review's own schedule, tested with it): every other arrow is an event on the bus.
    expect(allStatementsFor('lambda:InvokeFunction').map(({ roles }) => roles)).toEqual([
      [ref(stack.workflow.schedulerRole)],
      [ref(stack.review!.scheduleRole)],
    ]);
  });

  it('reaches escalate / expire only through that role: no bus rule targets it, no resource policy, and it schedules nothing', () => {
    const naming = (type: string, property: string, fn: IConstruct) =>
      Object.values(resources).filter(
        (r) => r.Type === type && JSON.stringify(r.Properties[property] ?? null).includes(`"${logicalId(fn)}"`),
      );
    // So a forged "Mitigation Expiry Due" or "Mitigation Escalation Due" put on a bus reaches nothing (notify, for contrast, has its rule).
    expect(naming('AWS::Events::Rule', 'Targets', stack.workflow.notifyFunction)).toHaveLength(1);
    expect(naming('AWS::Events::Rule', 'Targets', stack.workflow.escalateFunction)).toEqual([]);
    expect(naming('AWS::Lambda::Permission', 'FunctionName', stack.workflow.escalateFunction)).toEqual([]);
    const own = statementsOf(stack.workflow.escalateFunction.executionRole).flatMap(actionsOf);
    expect(own.filter((a) => /^(scheduler|iam|lambda):/.test(a))).toEqual([]);
    expect(props(stack.workflow.escalateFunction).Description).toBe(
      'Firebreak escalate / expire: when the CTO stays silent, ask the senior engineers; when the approval window ends, expire the request',
    );
  });

  it('lets slack, notify and propose (only) create schedules in the group, and pass the role to Scheduler only', () => {
    const schedules = arnJoin('scheduler', ':schedule/firebreak/*');
    const schedulingFunctions = [stack.slack.slackFunction, stack.workflow.notifyFunction, stack.workflow.proposeFunction];
    for (const fn of schedulingFunctions) {
      const statements = statementsOf(fn.executionRole);
      // No DeleteSchedule: schedules delete themselves after running (ActionAfterCompletion DELETE, done by Scheduler).
      expect(
        statements.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:'))),
        fn.node.path,
      ).toEqual([{ Action: 'scheduler:CreateSchedule', Effect: 'Allow', Resource: schedules }]);
      expect(
        statements.filter((s) => actionsOf(s).includes('iam:PassRole')),
        fn.node.path,
      ).toEqual([
        {
          Action: 'iam:PassRole',
          Effect: 'Allow',
          Resource: arnOf(stack.workflow.schedulerRole),
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
    }
    const schedulers = schedulingFunctions.map((fn) => [ref(fn.executionRole)]);
    expect(allStatementsFor('scheduler:CreateSchedule').map(({ roles }) => roles)).toEqual(expect.arrayContaining(schedulers));
    expect(allStatementsFor('scheduler:CreateSchedule')).toHaveLength(3);
    expect(allStatementsFor('scheduler:DeleteSchedule')).toEqual([]);
    // Plus execute's PassRole of the automation role to SSM (test/cdk/mitigation.test.ts).
    expect(
      allStatementsFor('iam:PassRole').filter(({ s }) => JSON.stringify(s.Condition).includes('scheduler.amazonaws.com')),
    ).toHaveLength(3);
    expect(allStatementsFor('iam:PassRole')).toHaveLength(4);
  });
});

describe('notify rule', () => {
  const envelope = (source: string, detailType: string) => ({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2025-11-20T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { incidentId: 'INC-B2D7BC30C6' },
  });
  const pattern = () => props(stack.workflow.notifyRule).EventPattern as EventPattern;

  it('listens on the firebreak bus', () => {
    expect(props(stack.workflow.notifyRule).EventBusName).toEqual(ref(stack.foundation.bus));
  });

  it.each(NOTIFY_EVENTS.map((event) => event.detailType))('delivers a firebreak "%s" event', (detailType) => {
    expect(matchesPattern(pattern(), envelope('firebreak', detailType))).toBe(true);
  });

  it('ignores the same detail types from any other source, and Firebreak events meant for others', () => {
    for (const detailType of NOTIFY_EVENTS.map((event) => event.detailType)) {
      expect(matchesPattern(pattern(), envelope('firebreak.monitor.uptime', detailType)), detailType).toBe(false);
    }
    expect(matchesPattern(pattern(), envelope('firebreak', 'Mitigation Approved'))).toBe(false);
  });

  it('ignores every ingest-bound AWS sample event', () => {
    const fixtures = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
    expect(fixtures.length).toBeGreaterThan(0);
    for (const file of fixtures) {
      const event: unknown = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      expect(matchesPattern(pattern(), event), file).toBe(false);
    }
  });

  it('targets notify with the DLQ, explicit retries and a maximum event age', () => {
    expect(props(stack.workflow.notifyRule).Targets).toEqual([
      {
        Id: 'Target0',
        Arn: arnOf(stack.workflow.notifyFunction),
        DeadLetterConfig: { Arn: arnOf(stack.foundation.deadLetterQueue) },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(stack.workflow.notifyFunction),
      Principal: 'events.amazonaws.com',
      SourceArn: arnOf(stack.workflow.notifyRule),
    });
  });

  it('feeds propose with new incidents and failed mitigations (their rollbacks), from the firebreak bus, with the DLQ and retries', () => {
    const propose = props(stack.workflow.proposeRule);
    expect(propose.EventBusName).toEqual(ref(stack.foundation.bus));
    expect(propose.EventPattern).toEqual({ source: ['firebreak'], 'detail-type': ['Incident Opened', 'Mitigation Failed'] });
    expect(matchesPattern(propose.EventPattern as EventPattern, envelope('firebreak', 'Incident Opened'))).toBe(true);
    expect(matchesPattern(propose.EventPattern as EventPattern, envelope('firebreak', 'Mitigation Failed'))).toBe(true);
    for (const other of ['Incident Updated', 'Mitigation Requested'])
      expect(matchesPattern(propose.EventPattern as EventPattern, envelope('firebreak', other)), other).toBe(false);
    expect(matchesPattern(propose.EventPattern as EventPattern, envelope('firebreak.monitor.x', 'Incident Opened'))).toBe(false);
    expect(propose.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: arnOf(stack.workflow.proposeFunction),
        DeadLetterConfig: { Arn: arnOf(stack.foundation.deadLetterQueue) },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
      },
    ]);
  });

  it('gives propose the table but not the Slack secret (proposals do not wait for Slack) nor the bus (the outbox)', () => {
    const statements = statementsOf(stack.workflow.proposeFunction.executionRole);
    expect(statements.some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))).toBe(false);
    expect(statements.some((s) => actionsOf(s).includes('events:PutEvents'))).toBe(false);
    expect(
      statements.some((s) => actionsOf(s).includes('dynamodb:TransactWriteItems') || actionsOf(s).includes('dynamodb:PutItem')),
    ).toBe(true);
  });
});
