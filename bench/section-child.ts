/**
 * One side-by-side bench section in a process of its own (forked by bench/side-by-side.ts): runs it
 * and sends its rows and results to the parent, or the error that stopped it.
 */
import { setPriority } from 'node:os';
import { loadConfig } from '../lib/config.ts';
import { createReport } from './bench-kit.ts';
import { SECTION_NICENESS, SECTION_RUNNERS, SIDE_BY_SIDE, type SectionOutcome, type SideBySideSection } from './side-by-side.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const section = process.argv[2] as SideBySideSection;
if (!SIDE_BY_SIDE.includes(section) || !process.send)
  throw new Error(`run by bench/run.ts for one of ${SIDE_BY_SIDE.join(', ')}`);
// Before the section starts its DynamoDB Local, which inherits the priority.
setPriority(SECTION_NICENESS[section]);
const report = createReport();
let outcome: SectionOutcome;
try {
  await SECTION_RUNNERS[section]({ config: loadConfig(), report });
  outcome = { rows: report.rows, results: report.results };
} catch (error) {
  outcome = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}
process.send(outcome, () => process.disconnect());
