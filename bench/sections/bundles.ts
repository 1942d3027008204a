/** (c) Bundles as deployed, and whole-process cold starts in interleaved pairs with an empty module. */
import { existsSync, readdirSync } from 'node:fs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import type { SectionInput } from '../bench-kit.ts';
import { baselines, bundleFile, bundleFunction, interleavedColdStarts } from '../cold-start.ts';
import { coldIngest } from '../ingest-cold.ts';

/** The functions whose cold starts are timed (each process start takes the machine for a while). */
const FUNCTIONS = ['ingest', 'notify', 'escalate', 'slack', 'relay'] as const;
/** Every deployed function (a folder with a handler), each bundled for its size. */
const EVERY_FUNCTION = readdirSync('functions').filter((folder) => existsSync(`functions/${folder}/handler.ts`));

/** Bundles one function with the deployed settings (the Slack section needs the Slack bundle). */
export const bundleDeployed = (name: string, config: FirebreakConfig) =>
  bundleFunction(name, `functions/${name}/handler.ts`, config);

export async function bundlesSection({ config, report }: SectionInput): Promise<void> {
  const bundles: Record<string, { bytes: number; mapBytes: number; largest: Array<[string, number]> }> = {};
  for (const name of FUNCTIONS) bundles[name] = await bundleDeployed(name, config);
  report.results.bundles = bundles;
  const sizes: Record<string, number> = {};
  for (const name of EVERY_FUNCTION) sizes[name] = bundles[name]?.bytes ?? (await bundleDeployed(name, config)).bytes;
  report.results.bundleSizes = sizes;
  const base = await baselines();
  // Not deployed: the AWS SDK left out of the bundle and resolved from node_modules when imported,
  // as it would be from the Lambda runtime's own copy.
  const externalSdk = await bundleFunction('ingest', 'functions/ingest/handler.ts', config, { externalSdk: true });
  const PAIRS = 9;
  const cold = interleavedColdStarts(
    base.empty,
    [
      ...Object.keys(bundles).map((name) => ({ name, file: bundleFile(name) })),
      { name: 'ingest with --enable-source-maps', file: bundleFile('ingest'), nodeOptions: '--enable-source-maps' },
      { name: 'ingest, AWS SDK not bundled (resolved from node_modules; not deployed)', file: externalSdk.file },
    ],
    PAIRS,
  );
  report.results.externalSdk = { bytes: externalSdk.bytes, largest: externalSdk.largest };
  const bolt = interleavedColdStarts(base.bareBolt, [{ name: 'slack', file: bundleFile('slack') }], PAIRS);
  report.results.coldStarts = { emptyModule: cold, slackVsBareBolt: { bareBoltBytes: base.bareBoltBytes, ...bolt } };
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  for (const [name, figures] of Object.entries(cold.candidates)) {
    const size = bundles[name] ?? (name.startsWith('ingest, AWS SDK') ? { ...externalSdk, mapBytes: undefined } : undefined);
    report.add({
      measure: `bundle: ${name}`,
      value: `${size ? `${kib(size.bytes)}${size.mapBytes ? ` (map ${kib(size.mapBytes)})` : ''}, ` : ''}cold start ${figures.ratio}× an empty module's (${figures.processMs} vs ${cold.baselineMs} ms, ${PAIRS} interleaved pairs), import ${figures.importMs} ms`,
    });
    if (size)
      report.add({
        measure: `  largest in ${name}`,
        value: size.largest.map(([owner, bytes]) => `${owner} ${kib(bytes)}`).join(', '),
      });
  }
  const bySize = Object.entries(sizes).sort((a, b) => b[1] - a[1]);
  report.add({
    measure: `bundle sizes, all ${bySize.length} functions`,
    value: bySize.map(([name, bytes]) => `${name} ${kib(bytes)}`).join(', '),
  });
  const ingest = await coldIngest(bundleFile('ingest'), 7);
  report.results.ingestCold = ingest;
  report.add({
    measure: `ingest: cold, ${ingest.processes} fresh processes`,
    value: `p50 ${ingest.p50} ms, max ${ingest.max} ms: import of the ingest bundle (p50 ${ingest.importP50} ms) + one new GuardDuty finding, of which first-invocation set-up (DynamoDB client, first connections) p50 ${ingest.firstInvocationSetUpP50} ms, ${ingest.firstInvocationSetUpCpuP50} ms of it CPU`,
  });
  report.add({
    measure: 'slack vs a bare Bolt AwsLambdaReceiver app',
    value: `cold start ${bolt.candidates.slack!.ratio}× (${bolt.candidates.slack!.processMs} vs ${bolt.baselineMs} ms; bare Bolt bundle ${(base.bareBoltBytes / 1024).toFixed(0)} KiB)`,
  });
}
