import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_STREAM_FILTER } from '../../functions/adapters/dynamodb/outbox.ts';
import type { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { synthesize, templateReaders, type Resource } from './synth.ts';

let stack: FirebreakStack;
let resources: Record<string, Resource>;

const { logicalId, ref, arnOf, statementsOf } = templateReaders(() => ({ stack, resources }));

beforeAll(() => {
  ({ stack, resources } = synthesize());
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
