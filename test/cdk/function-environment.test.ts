import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { build, transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ENTRY_METADATA, FirebreakFunction } from '../../lib/constructs/firebreak-function.ts';
import { ROOT, synthesize, templateReaders } from './synth.ts';

/*
 * A function's environment must hold every variable its code can read: the local runtime and the
 * handler tests wire the functions themselves, so a variable missing from the deployed function
 * only shows up in AWS, as a crash. For every Lambda function of the synthesized stack, this test
 * takes the entry the FirebreakFunction was built from, lets esbuild resolve the bundle (the same
 * imports the real bundling follows), and reads every project file in it for environment reads.
 *
 * A read counts wherever it is in a bundled file, even on a path the function may never take: a
 * path that looks unreachable today is one refactor away from running in production.
 */

/** Set by the Lambda runtime itself (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime). */
const RUNTIME_PROVIDED = /^(AWS_.*|_HANDLER|_X_AMZN_TRACE_ID|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR|TZ)$/;

/** Set by the house FirebreakFunction on every function and read by libraries (not project code). */
const HOUSE_VARIABLES: Record<string, string> = {
  POWERTOOLS_SERVICE_NAME: 'read by Powertools Logger and Metrics',
  POWERTOOLS_METRICS_NAMESPACE: 'read by Powertools Metrics',
  POWERTOOLS_LOG_LEVEL: 'read by Powertools Logger',
};

/**
 * Files allowed to read `process.env[<expression>]`, with how many such reads and why. Any other
 * dynamic read fails the test: the variable it reads cannot be checked.
 */
const DYNAMIC_READS: Record<string, { count: number; why: string }> = {
  'functions/adapters/environment.ts': {
    count: 1,
    why: 'requireEnv(name) itself; every requireEnv call must pass a literal name, checked below',
  },
};

const synthesized = synthesize();
const { stack, resources } = synthesized;
const { logicalId, props } = templateReaders(() => synthesized);
const functions = stack.node.findAll().filter((c): c is FirebreakFunction => c instanceof FirebreakFunction);
const environmentOf = (fn: FirebreakFunction) =>
  (props(fn).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};

interface Reads {
  /** Variable name -> the files that read it. */
  readonly variables: Map<string, Set<string>>;
  /** Reads whose variable cannot be named: `file: code`. */
  readonly unanalyzable: string[];
}

/** The project files esbuild puts into the bundle of `entry` (dependencies from node_modules stay external). */
async function bundledSourceFiles(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs)
    .filter((file) => !file.includes('node_modules/') && !file.includes(':'))
    .sort();
}

const bundles = new Map<string, Promise<{ files: string[]; reads: Reads }>>();
/** The bundle's project files and every environment read in them (each entry bundled once). */
function bundleOf(entry: string): Promise<{ files: string[]; reads: Reads }> {
  if (!bundles.has(entry))
    bundles.set(
      entry,
      bundledSourceFiles(entry).then(async (files) => ({ files, reads: await scan(files) })),
    );
  return bundles.get(entry)!;
}

/** Every environment read in `files`, read from esbuild's JavaScript output so comments and types never count. */
async function scan(files: readonly string[]): Promise<Reads> {
  const variables = new Map<string, Set<string>>();
  const unanalyzable: string[] = [];
  const add = (name: string, file: string) => variables.set(name, (variables.get(name) ?? new Set()).add(file));
  for (const file of files) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    const { code } = await transform(source, {
      loader: file.endsWith('.ts') ? 'ts' : 'js',
      format: 'esm',
      legalComments: 'none',
    });
    for (const [, , name] of code.matchAll(/\brequireEnv\(\s*(["'`])([A-Za-z_][A-Za-z0-9_]*)\1\s*\)/g)) add(name!, file);
    for (const [, name] of code.matchAll(/\bprocess\.env\.([A-Za-z_$][A-Za-z0-9_$]*)/g)) add(name!, file);
    for (const [, , name] of code.matchAll(/\bprocess\.env\[\s*(["'`])([A-Za-z_][A-Za-z0-9_]*)\1\s*\]/g)) add(name!, file);

    // requireEnv called with anything but a literal (the definition `function requireEnv(name)` aside).
    for (const [call] of code.matchAll(/(?<!function\s+)\brequireEnv\((?!\s*(["'`])[A-Za-z_][A-Za-z0-9_]*\1\s*\))[^)]*\)/g))
      unanalyzable.push(`${file}: ${call}`);
    // process.env[<expression>]
    const dynamic = [...code.matchAll(/\bprocess\.env\[(?!\s*(["'`])[A-Za-z_][A-Za-z0-9_]*\1\s*\])[^\]]*\]/g)].map(([m]) => m);
    if (dynamic.length !== (DYNAMIC_READS[file]?.count ?? 0)) unanalyzable.push(...dynamic.map((m) => `${file}: ${m}`));
    // The whole object: destructuring, spreading, passing it on (`const { X } = process.env`).
    for (const [use] of code.matchAll(/\bprocess\.env\b(?!\s*(\.|\[))/g)) unanalyzable.push(`${file}: ${use} (the whole object)`);
  }
  return { variables, unanalyzable };
}

describe('function environments', () => {
  it('finds the functions, and every Lambda function of the template is a FirebreakFunction with a known entry', () => {
    const inTemplate = Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => id)
      .sort();
    // ingest, slack, notify, escalate, propose, deployments, execute, track, relay, notary, freeze, maintenance (the shipped
    // config has a window), review.
    expect(functions).toHaveLength(13);
    expect(functions.map(logicalId).sort()).toEqual(inTemplate);
    for (const fn of functions) {
      expect(existsSync(join(ROOT, fn.entry)), fn.entry).toBe(true);
      expect(fn.node.metadata.filter((m) => m.type === ENTRY_METADATA).map((m) => m.data)).toEqual([fn.entry]);
    }
  });

  describe.each(functions.map((fn) => [fn.serviceName, fn] as const))('%s', (_name, fn) => {
    it('reads the environment only through reads this test can name', async () => {
      const { unanalyzable } = (await bundleOf(fn.entry)).reads;
      expect(unanalyzable).toEqual([]);
    });

    it('sets every variable its bundled code can read', async () => {
      const { files, reads } = await bundleOf(fn.entry);
      // Sanity: the bundle is really followed (the handler and what it imports).
      expect(files).toContain(fn.entry);
      expect(files.length).toBeGreaterThan(1);
      const { variables } = reads;
      const environment = environmentOf(fn);
      const missing = [...variables]
        .filter(([name]) => !RUNTIME_PROVIDED.test(name) && !fn.bakedEnvironment.includes(name) && !(name in environment))
        .map(([name, readers]) => `${fn.serviceName} (${fn.entry}) does not set ${name}, read by ${[...readers].join(', ')}`);
      expect(missing).toEqual([]);
    });

    it('sets no variable its code never reads', async () => {
      const { variables } = (await bundleOf(fn.entry)).reads;
      const unused = Object.keys(environmentOf(fn))
        .filter((name) => !(name in HOUSE_VARIABLES) && !variables.has(name))
        .map((name) => `${fn.serviceName} (${fn.entry}) sets ${name}, which no bundled file reads`);
      expect(unused).toEqual([]);
    });
  });
});
