/** `firebreak drill <scenario.json>`: a game-day scenario through the real handlers on DynamoDB Local. */
import { loadConfig } from '../../lib/config.ts';
import { runDrill } from '../../functions/local/drill/run.ts';
import { loadScenario } from '../../functions/local/drill/scenario.ts';
import { renderDrill } from '../../functions/local/drill/transcript.ts';
import { LOCAL_DB_PATH, LOCAL_NOTARY_DIR, LOCAL_TABLE, progress, runningLocal } from './local-table.ts';
import { writeDrillReport } from './drill-report.ts';
import type { CommonOptions } from './program.ts';
import { terminalJson, terminalSafe } from './terminal-text.ts';

export interface DrillOptions extends CommonOptions {
  readonly config?: string | undefined;
  readonly html?: string | undefined;
}

/** Exit 0 when every expectation holds, 1 naming each that does not, 2 for an invalid scenario or config. */
export async function drill(file: string, options: DrillOptions): Promise<number> {
  const config = loadConfig(options.config);
  // The whole scenario (every step, every event file) is checked before DynamoDB Local starts.
  const { scenario, baseDir } = loadScenario(file);
  const endpoint = await runningLocal();
  progress(
    `firebreak: drill "${scenario.name}", ${scenario.steps.length} steps${endpoint ? ` on ${endpoint}` : ': starting DynamoDB Local…'}`,
  );
  const outcome = await runDrill(scenario, {
    config,
    baseDir,
    tableName: LOCAL_TABLE,
    notaryDir: LOCAL_NOTARY_DIR,
    ...(endpoint ? { endpoint } : { dbPath: LOCAL_DB_PATH }),
  });
  if (options.html) writeDrillReport(options.html, outcome, scenario.start, config.roster);
  process.stdout.write(options.json ? `${terminalJson(outcome)}\n` : `${renderDrill(outcome, scenario.start)}\n`);
  if (!outcome.passed && !options.json) {
    for (const check of outcome.checks.filter((c) => !c.passed))
      process.stderr.write(`drill failed: ${terminalSafe(check.expectation, 500)}: ${terminalSafe(check.detail, 1000)}\n`);
  }
  return outcome.passed ? 0 : 1;
}
