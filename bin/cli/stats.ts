/**
 * `firebreak stats [--since 30d] [--json]`: time to acknowledge, to first approval and to resolve
 * (median and p90), escalations, refusals by reason, mitigation success rate and signals per
 * incident, per severity and per category, for the incidents opened in the window. Read-only.
 * Exit 0, 2 bad usage.
 */
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import { parseSince } from '../../functions/core/metrics/incident-stats.ts';
import { renderStatsText } from '../../functions/core/metrics/stats-text.ts';
import { readIncidentStats } from '../../functions/workflow/stats.ts';
import { openTable, type TableOptions } from './incidents.ts';
import { terminalSafe } from './terminal-text.ts';
import { UsageError } from './usage.ts';

export interface StatsOptions extends TableOptions {
  readonly since?: string | undefined;
}

export async function stats(options: StatsOptions, now = new Date().toISOString()): Promise<number> {
  const since = parseSince(options.since ?? '30d', now);
  if (!since) throw new UsageError('--since takes a duration such as 90m, 12h, 30d or 2w, or a past date such as 2026-11-01');
  const table = await openTable(options);
  try {
    const result = await readIncidentStats(createRepositories(table.client, table.tableName), since, now);
    process.stdout.write(
      options.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : renderStatsText(result)
            .split('\n')
            .map((line) => terminalSafe(line, 400))
            .join('\n'),
    );
    return 0;
  } finally {
    await table.close();
  }
}
