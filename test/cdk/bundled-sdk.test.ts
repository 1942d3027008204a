/**
 * The AWS SDK as the functions bundle it: `@smithy/core/event-streams` replaced (lib/bundling). A
 * probe is bundled with the deployed settings and run in a fresh Node process: clients are built
 * (S3's wires an event-stream marshaller at construction), ordinary operations still serialize, and
 * an operation that does stream events fails with the replacement's message instead of misbehaving.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../lib/bundling/lambda-bundling.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Requests are captured by a request handler instead of going out; the event-stream operation gets an
// empty 200 response, so the SDK goes on to deserialize its event stream.
const PROBE = `
import { Readable } from 'node:stream';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { S3Client, PutObjectCommand, SelectObjectContentCommand } from '@aws-sdk/client-s3';
import { SSMClient, SendCommandCommand } from '@aws-sdk/client-ssm';
const sent = [];
const requestHandler = {
  handle: async (request) => {
    sent.push(request.method + ' ' + (request.headers['x-amz-target'] ?? request.path));
    if (request.query && 'select' in request.query)
      return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
    throw new Error('captured');
  },
};
const options = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDPROBE', secretAccessKey: 'probe' }, requestHandler, maxAttempts: 1 };
const outcome = async (promise) => promise.then(() => 'resolved', (error) => error.message);
const results = {
  dynamodb: await outcome(new DynamoDBClient(options).send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }))),
  s3: await outcome(new S3Client(options).send(new PutObjectCommand({ Bucket: 'b', Key: 'digest.json', Body: '{}' }))),
  ssm: await outcome(new SSMClient(options).send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-0123456789abcdef0'] }))),
  select: await outcome(new S3Client(options).send(new SelectObjectContentCommand({
    Bucket: 'b', Key: 'k', Expression: 'select * from s3object', ExpressionType: 'SQL',
    InputSerialization: { JSON: { Type: 'LINES' } }, OutputSerialization: { JSON: {} },
  }))),
};
process.stdout.write(JSON.stringify({ sent, results }));
`;

let dir: string;
let run: { sent: string[]; results: Record<string, string> };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-bundled-sdk-'));
  const outfile = join(dir, 'probe.mjs');
  await build({
    ...lambdaBuildOptions(undefined),
    sourcemap: false,
    stdin: { contents: PROBE, resolveDir: ROOT, sourcefile: 'sdk-probe.ts', loader: 'ts' },
    outfile,
    logLevel: 'error',
  });
  run = JSON.parse(
    execFileSync(process.execPath, [outfile], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } }),
  ) as typeof run;
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the AWS SDK bundled without its event-stream serde', () => {
  it('builds DynamoDB, S3 and SSM clients and serializes their ordinary operations', () => {
    expect(run.results).toMatchObject({ dynamodb: 'captured', s3: 'captured', ssm: 'captured' });
    expect(run.sent).toEqual(
      expect.arrayContaining(['POST DynamoDB_20120810.PutItem', 'PUT /b/digest.json', 'POST AmazonSSM.SendCommand']),
    );
  });

  it('fails an operation that streams events with a message naming why', () => {
    expect(run.sent).toContain('POST /b/k');
    expect(run.results.select).toMatch(/^AWS SDK event streams are not in this bundle/);
  });
});
