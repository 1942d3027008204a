import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RawDeadLetter } from '../../functions/core/dead-letters/dead-letter.ts';
import { STACK_TAG } from '../../functions/core/platform/platform-alarms.ts';
import { guardDutyEvent, INGEST_ARN, onFailureDeadLetter, QUEUE_URL, ruleDeadLetter } from '../support/dead-letters.ts';
import { runCliProcess } from '../cli/child-process.ts';

/** The child gets fake credentials and no profile, so nothing can reach a real account. */

/** A stand-in for SQS (JSON protocol) and Lambda (REST) that holds a queue and records every request. */
interface FakeAws {
  readonly endpoint: string;
  readonly requests: Array<{ operation: string; body: Record<string, unknown> }>;
  messages: RawDeadLetter[];
  tags: Record<string, string>;
  invokeStatus: number;
  /** Receipt handles received and not yet released: SQS's visibility timeout. */
  readonly hidden: Set<string>;
  close(): Promise<void>;
}

async function fakeAws(): Promise<FakeAws> {
  const hidden = new Set<string>();
  const fake = { requests: [], messages: [], tags: {}, invokeStatus: 202, hidden } as unknown as FakeAws & { endpoint: string };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const target = req.headers['x-amz-target'] as string | undefined;
      const json = (status: number, body: unknown, type = 'application/x-amz-json-1.0') => {
        res.statusCode = status;
        res.setHeader('content-type', type);
        res.end(JSON.stringify(body));
      };
      if (target?.startsWith('AmazonSQS.')) {
        const operation = target.slice('AmazonSQS.'.length);
        const body = JSON.parse(raw) as Record<string, unknown>;
        fake.requests.push({ operation, body });
        if (operation === 'ReceiveMessage') {
          const batch = fake.messages.filter((m) => !hidden.has(m.receiptHandle)).slice(0, Number(body.MaxNumberOfMessages));
          batch.forEach((m) => hidden.add(m.receiptHandle));
          return json(200, {
            Messages: batch.map((m) => ({
              MessageId: m.messageId,
              ReceiptHandle: m.receiptHandle,
              Body: m.body,
              MD5OfBody: createHash('md5').update(m.body).digest('hex'),
              MessageAttributes: Object.fromEntries(
                Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
              ),
            })),
          });
        }
        if (operation === 'DeleteMessage') {
          fake.messages = fake.messages.filter((m) => m.receiptHandle !== body.ReceiptHandle);
          return json(200, {});
        }
        if (operation === 'ChangeMessageVisibilityBatch') {
          const entries = body.Entries as Array<{ Id: string; ReceiptHandle: string }>;
          entries.forEach((e) => hidden.delete(e.ReceiptHandle));
          return json(200, { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] });
        }
        return json(400, { __type: 'InvalidAction' });
      }
      const url = decodeURIComponent(req.url ?? '');
      if (url.startsWith('/2017-03-31/tags/')) {
        fake.requests.push({ operation: 'ListTags', body: { Resource: url.slice('/2017-03-31/tags/'.length) } });
        return json(200, { Tags: fake.tags }, 'application/json');
      }
      const invoke = /^\/2015-03-31\/functions\/(.+)\/invocations/.exec(url);
      if (invoke) {
        fake.requests.push({
          operation: 'Invoke',
          body: { FunctionName: invoke[1], InvocationType: req.headers['x-amz-invocation-type'], Payload: JSON.parse(raw) },
        });
        res.statusCode = fake.invokeStatus;
        return res.end(fake.invokeStatus === 202 ? '' : JSON.stringify({ Type: 'Service', message: 'Rate exceeded' }));
      }
      json(404, {});
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return Object.assign(fake, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}

let aws: FakeAws;
const run = (args: string[], env: Record<string, string> = {}) =>
  runCliProcess(args, { AWS_ENDPOINT_URL_SQS: aws.endpoint, AWS_ENDPOINT_URL_LAMBDA: aws.endpoint, ...env });
const operations = () => aws.requests.map((r) => r.operation);

beforeAll(async () => {
  aws = await fakeAws();
});
afterAll(() => aws.close());
beforeEach(() => {
  aws.requests.length = 0;
  aws.hidden.clear();
  aws.tags = { [STACK_TAG]: 'Firebreak' };
  aws.invokeStatus = 202;
  aws.messages = [
    ruleDeadLetter({
      attributes: { ...ruleDeadLetter().attributes, ERROR_MESSAGE: 'denied\u001b[2J\u001b]0;owned\u0007 for now' },
    }),
    onFailureDeadLetter(),
  ];
});

