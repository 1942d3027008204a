/**
 * `npm run bench`: Firebreak's performance figures, measured on this machine and printed as a table
 * and as JSON. Nothing here asserts a threshold; the figures go into the issue notes and the README.
 * `npm run bench -- bundles slack` runs only the named sections (core, ingest, bundles, slack, storm,
 * fleet, watch); `--quick` runs the storm, the fleet and the distinct-event run at a fifth of their
 * sizes (each figure prints its size). One file per section in bench/sections. The timing-sensitive
 * sections (core, bundles, slack) run first, one at a time; then the DynamoDB-bound ones side by side,
 * each in a node process of its own.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../lib/config.ts';
import { createReport } from './bench-kit.ts';
import { runInChildProcess, SIDE_BY_SIDE } from './side-by-side.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// The sections are imported after the variables above: the handlers' loggers read them when they load.

const SECTIONS = ['core', 'ingest', 'bundles', 'slack', 'storm', 'fleet', 'watch'] as const;
const chosen = process.argv.slice(2).filter((a) => a !== '--' && a !== '--quick');
for (const name of chosen)
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section ${name}: ${SECTIONS.join(', ')}`);
const runs = (section: (typeof SECTIONS)[number]) => chosen.length === 0 || chosen.includes(section);

const config = loadConfig();
const report = createReport();
const machine = {
  node: process.version,
  arch: process.arch,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  // What the deployed functions run with (FirebreakFunction): no NODE_OPTIONS, maps beside the code.
  deployedNodeOptions: '(unset: source maps are not loaded)',
  deployedSourceMaps: 'external .map, sources not inlined',
  note: process.arch === 'arm64' ? 'same architecture as Lambda (arm64)' : `Lambda runs arm64; this machine is ${process.arch}`,
};
report.results.machine = machine;
const input = { config, report };
const sectionSeconds: Record<string, number> = {};
const timed = async (name: string, run: () => unknown) => {
  const t0 = performance.now();
  await run();
  sectionSeconds[name] = Math.round((performance.now() - t0) / 1000);
};

// Ratios and latencies first, one section at a time, with the machine to themselves as far as the bench goes.
if (runs('core')) await timed('core', async () => (await import('./sections/core.ts')).coreSection(input));
if (runs('bundles')) await timed('bundles', async () => (await import('./sections/bundles.ts')).bundlesSection(input));
if (runs('slack'))
  await timed('slack', async () => (await import('./sections/slack.ts')).slackSection(input, { bundled: runs('bundles') }));
// Then the DynamoDB-bound sections side by side, each in its own node process on its own DynamoDB
// Local (bench/side-by-side.ts), so the node work of four sections spreads over the cores as the
// Java does. Their counts, units and sizes do not depend on it; their rates (events/s) share the
// machine. Each fills its own rows, printed in order below.
const sideReports = SIDE_BY_SIDE.filter((name) => runs(name)).map((name) => ({ name, report: createReport(report.results) }));
// All settled before a failure is thrown: each section stops its own DynamoDB Local when it ends.
const settled = await Promise.allSettled(
  sideReports.map(({ name, report: own }) => timed(name, () => runInChildProcess(name, own))),
);
for (const { report: own } of sideReports) report.rows.push(...own.rows);
const failed = settled.find((outcome) => outcome.status === 'rejected');
if (failed) throw failed.reason;
report.results.sectionSeconds = sectionSeconds;
const wholeSeconds = Math.round(performance.now() / 1000);
report.results.wholeBenchSeconds = wholeSeconds;
report.add({
  measure: 'duration of each section (s)',
  value: `${SECTIONS.filter((name) => name in sectionSeconds)
    .map((name) => `${name} ${sectionSeconds[name]}`)
    .join(', ')}; ${sideReports.map(({ name }) => name).join(', ')} side by side; whole bench ${wholeSeconds}`,
});

const { rows, results } = report;
const width = Math.max(...rows.map((r) => r.measure.length));
process.stdout.write(
  `\nFirebreak benchmark (${new Date().toISOString()}, node ${machine.node}, ${machine.arch}, ${machine.cores} × ${machine.cpu}; ${machine.note})\n` +
    `deployed functions: NODE_OPTIONS ${machine.deployedNodeOptions}; source maps ${machine.deployedSourceMaps}\n\n`,
);
for (const row of rows) process.stdout.write(`  ${row.measure.padEnd(width)}  ${row.value}\n`);
process.stdout.write(`\n${JSON.stringify(results, null, 2)}\n`);
