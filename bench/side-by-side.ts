/**
 * The DynamoDB-bound sections, each run in a node process of its own, side by side. In one process
 * their node work (the handlers, the AWS SDK, the local bus) shared one thread: a run of four
 * sections was bound by that thread (about 340 s of CPU) while the second core ran only the
 * DynamoDB Locals' Java. Each child runs one section on its own DynamoDB Local and sends back its
 * rows and results; its figures are printed as they come, as in one process.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Report, Row, SectionInput } from './bench-kit.ts';

export const SIDE_BY_SIDE = ['ingest', 'storm', 'fleet', 'watch'] as const;
export type SideBySideSection = (typeof SIDE_BY_SIDE)[number];

/**
 * Each section's process priority (nice; its DynamoDB Local inherits it). The storm times Slack calls
 * on the wall clock across its notify instances, which deployed do not share two cores with three
 * other sections: starved, a call left its slot late and two calls to one channel came 918 ms apart.
 * The others count requests, units and events, which do not depend on the CPU they get.
 */
export const SECTION_NICENESS: Record<SideBySideSection, number> = { storm: 0, ingest: 10, fleet: 10, watch: 10 };

/** A section's code, loaded only in the process that runs it. */
export const SECTION_RUNNERS: Record<SideBySideSection, (input: SectionInput) => Promise<void>> = {
  ingest: async (input) => (await import('./sections/ingest.ts')).ingestSection(input),
  storm: async (input) => (await import('./sections/storm.ts')).stormSection(input),
  fleet: async (input) => (await import('./sections/fleet.ts')).fleetSection(input),
  // (g) Accuracy of the change watch: 10,000 labelled CloudTrail events through the rule patterns and ingest.
  watch: async ({ config, report }) => {
    const figures = await (await import('./watch-accuracy.ts')).watchAccuracy(config);
    report.results.watchAccuracy = figures;
    report.add({
      measure: `watch: ${figures.events.toLocaleString('en-US')} labelled CloudTrail events`,
      value: `${figures.incidentsOpened} incidents (${figures.expectedIncidents} expected), ${figures.falsePositives} false positives, ${figures.falseNegatives} false negatives, ${figures.eventsPerSecond} events/s, ${figures.writeUnitsPerEvent} WCU/event`,
    });
  },
};

/** What a child sends back when its section ends. */
export type SectionOutcome =
  { readonly rows: readonly Row[]; readonly results: Record<string, unknown> } | { readonly error: string };

const CHILD = fileURLToPath(new URL('./section-child.ts', import.meta.url));

/**
 * Runs `section` in a child node process (the same Node and loader as this one, the same
 * environment and `--quick`), adding its rows and results to `into`; rejects if the section failed.
 */
export function runInChildProcess(section: SideBySideSection, into: Report): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [section, ...(process.argv.includes('--quick') ? ['--quick'] : [])], { stdio: 'inherit' });
    let outcome: SectionOutcome | undefined;
    child.on('message', (message) => (outcome = message as SectionOutcome));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (outcome && 'rows' in outcome) {
        into.rows.push(...outcome.rows);
        Object.assign(into.results, outcome.results);
        return resolve();
      }
      const why = outcome && 'error' in outcome ? outcome.error : `exited with ${signal ?? `code ${code}`}`;
      reject(new Error(`bench section ${section} failed: ${why}`));
    });
  });
}
