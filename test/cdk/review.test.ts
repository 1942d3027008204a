/** The scheduled configuration review in the stack: its function, schedule, role, rule and read permissions. */

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { exampleConfigInput, newApp, synthesize } from './synth.ts';

const raw = exampleConfigInput();

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Action: unknown; Resource: unknown; Effect: string; Condition?: unknown; Principal?: unknown };
let app: App;
let stack: FirebreakStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  ({ app, stack, resources } = synthesize(
    parseConfig({ ...raw, review: { schedule: 'cron(30 7 ? * FRI *)', timezone: 'Europe/Berlin' } }),
  ));
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const statementsOf = (roleId: string): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

describe('the scheduled configuration review', () => {
  it('runs on the configured schedule in its time zone, in the Firebreak group, passing the run\u2019s scheduled time', () => {
    const review = stack.review!;
    const [[, schedule]] = ofType('AWS::Scheduler::Schedule') as [[string, Resource]];
    expect(schedule.Properties).toEqual({
      Name: 'configuration-review',
      GroupName: 'firebreak',
      Description: expect.stringContaining('configuration review'),
      ScheduleExpression: 'cron(30 7 ? * FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [id(review.reviewFunction), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [id(review.scheduleRole), 'Arn'] },
        Input: JSON.stringify({ kind: 'configuration-review', scheduledAt: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(stack.foundation.deadLetterQueue), 'Arn'] } },
      },
    });
    expect(schedule.DependsOn).toEqual(
      expect.arrayContaining([stack.getLogicalId(stack.workflow.scheduleGroup.node.defaultChild as never)]),
    );
  });

  it('the schedule role may only be assumed by this schedule, and may only invoke the review function and dead-letter', () => {
    const review = stack.review!;
    const [, role] = ofType('AWS::IAM::Role').find(([roleId]) => roleId === id(review.scheduleRole))!;
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]!.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(JSON.stringify(trust[0]!.Condition)).toContain(':schedule/firebreak/configuration-review');
    expect(JSON.stringify(trust[0]!.Condition)).toContain('aws:SourceAccount');
    expect(statementsOf(id(review.scheduleRole))).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(review.reviewFunction), 'Arn'] } },
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [id(stack.foundation.deadLetterQueue), 'Arn'] },
      },
    ]);
  });

  it('the function reads the account through the read-only review policy, and hears its own events only', () => {
    const review = stack.review!;
    const [, role] = ofType('AWS::IAM::Role').find(([roleId]) => roleId === id(review.reviewFunction.executionRole))!;
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(
      stack.getLogicalId(stack.reviewPolicy.policy.node.defaultChild as never),
    );
    const actions = statementsOf(id(review.reviewFunction.executionRole)).flatMap((s) => [s.Action].flat());
    // Nothing that changes the account: the table (its own items), the key, the Slack secret, its dead-letter queue, X-Ray.
    expect(actions.filter((a) => /^(ec2|ssm|config|iam|lambda|scheduler|events):/.test(String(a)))).toEqual([]);
    const [, rule] = ofType('AWS::Events::Rule').find(([ruleId]) => ruleId === id(review.eventsRule))!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['firebreak'],
      'detail-type': ['Configuration Review Recorded', 'Configuration Review Acknowledged'],
    });
  });

  it('cdk-nag finds nothing unacknowledged in the review construct', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    const ours = report.violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
      .filter((line) => line.includes('/Review/'));
    expect(ours).toEqual([]);
  });

  it('with review.enabled false there is no review function, schedule or rule', () => {
    const off = new FirebreakStack(newApp(), 'Off', { config: parseConfig({ ...raw, review: { enabled: false } }) });
    const template = Template.fromStack(off).toJSON().Resources as Record<string, Resource>;
    expect(Object.values(template).filter((r) => r.Type === 'AWS::Scheduler::Schedule')).toEqual([]);
    expect(off.review).toBeUndefined();
  });
});
