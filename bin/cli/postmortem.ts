/**
 * `firebreak postmortem <incident> [--format markdown|html] [--out <file>]`: the blameless draft of
 * an incident's postmortem, from its audit trail. Exit 0 written, 1 no such incident or its audit
 * chain is broken (the draft is still written, and says so), 2 bad usage.
 */
import { writeFileSync } from 'node:fs';
import { INCIDENT_ID_PATTERN } from '../../functions/core/ids.ts';
import { renderPostmortemHtml } from '../../functions/core/postmortem/render-html.ts';
import { renderPostmortemMarkdown } from '../../functions/core/postmortem/render-markdown.ts';
import { draftPostmortem } from '../../functions/workflow/postmortem.ts';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import { loadConfig } from '../../lib/config.ts';
import { openTable, type TableOptions } from './incidents.ts';
import { UsageError } from './usage.ts';

export interface PostmortemOptions extends TableOptions {
  readonly format?: string | undefined;
  readonly out?: string | undefined;
  readonly config?: string | undefined;
}

export async function postmortem(id: string, options: PostmortemOptions, now = new Date().toISOString()): Promise<number> {
  const incidentId = id.toUpperCase();
  if (!INCIDENT_ID_PATTERN.test(incidentId)) throw new UsageError('postmortem needs an incident id such as INC-1A2B3C4D5E');
  const format = options.format ?? 'markdown';
  if (format !== 'markdown' && format !== 'html') throw new UsageError('--format must be markdown or html');
  const table = await openTable(options);
  try {
    const doc = await draftPostmortem(
      createRepositories(table.client, table.tableName),
      loadConfig(options.config),
      incidentId,
      now,
    );
    if (!doc) {
      process.stderr.write(`firebreak: no incident ${incidentId} in ${table.tableName}\n`);
      return 1;
    }
    const text = format === 'html' ? renderPostmortemHtml(doc) : renderPostmortemMarkdown(doc);
    if (options.out) {
      writeFileSync(options.out, text);
      process.stderr.write(`firebreak: wrote the postmortem of ${incidentId} to ${options.out}\n`);
    } else process.stdout.write(text);
    return doc.chainValid ? 0 : 1;
  } finally {
    await table.close();
  }
}
