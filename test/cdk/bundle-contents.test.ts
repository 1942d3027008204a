/**
 * Deployed functions trust the configuration baked into their bundle (functions/adapters/runtime-config.ts),
 * so no function bundle needs the configuration's schemas, nor croner unless it computes maintenance
 * windows at run time. Each handler is bundled with the deployed settings (lib/bundling) and esbuild's
 * metafile says what is in it: a value import of config.ts (or of a module that needs it) fails here.
 * The Slack function, which faces the internet, bundles no Systems Manager client (cancel goes over the bus).
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../lib/bundling/lambda-bundling.ts';
import { exampleConfig } from '../support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HANDLERS = readdirSync(join(ROOT, 'functions'))
  .map((name) => `functions/${name}/handler.ts`)
  .filter((entry) => existsSync(join(ROOT, entry)));

/** Modules that hold the configuration's schemas (validated at synth, by the CLI, drills and the local runtime). */
const CONFIG_SCHEMA_MODULES = [
  'functions/core/config.ts',
  'functions/core/audit/notary-config.ts',
  'functions/core/deployments/freeze-config.ts',
  'functions/core/incidents/incident-channel-config.ts',
  'functions/core/maintenance/maintenance-config.ts',
  'functions/core/review/review-config.ts',
  'functions/core/signals/watch-config.ts',
  'functions/core/silences/silence-config.ts',
  'functions/core/tracker/tracker-config.ts',
  'functions/core/regex-source.ts',
];

/**
 * The functions that compute a maintenance window's next opening at run time (with croner): ingest
 * puts a patch finding into the batch of its window's next occurrence, and Slack's
 * `/firebreak maintenance` lists the next openings.
 */
const COMPUTES_WINDOWS = ['functions/ingest/handler.ts', 'functions/slack/handler.ts'];

/** Each handler is bundled once per run, whichever test asks first. */
const metafiles = new Map<string, Promise<Metafile>>();
const metafileOf = (entry: string): Promise<Metafile> => {
  if (!metafiles.has(entry)) metafiles.set(entry, bundle(entry));
  return metafiles.get(entry)!;
};

async function bundle(entry: string): Promise<Metafile> {
  const { metafile } = await build({
    ...lambdaBuildOptions(exampleConfig()),
    sourcemap: false,
    entryPoints: [join(ROOT, entry)],
    absWorkingDir: ROOT,
    outfile: join(ROOT, '.firebreak', 'bundle-contents', entry.replace(/\W+/g, '-'), 'index.mjs'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return metafile;
}

/** Bytes each input contributes to the bundle, by package (`croner`) or repository path. */
function bytesByInput(metafile: Metafile): Map<string, number> {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined)!;
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input;
    bytes.set(owner, (bytes.get(owner) ?? 0) + bytesInOutput);
  }
  return bytes;
}

describe('what the function bundles hold', () => {
  it('finds every handler', () => {
    expect(HANDLERS).toContain('functions/ingest/handler.ts');
    expect(HANDLERS.length).toBeGreaterThanOrEqual(13);
  });

  describe.each(HANDLERS)('%s', (entry) => {
    it('reaches none of the configuration schema modules, and croner only to compute windows', async () => {
      const metafile = await metafileOf(entry);
      const inputs = Object.keys(metafile.inputs);
      // Sanity: the metafile is really the bundle (the handler, the baked configuration reader, zod for the events).
      expect(inputs).toContain(entry);
      const bytes = bytesByInput(metafile);
      expect(bytes.get('zod') ?? 0).toBeGreaterThan(10_000);
      expect(inputs.filter((input) => CONFIG_SCHEMA_MODULES.includes(input))).toEqual([]);
      if (COMPUTES_WINDOWS.includes(entry)) expect(bytes.get('croner') ?? 0).toBeGreaterThan(10_000);
      // A few bytes of an import that tree-shaking emptied may remain; croner itself is ~30 KiB.
      else expect(bytes.get('croner') ?? 0).toBeLessThan(1_000);
    }, 60_000);
  });

  /** `/firebreak cancel` is recorded by slack and carried out by execute: the function facing the internet holds no SSM client. */
  it('keeps the Systems Manager client out of the Slack function, and in execute', async () => {
    const ssmInputs = async (entry: string) =>
      Object.keys((await metafileOf(entry)).inputs).filter(
        (input) => input.includes('node_modules/@aws-sdk/client-ssm/') || input.endsWith('functions/adapters/ssm-gateway.ts'),
      );
    expect(await ssmInputs('functions/slack/handler.ts')).toEqual([]);
    // Sanity: the same check finds it where it belongs.
    expect(await ssmInputs('functions/execute/handler.ts')).toContain('functions/adapters/ssm-gateway.ts');
    expect(bytesByInput(await metafileOf('functions/execute/handler.ts')).get('@aws-sdk/client-ssm') ?? 0).toBeGreaterThan(
      10_000,
    );
  }, 60_000);
});
