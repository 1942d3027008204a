import { CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isPlatformAlarmName,
  MAX_ALARM_NAME,
  platformAlarmName,
  STACK_TAG,
} from '../../functions/core/platform/platform-alarms.ts';

import { FirebreakFunction } from '../../lib/constructs/firebreak-function.ts';
import { firebreakFunctionsIn, PlatformAlarms } from '../../lib/constructs/platform-alarms.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { newApp, synthesize } from './synth.ts';

type Alarm = { Properties: Record<string, unknown> };

let stack: FirebreakStack;
let template: Template;
let alarms: Alarm[];
let functions: FirebreakFunction[];

const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const alarmNamed = (name: string) => alarms.find((a) => a.Properties.AlarmName === name);

beforeAll(() => {
  ({ stack, template } = synthesize());
  alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
  functions = firebreakFunctionsIn(stack);
});

describe('platform alarms', () => {
  it("watches every Firebreak function (errors and throttles), both dead-letter queues and the relay's iterator age, and nothing else", () => {
    expect(functions.map((f) => f.serviceName).sort()).toEqual(
      [
        'deployments',
        'escalate',
        'execute',
        'freeze',
        'ingest',
        'maintenance',
        'notary',
        'notify',
        'propose',
        'relay',
        'review',
        'slack',
        'track',
      ].map((s) => `firebreak-${s}`),
    );
    expect(alarms).toHaveLength(functions.length * 2 + 3 + 2);
    expect(stack.alarms.functionAlarms.size).toBe(functions.length);
    expect([...stack.alarms.deadLetterAlarms.keys()]).toEqual(['shared', 'relay', 'notary']);
    expect([...stack.alarms.streamConsumerAlarms.keys()]).toEqual([
      stack.relay.relayFunction.node.path,
      stack.notary.notaryFunction.node.path,
    ]);
  });

  it('alarms on one visible dead letter, per minute, missing data not breaching', () => {
    expect(alarmNamed('firebreak-platform-Firebreak-shared-dead-letters')?.Properties).toEqual({
      AlarmName: 'firebreak-platform-Firebreak-shared-dead-letters',
      AlarmDescription: expect.stringContaining('firebreak dlq list'),
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.foundation.deadLetterQueue), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it("alarms on 5 errors or 5 throttles of a function in 5 minutes, on that function's own metric", () => {
    const ingest = stack.ingestion.ingestFunction;
    for (const [watch, metric] of [
      ['errors', 'Errors'],
      ['throttles', 'Throttles'],
    ] as const) {
      expect(alarmNamed(`firebreak-platform-Firebreak-ingest-${watch}`)?.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(ingest) } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('names every alarm with the platform prefix, the stack name and what it watches, within the limit', () => {
    for (const alarm of alarms) {
      const name = alarm.Properties.AlarmName as string;
      expect(isPlatformAlarmName(name), name).toBe(true);
      expect(name.startsWith('firebreak-platform-Firebreak-')).toBe(true);
      expect(name).toMatch(/-(dead-letters|errors|throttles|iterator-age)$/);
      expect(name.length).toBeLessThanOrEqual(MAX_ALARM_NAME);
      expect(alarm.Properties.AlarmActions, 'state changes reach EventBridge without actions').toBeUndefined();
    }
    expect(new Set(alarms.map((a) => a.Properties.AlarmName)).size).toBe(alarms.length);
  });

  it('cuts an overlong subject, never the prefix or the watch', () => {
    const name = platformAlarmName('S'.repeat(128), 'x'.repeat(400), 'iterator-age');
    expect(name).toHaveLength(MAX_ALARM_NAME);
    expect(name.startsWith(`firebreak-platform-${'S'.repeat(128)}-x`)).toBe(true);
    expect(name.endsWith('-iterator-age')).toBe(true);
    expect(platformAlarmName('Firebreak', 'a b/c', 'errors')).toBe('firebreak-platform-Firebreak-a-b-c-errors');
  });

  it('sends what a function gives up on to the dead-letter queue as an on-failure record naming the function, and tags the function with its stack', () => {
    // Not slack (it answers synchronously) nor the stream consumers (their event source mappings have their own DLQs).
    const own = ['firebreak-slack', 'firebreak-relay', 'firebreak-notary'];
    for (const fn of functions.filter((f) => !own.includes(f.serviceName))) {
      const props = (fn.node.defaultChild as CfnElement & { deadLetterConfig?: unknown }).deadLetterConfig;
      expect(props, fn.serviceName).toBeUndefined();
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(fn) },
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.foundation.deadLetterQueue), 'Arn'] } },
        },
      });
    }
    for (const fn of functions) {
      const tags = (template.toJSON().Resources[logicalId(fn)].Properties.Tags ?? []) as Array<{ Key: string; Value: string }>;
      expect(tags, fn.serviceName).toContainEqual({ Key: STACK_TAG, Value: 'Firebreak' });
    }
  });
});

describe('watchStreamConsumer', () => {
  it("alarms when a consumer's iterator age stays at or above the limit for 3 minutes, and watches its errors too", () => {
    const app = newApp();
    const standalone = new Stack(app, 'Relay');
    const fn = new FirebreakFunction(standalone, 'Relay', {
      entry: 'functions/ingest/handler.ts',
      serviceName: 'firebreak-relay',
    });
    const platform = new PlatformAlarms(standalone, 'Alarms', { deadLetterQueues: [], functions: [] });
    const alarm = platform.watchStreamConsumer(fn, Duration.minutes(2));
    expect(platform.watchStreamConsumer(fn, Duration.minutes(2))).toBe(alarm);
    const t = Template.fromStack(standalone);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'firebreak-platform-Relay-relay-iterator-age',
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 120_000,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'firebreak-platform-Relay-relay-errors' });
    expect(platform.streamConsumerAlarms.size).toBe(1);
    expect(platform.functionAlarms.size).toBe(1);
  });
});
