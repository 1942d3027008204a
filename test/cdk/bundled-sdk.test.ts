/**
 * The AWS SDK as the functions bundle it: `@smithy/core/event-streams` replaced (lib/bundling). A
 * probe is bundled with the deployed settings and run in a fresh Node process: clients are built
 * (S3's wires an event-stream marshaller at construction), ordinary operations still serialize, and
 * an operation that does stream events fails with the replacement's message instead of misbehaving.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

/** Every `...Command` the functions' code imports from an AWS SDK client (the local runtime aside), by client. */
function commandsFunctionsImport(): Map<string, Set<string>> {
  const byClient = new Map<string, Set<string>>();
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(folder, entry.name)) : entry.name.endsWith('.ts') ? [join(folder, entry.name)] : [],
    );
  for (const file of walk(join(ROOT, 'functions')).filter((f) => !relative(ROOT, f).startsWith('functions/local/'))) {
    for (const [, names, client] of readFileSync(file, 'utf8').matchAll(
      /import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g,
    )) {
      const commands = names!
        .split(',')
        .map((name) => name.replace(/^\s*type\s+/, '').trim())
        .filter((name) => name.endsWith('Command'));
      byClient.set(client!, new Set([...(byClient.get(client!) ?? []), ...commands]));
    }
  }
  return byClient;
}

describe('the fact the replacement rests on', () => {
  it('no operation the functions import from an AWS SDK client has an event-stream member', () => {
    const imported = commandsFunctionsImport();
    expect([...imported.keys()]).toEqual(
      expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/client-ssm']),
    );
    // Asks the SDK itself, as its Command does (an event-stream member of the operation's input or output),
    // for every operation of each client the functions use; run from the repository so it resolves the SDK.
    const clients = [...imported.keys()];
    const probe = `import { NormalizedSchema } from '@smithy/core/schema';
${clients.map((client, i) => `import * as client${i} from '${client}';`).join('\n')}
const streaming = {};
for (const [client, exports] of [${clients.map((client, i) => `['${client}', client${i}]`).join(', ')}]) {
  streaming[client] = Object.entries(exports)
    .filter(([name, value]) => name.endsWith('Command') && typeof value === 'function')
    .filter(([, Command]) => {
      const schema = new Command({}).schema;
      if (!Array.isArray(schema) || schema[0] !== 9) return false;
      return Boolean(NormalizedSchema.of(schema[4]).getEventStreamMember() || NormalizedSchema.of(schema[5]).getEventStreamMember());
    })
    .map(([name]) => name);
}
process.stdout.write(JSON.stringify(streaming));
`;
    mkdirSync(join(ROOT, '.firebreak'), { recursive: true });
    const folder = mkdtempSync(join(ROOT, '.firebreak', 'sdk-operations-'));
    try {
      writeFileSync(join(folder, 'probe.mjs'), probe);
      const streaming = JSON.parse(
        execFileSync(process.execPath, [join(folder, 'probe.mjs')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } }),
      ) as Record<string, string[]>;
      // Sanity: the check finds the event-stream operations that exist (S3's SelectObjectContent).
      expect(streaming['@aws-sdk/client-s3']).toEqual(['SelectObjectContentCommand']);
      const called = [...imported].flatMap(([client, commands]) =>
        [...commands].filter((command) => streaming[client]?.includes(command)).map((command) => `${client} ${command}`),
      );
      expect(called).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
