/** Fleet mitigation in the stack: the execute and track rules, and cdk-nag (set-up: mitigation-stack.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { FIREBREAK_SOURCE, type EventPattern } from '../../functions/core/events/bus.ts';
import { MitigationApproved } from '../../functions/core/events/mitigation-approved.ts';
import { BUS_EVENTS } from '../../functions/core/events/subscriptions.ts';
import { MitigationCancelRequested } from '../../functions/core/events/mitigation-cancel-requested.ts';
import { EXECUTE_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { SSM_STATUS_DETAIL_TYPES, SSM_STATUS_PATTERN } from '../../functions/core/mitigations/ssm-patterns.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import { FIXTURES, unacknowledgedFindings } from './synth.ts';
import { app, stack, template, resources, logicalId, ref, arnOf, props, useMitigationStack } from './mitigation-stack.ts';

useMitigationStack();

describe('execute and track rules', () => {
  const envelope = (source: string, detailType: string, detail: Record<string, unknown> = {}) => ({
    version: '0',
    id: '8b0e3a52-1d7c-4b8e-9f2a-0c6d5e4f3a21',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2026-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });
  const patternOf = (rule: IConstruct) => props(rule).EventPattern as EventPattern;
  /** Every rule in the stack, by a readable name, with its synthesized pattern. */
  const allRules = () =>
    Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Events::Rule')
      .map(([id, r]) => [id, r.Properties.EventPattern as EventPattern] as const);
  const matching = (event: unknown) =>
    allRules()
      .filter(([, pattern]) => matchesPattern(pattern, event))
      .map(([id]) => id);

  it('feeds execute from the firebreak bus and track from the default bus, with the shared patterns verbatim', () => {
    expect(props(stack.mitigation.executeRule)).toMatchObject({
      EventBusName: ref(stack.foundation.bus),
      EventPattern: EXECUTE_PATTERN,
    });
    expect(EXECUTE_PATTERN).toEqual({
      source: ['firebreak'],
      'detail-type': ['Mitigation Approved', 'Mitigation Cancel Requested'],
    });
    expect(props(stack.mitigation.trackRule).EventBusName).toBeUndefined();
    expect(props(stack.mitigation.trackRule).EventPattern).toEqual(SSM_STATUS_PATTERN);
    expect(SSM_STATUS_PATTERN).toEqual({ source: ['aws.ssm'], 'detail-type': Object.values(SSM_STATUS_DETAIL_TYPES) });
  });

  it('targets each function with the DLQ, explicit retries and a maximum event age', () => {
    for (const [rule, fn] of [
      [stack.mitigation.executeRule, stack.mitigation.executeFunction],
      [stack.mitigation.trackRule, stack.mitigation.trackFunction],
    ] as const) {
      expect(props(rule).Targets).toEqual([
        {
          Id: 'Target0',
          Arn: arnOf(fn),
          DeadLetterConfig: { Arn: arnOf(stack.foundation.deadLetterQueue) },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        },
      ]);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(fn),
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf(rule),
      });
    }
  });

  const fixtures = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
  const ssmFixtures = fixtures.filter((file) => file.startsWith('ssm-'));
  const event = (file: string): unknown => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

  it('has SSM samples of all three status events', () => {
    const detailTypes = new Set(ssmFixtures.map((file) => (event(file) as { 'detail-type': string })['detail-type']));
    expect([...detailTypes].sort()).toEqual(Object.values(SSM_STATUS_DETAIL_TYPES).sort());
  });

  it.each(ssmFixtures)('%s reaches track and no other rule', (file) => {
    expect(matching(event(file))).toEqual([logicalId(stack.mitigation.trackRule)]);
    expect(matchesPattern(SSM_STATUS_PATTERN, event(file))).toBe(true);
  });

  it.each(fixtures.filter((file) => !file.startsWith('ssm-')))('%s reaches neither track nor execute', (file) => {
    expect(matchesPattern(patternOf(stack.mitigation.trackRule), event(file))).toBe(false);
    expect(matchesPattern(patternOf(stack.mitigation.executeRule), event(file))).toBe(false);
  });

  it('delivers Mitigation Approved and Mitigation Cancel Requested from Firebreak to execute only, and nothing else Firebreak says', () => {
    expect(
      matching(
        envelope(FIREBREAK_SOURCE, MitigationApproved.detailType, {
          incidentId: 'INC-B2D7BC30C6',
          requestId: 'MIT-0123456789',
        }),
      ),
    ).toEqual([logicalId(stack.mitigation.executeRule)]);
    expect(matchesPattern(EXECUTE_PATTERN, envelope('firebreak.monitor.uptime', MitigationApproved.detailType))).toBe(false);
    expect(
      matching(
        envelope(FIREBREAK_SOURCE, MitigationCancelRequested.detailType, {
          incidentId: 'INC-B2D7BC30C6',
          requestId: 'MIT-0123456789',
        }),
      ),
    ).toEqual([logicalId(stack.mitigation.executeRule)]);
    const executed: string[] = [MitigationApproved.detailType, MitigationCancelRequested.detailType];
    for (const detailType of BUS_EVENTS.map((event) => event.detailType).filter((t) => !executed.includes(t))) {
      expect(matchesPattern(EXECUTE_PATTERN, envelope(FIREBREAK_SOURCE, detailType)), detailType).toBe(false);
      expect(matchesPattern(SSM_STATUS_PATTERN, envelope(FIREBREAK_SOURCE, detailType)), detailType).toBe(false);
    }
    // SSM's status events sent by anyone else (a custom monitor spoofing the detail type) do not reach track.
    expect(matchesPattern(SSM_STATUS_PATTERN, envelope('firebreak.monitor.x', SSM_STATUS_DETAIL_TYPES.command))).toBe(false);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged findings', () => {
    expect(unacknowledgedFindings(app)).toEqual([]);
  });

  it('acknowledges the mitigation findings where they arise, each with a written reason', () => {
    const acknowledged = new Map<string, string>();
    for (const entry of stack.mitigation.node.findAll().flatMap((c) => c.node.metadata.map((m) => ({ path: c.node.path, m })))) {
      if (entry.m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.m.data as Record<string, string>))
        acknowledged.set(`${entry.path.replace('Firebreak/Mitigation/', '')} ${id.replace(/^Annotation::/, '')}`, reason);
    }
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(60);
    const automationAcks = [...acknowledged.keys()].filter((id) => id.startsWith('AutomationRole ')).sort();
    expect(automationAcks).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudtrail:*:<AWS::AccountId>:trail/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]',
      ]
        .map((id) => `AutomationRole ${id}`)
        .sort(),
    );
    expect([...acknowledged.keys()]).toContain(
      'ExecuteRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
    );
  });
});
