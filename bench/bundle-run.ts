/**
 * A function's bundle in fresh Node processes, as Lambda starts one: the import timed apart from
 * the invocations, and the first invocation's set-up (configuration, SDK clients, a secret) as the
 * first invocation's time minus the second's, the second doing the same work warm.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** What one fresh process answered, and how long each step took (ms). */
export interface BundleRun {
  readonly importMs: number;
  /** Each invocation's wall time and the process's CPU time during it (ms): waiting on I/O is wall time only. */
  readonly responses: ReadonlyArray<{ readonly result: unknown; readonly ms: number; readonly cpuMs: number }>;
}

/** The environment every function sees on Lambda (credentials, region) and the house's Powertools settings. */
const LAMBDA_LIKE = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/**
 * Imports `bundle` in a fresh Node process with `env` over a Lambda-like environment and hands its
 * handler `events` one after the other, as one warm Lambda instance would.
 */
export async function runBundle(input: {
  readonly bundle: string;
  readonly functionName: string;
  readonly env: Readonly<Record<string, string>>;
  readonly events: readonly unknown[];
  readonly nodeOptions?: string;
}): Promise<BundleRun> {
  const env = {
    PATH: process.env.PATH ?? '',
    ...(input.nodeOptions ? { NODE_OPTIONS: input.nodeOptions } : {}),
    ...LAMBDA_LIKE,
    AWS_LAMBDA_FUNCTION_NAME: input.functionName,
    POWERTOOLS_SERVICE_NAME: input.functionName,
    ...input.env,
    BENCH_EVENTS: JSON.stringify(input.events),
  };
  const child = `const t0 = performance.now();
const { handler } = await import(${JSON.stringify(pathToFileURL(input.bundle).href)});
const importMs = performance.now() - t0;
const responses = [];
for (const event of JSON.parse(process.env.BENCH_EVENTS)) {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = { functionName: name, functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + name, memoryLimitInMB: '1024', awsRequestId: crypto.randomUUID(), logGroupName: '/aws/lambda/' + name, logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 10000 };
  const t = performance.now();
  const cpu = process.cpuUsage();
  const result = await handler(event, context);
  const used = process.cpuUsage(cpu);
  responses.push({ result, ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 });
}
process.stdout.write('\\nBENCH ' + JSON.stringify({ importMs, responses }) + '\\n', () => process.exit(0));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child], {
    env,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`the ${input.functionName} bundle answered nothing:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(6)) as BundleRun;
}

/**
 * Whole cold invocations (import + first invocation), the import alone, and the first invocation's
 * set-up, on the wall clock and in CPU time (the CPU excludes waiting on DynamoDB Local), p50/max
 * over the runs.
 */
export function coldFigures(runs: readonly BundleRun[]) {
  const total = stats(runs.map((r) => r.importMs + r.responses[0]!.ms));
  return {
    processes: runs.length,
    p50: total.p50,
    max: total.max,
    importP50: stats(runs.map((r) => r.importMs)).p50,
    firstInvocationSetUpP50: stats(runs.map((r) => r.responses[0]!.ms - r.responses[1]!.ms)).p50,
    firstInvocationSetUpCpuP50: stats(runs.map((r) => r.responses[0]!.cpuMs - r.responses[1]!.cpuMs)).p50,
  };
}

/** p50, p99 and max in ms (nearest rank). */
export function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => round(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN);
  return { p50: at(50), p99: at(99), max: at(100) };
}

const round = (value: number) => Math.round(value * 100) / 100;