describe('firebreak dlq', () => {
  it('list prints each dead letter with its event, where it failed and why, with escapes neutralised, and leaves the queue as it was', async () => {
    const out = await run(['dlq', 'list', '--queue', QUEUE_URL]);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toContain(`2 dead letters in ${QUEUE_URL}:`);
    expect(out.stdout).toContain(`event:     ${guardDutyEvent.id}  aws.guardduty / GuardDuty Finding`);
    expect(out.stdout).toContain('reason:    SDK_CLIENT_ERROR: denied for now (MaximumEventAgeInSeconds, 4 retries)');
    expect(out.stdout).toContain(
      'reason:    InvalidEventError: invalid event: detail.severity: Too big (RetriesExhausted, 2 retries)',
    );
    expect(out.stdout).not.toContain('\u001b');
    expect(operations()).toEqual(['ReceiveMessage', 'ReceiveMessage', 'ChangeMessageVisibilityBatch']);
    expect(aws.messages).toHaveLength(2);
  });

  it('list --json is machine-readable, the queue taken from $FIREBREAK_DLQ', async () => {
    const out = await run(['dlq', 'list', '--json'], { FIREBREAK_DLQ: QUEUE_URL });
    expect(out.code).toBe(0);
    const letters = JSON.parse(out.stdout) as Array<Record<string, unknown>>;
    expect(letters.map((l) => [l.origin, l.target, l.redrivable])).toEqual([
      ['eventbridge-rule', INGEST_ARN, true],
      ['lambda-on-failure', INGEST_ARN, true],
    ]);
    expect(letters[0]!.errorMessage).toBe('denied for now');
  });

  it('redrive invokes the failed function asynchronously with the original event, deletes each message, and exits 0', async () => {
    const out = await run(['dlq', 'redrive', '--queue', QUEUE_URL]);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toContain('2 redriven, 0 redriven but not deleted, 0 kept.');
    const invokes = aws.requests.filter((r) => r.operation === 'Invoke').map((r) => r.body);
    expect(invokes).toEqual([
      { FunctionName: INGEST_ARN, InvocationType: 'Event', Payload: guardDutyEvent },
      { FunctionName: INGEST_ARN, InvocationType: 'Event', Payload: guardDutyEvent },
    ]);
    expect(aws.messages).toEqual([]);
  });

  it('redrive keeps every message when Lambda refuses the invoke, and exits 1', async () => {
    aws.invokeStatus = 429;
    const out = await run(['dlq', 'redrive', '--queue', QUEUE_URL, '--json']);
    expect(out.code).toBe(1);
    expect((JSON.parse(out.stdout) as Array<{ outcome: string }>).map((r) => r.outcome)).toEqual(['kept', 'kept']);
    expect(operations()).not.toContain('DeleteMessage');
    expect(aws.messages).toHaveLength(2);
  });

  it('redrive refuses functions of another stack (--stack), and --id touches one message only', async () => {
    const foreign = await run(['dlq', 'redrive', '--queue', QUEUE_URL, '--stack', 'Firebreak-staging']);
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toContain('its target is not a function of the stack Firebreak-staging');
    expect(operations()).not.toContain('Invoke');

    const id = onFailureDeadLetter().messageId;
    const one = await run(['dlq', 'redrive', '--queue', QUEUE_URL, '--id', id]);
    expect(one.code).toBe(0);
    expect(aws.messages.map((m) => m.messageId)).toEqual([ruleDeadLetter().messageId]);
  });

  it('refuses bad usage with exit 2 and calls nothing', async () => {
    for (const args of [
      ['dlq', 'list'],
      ['dlq', 'list', '--queue', 'https://evil.example/123456789012/q'],
      ['dlq', 'purge', '--queue', QUEUE_URL],
      ['dlq', 'list', '--queue', QUEUE_URL, '--id', 'x'],
      ['dlq', 'redrive', '--queue', QUEUE_URL, '--max', '0'],
    ]) {
      const out = await run(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr).toMatch(/^firebreak: /);
    }
    expect(aws.requests).toEqual([]);
  });
});
