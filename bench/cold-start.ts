/**
 * Bundles and cold starts for `npm run bench`: each function bundled exactly as deployed
 * (lib/bundling), and whole-process cold starts (node starting + importing the bundle) measured in
 * interleaved pairs against an empty module, so a busy moment on a shared machine slows both sides.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaBuildOptions, REQUIRE_BANNER } from '../lib/bundling/lambda-bundling.ts';

const DIR = join('.firebreak', 'bench-bundles');
export const bundleFile = (name: string) => join(DIR, `${name.replace(/\W+/g, '-')}.mjs`);

/**
 * Bundles `entry` with the deployed settings; returns the bundle's and its source map's sizes in
 * bytes, and the packages (or Firebreak's own folders) contributing the most bytes, from esbuild's
 * metafile. `externalSdk` leaves the AWS SDK out, to be resolved at run time (not how it is deployed).
 */
export async function bundleFunction(name: string, entry: string, settings: object, options: { externalSdk?: boolean } = {}) {
  const outfile = bundleFile(options.externalSdk ? `${name}-external-sdk` : name);
  mkdirSync(DIR, { recursive: true });
  const { metafile } = await build({
    ...lambdaBuildOptions(settings),
    ...(options.externalSdk ? { external: ['@aws-sdk/*', '@smithy/*', '@aws/*'] } : {}),
    entryPoints: [entry],
    outfile,
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined)!;
  const bytesBy = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
    bytesBy.set(owner, (bytesBy.get(owner) ?? 0) + bytesInOutput);
  }
  const largest = [...bytesBy].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return { file: outfile, bytes: statSync(outfile).size, mapBytes: statSync(`${outfile}.map`).size, largest };
}

/** An empty handler module (the baseline) and, for the Slack function, a bare Bolt app built the plain way. */
export async function baselines() {
  mkdirSync(DIR, { recursive: true });
  const empty = bundleFile('empty-module');
  writeFileSync(empty, 'export const handler = async () => ({ ok: true });\n');
  const boltEntry = resolve(DIR, 'bare-bolt.ts');
  // What a Bolt user writes for Lambda: App with an AwsLambdaReceiver, bundled by esbuild without
  // Firebreak's replacements (lib/bundling), the same options otherwise.
  writeFileSync(
    boltEntry,
    `import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
const receiver = new AwsLambdaReceiver({ signingSecret: 'bench-signing-secret' });
const app = new App({ receiver, token: 'xoxb-bench', logLevel: LogLevel.ERROR, tokenVerificationEnabled: false });
app.command('/firebreak', async ({ ack }) => ack('ok'));
export const handler = receiver.toHandler();
`,
  );
  const bareBolt = bundleFile('bare-bolt');
  const { alias: _replacements, ...plain } = lambdaBuildOptions(undefined);
  await build({ ...plain, entryPoints: [boltEntry], outfile: bareBolt, banner: { js: REQUIRE_BANNER }, logLevel: 'error' });
  return { empty, bareBolt, bareBoltBytes: statSync(bareBolt).size };
}

/** Whole-process time (ms): node starting, importing `file`, and exiting. */
function processMs(file: string, nodeOptions?: string): number {
  const script = `await import(${JSON.stringify(pathToFileURL(resolve(file)).href)});`;
  const t0 = performance.now();
  execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
  });
  return performance.now() - t0;
}

/** Import time inside the process (ms), without node's own start. */
function importMs(file: string, nodeOptions?: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(resolve(file)).href)});process.stdout.write(String(performance.now()-t));`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
    }),
  );
}

/**
 * `pairs` rounds; in each, the baseline and every candidate run once, one after the other. The
 * ratio is the median of the per-round ratios (candidate / baseline of the same round).
 */
export function interleavedColdStarts(
  baseline: string,
  candidates: ReadonlyArray<{ name: string; file: string; nodeOptions?: string }>,
  pairs: number,
) {
  const rounds: Array<{ baseline: number; candidates: number[] }> = [];
  for (let round = 0; round < pairs; round++)
    rounds.push({ baseline: processMs(baseline), candidates: candidates.map((c) => processMs(c.file, c.nodeOptions)) });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    pairs,
    baselineMs: round2(median(rounds.map((r) => r.baseline))),
    candidates: Object.fromEntries(
      candidates.map((c, i) => [
        c.name,
        {
          processMs: round2(median(rounds.map((r) => r.candidates[i]!))),
          ratio: round2(median(rounds.map((r) => r.candidates[i]! / r.baseline))),
          importMs: round2(median(Array.from({ length: 5 }, () => importMs(c.file, c.nodeOptions)))),
        },
      ]),
    ),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
