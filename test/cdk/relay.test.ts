import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_STREAM_FILTER } from '../../functions/adapters/dynamodb/outbox.ts';
import { loadConfig } from '../../lib/config.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CDK_CONTEXT = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown };

let stack: FirebreakStack;
let resources: Record<string, Resource>;

const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const statementsOf = (role: IConstruct): Statement[] =>
  Object.values(resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify(ref(role))),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

beforeAll(() => {
  const config = loadConfig(join(ROOT, 'firebreak.config.json'));
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  stack = new FirebreakStack(app, 'Firebreak', { config });
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
});

describe('the outbox relay', () => {
  it("reads the table's stream of new images, filtered to new outbox items, with partial failures, bisection, an age limit and its own DLQ", () => {
    const mappings = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties.FunctionName) === JSON.stringify(ref(stack.relay.relayFunction)),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      FunctionName: ref(stack.relay.relayFunction),
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.foundation.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(stack.relay.deadLetterQueue) } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(OUTBOX_STREAM_FILTER) }] },
    });
    expect(resources[logicalId(stack.foundation.table)]!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('is the only function that may put events on the firebreak bus', () => {
    const functions = stack.node.findAll().filter((c) => (c as { executionRole?: unknown }).executionRole !== undefined);
    const publishers = functions.filter((fn) =>
      statementsOf((fn as unknown as { executionRole: IConstruct }).executionRole).some((s) =>
        [s.Action].flat().includes('events:PutEvents'),
      ),
    );
    expect(publishers.map((fn) => fn.node.path)).toEqual([stack.relay.relayFunction.node.path]);
    const relay = statementsOf(stack.relay.relayFunction.executionRole);
    expect(relay.filter((s) => [s.Action].flat().includes('events:PutEvents')).map((s) => s.Resource)).toEqual([
      arnOf(stack.foundation.bus),
    ]);
    // Poison items go to its dead-letter queue; it never writes the table.
    expect(relay.filter((s) => [s.Action].flat().includes('sqs:SendMessage')).map((s) => s.Resource)).toContainEqual(
      arnOf(stack.relay.deadLetterQueue),
    );
    expect(relay.some((s) => [s.Action].flat().some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)))).toBe(false);
    expect(
      (resources[logicalId(stack.relay.relayFunction)]!.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables,
    ).toMatchObject({ EVENT_BUS_NAME: ref(stack.foundation.bus), RELAY_DEAD_LETTER_QUEUE_URL: ref(stack.relay.deadLetterQueue) });
  });
});
