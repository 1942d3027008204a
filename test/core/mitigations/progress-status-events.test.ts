/**
 * Reading Systems Manager's status events (parseSsmStatusEvent on the published samples, the field at
 * fault named) and the bucket each status falls in.
 */
import { describe, expect, it } from 'vitest';
import { bucketOf, nextBucket, parseSsmStatusEvent } from '../../../functions/core/mitigations/progress.ts';
import { InvalidEventError, UnsupportedSourceError } from '../../../functions/core/signals/signal.ts';
import type { Json } from '../helpers.ts';
import { fixture } from '../../support.ts';

const COMMAND_ID = 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b';

function invalidField(raw: unknown): string {
  try {
    parseSsmStatusEvent(raw);
  } catch (error) {
    if (error instanceof InvalidEventError) return error.field;
    throw error;
  }
  throw new Error('expected InvalidEventError');
}

const edited = (name: string, edit: (event: Json) => void): Json => {
  const event: Json = structuredClone(fixture(name));
  edit(event);
  return event;
};

describe('parseSsmStatusEvent (published SSM samples)', () => {
  it('reads the Run Command status change', () => {
    expect(parseSsmStatusEvent(fixture('ssm-command-status-change-success.json'))).toEqual({
      kind: 'command',
      commandId: COMMAND_ID,
      status: 'Success',
      bucket: 'succeeded',
    });
    expect(parseSsmStatusEvent(fixture('ssm-command-status-change-failed-derived.json'))).toEqual({
      kind: 'command',
      commandId: COMMAND_ID,
      status: 'Failed',
      bucket: 'failed',
    });
  });

  it('reads the Run Command invocation status change', () => {
    expect(parseSsmStatusEvent(fixture('ssm-command-invocation-status-change-success.json'))).toEqual({
      kind: 'invocation',
      commandId: COMMAND_ID,
      instanceId: 'i-9bb89e2b',
      status: 'Success',
      bucket: 'succeeded',
    });
    expect(parseSsmStatusEvent(fixture('ssm-command-invocation-status-change-failed-derived.json'))).toEqual({
      kind: 'invocation',
      commandId: COMMAND_ID,
      instanceId: 'i-9bb89e2b',
      status: 'Failed',
      bucket: 'failed',
    });
  });

  it('reads the Automation execution status change', () => {
    expect(parseSsmStatusEvent(fixture('ssm-automation-execution-status-change-success.json'))).toEqual({
      kind: 'automation',
      executionId: '333ba70b-2333-48db-b17e-a5e69c6f4d1c',
      status: 'Success',
      bucket: 'succeeded',
    });
  });

  it('trims ids and reads status spellings from the console and the API alike', () => {
    const event = edited('ssm-command-invocation-status-change-success.json', (e) => {
      e.detail['instance-id'] = ' i-0aaaaaaaaaaaaaaa1 ';
      e.detail.status = 'Delivery Timed Out';
    });
    expect(parseSsmStatusEvent(event)).toMatchObject({
      instanceId: 'i-0aaaaaaaaaaaaaaa1',
      status: 'Delivery Timed Out',
      bucket: 'timed_out',
    });
  });

  it('names the field at fault', () => {
    expect(invalidField(edited('ssm-command-status-change-success.json', (e) => delete e.detail['command-id']))).toBe(
      'detail.command-id',
    );
    expect(invalidField(edited('ssm-command-status-change-success.json', (e) => (e.detail['command-id'] = 'x#y')))).toBe(
      'detail.command-id',
    );
    expect(invalidField(edited('ssm-command-status-change-success.json', (e) => (e.detail.status = 'Exploded')))).toBe(
      'detail.status',
    );
    expect(invalidField(edited('ssm-command-invocation-status-change-success.json', (e) => delete e.detail['instance-id']))).toBe(
      'detail.instance-id',
    );
    expect(
      invalidField(
        edited('ssm-command-invocation-status-change-success.json', (e) => (e.detail['instance-id'] = 'vol-0123456789abcdef0')),
      ),
    ).toBe('detail.instance-id');
    expect(invalidField(edited('ssm-command-invocation-status-change-success.json', (e) => (e.detail.status = 42)))).toBe(
      'detail.status',
    );
    expect(invalidField(edited('ssm-automation-execution-status-change-success.json', (e) => delete e.detail.ExecutionId))).toBe(
      'detail.ExecutionId',
    );
    expect(invalidField(edited('ssm-automation-execution-status-change-success.json', (e) => (e.detail.Status = '')))).toBe(
      'detail.Status',
    );
    expect(
      invalidField(
        edited(
          'ssm-automation-execution-status-change-success.json',
          (e) => (e['detail-type'] = 'EC2 State Manager Association State Change'),
        ),
      ),
    ).toBe('detail-type');
    expect(invalidField(edited('ssm-command-status-change-success.json', (e) => delete e.detail))).toBe('detail');
    expect(() => parseSsmStatusEvent(fixture('ec2-instance-state-change-terminated.json'))).toThrow(UnsupportedSourceError);
    expect(() => parseSsmStatusEvent('not an event')).toThrow(InvalidEventError);
  });
});

describe('status buckets', () => {
  it.each([
    ['Pending', 'in_progress'],
    ['InProgress', 'in_progress'],
    ['In Progress', 'in_progress'],
    ['Delayed', 'in_progress'],
    ['Cancelling', 'in_progress'],
    ['Waiting', 'in_progress'],
    ['Success', 'succeeded'],
    ['CompletedWithSuccess', 'succeeded'],
    ['Failed', 'failed'],
    ['Undeliverable', 'failed'],
    ['Terminated', 'failed'],
    ['InvalidPlatform', 'failed'],
    ['Access Denied', 'failed'],
    ['Incomplete', 'failed'],
    ['CompletedWithFailure', 'failed'],
    ['TimedOut', 'timed_out'],
    ['Delivery Timed Out', 'timed_out'],
    ['Execution Timed Out', 'timed_out'],
    ['DeliveryTimedOut', 'timed_out'],
    ['Cancelled', 'cancelled'],
    ['Canceled', 'cancelled'],
  ])('%s → %s', (status, bucket) => {
    expect(bucketOf(status)).toBe(bucket);
  });

  it('knows no other status', () => {
    expect(bucketOf('Exploded')).toBeUndefined();
    expect(() => nextBucket(undefined, 'Exploded')).toThrow(InvalidEventError);
  });
});
