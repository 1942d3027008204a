/** `firebreak incidents list|show`: incidents from the deployed table, a DynamoDB endpoint, or the local one. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { whatChangedLines } from '../../functions/core/deployments/messages.ts';
import { recentDeployments } from '../../functions/core/deployments/what-changed.ts';
import { changeLines, recentChanges } from '../../functions/core/signals/change-record.ts';
import { terminalSafe } from './terminal-text.ts';
import { ACTIVE_STATUSES, type IncidentStatus } from '../../functions/core/incidents/incident.ts';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import { localClient } from '../../functions/local/dynamodb-local.ts';
import { renderIncident, renderList } from './incident-text.ts';
import { LOCAL_TABLE, openLocalTable } from './local-table.ts';
import type { CommonOptions } from './program.ts';
import { UsageError } from './usage.ts';
import { terminalJson, terminalLine, terminalText } from './terminal-text.ts';

export interface TableOptions extends CommonOptions {
  readonly local?: boolean | undefined;
  readonly table?: string | undefined;
  readonly endpoint?: string | undefined;
}

export interface IncidentsOptions extends TableOptions {
  readonly status?: string | undefined;
}

/** The table a read command uses: the local one, or --table / FIREBREAK_TABLE (at --endpoint, if given). */
export async function openTable(
  options: TableOptions,
): Promise<{ client: DynamoDBClient; tableName: string; close: () => Promise<void> }> {
  if (options.local) {
    const local = await openLocalTable();
    const client = localClient(local.endpoint);
    return { client, tableName: LOCAL_TABLE, close: async () => (client.destroy(), await local.release()) };
  }
  const tableName = options.table ?? process.env.FIREBREAK_TABLE;
  if (!tableName)
    throw new UsageError('name the table with --table or FIREBREAK_TABLE (the stack prints it as TableName), or use --local');
  const client = new DynamoDBClient(options.endpoint ? { endpoint: options.endpoint } : {});
  return { client, tableName, close: async () => client.destroy() };
}

export async function incidentsList(options: IncidentsOptions): Promise<number> {
  const statuses = options.status ? parseStatuses(options.status) : ACTIVE_STATUSES;
  const { client, tableName, close } = await openTable(options);
  try {
    const list = await createRepositories(client, tableName).incidents.listIncidents(statuses, 100);
    process.stdout.write(options.json ? `${terminalJson(list)}\n` : `${renderList(list)}\n`);
    return 0;
  } finally {
    await close();
  }
}

/** Exit 0 with a valid audit chain, 1 when the incident is missing or its chain is broken. */
export async function incidentsShow(id: string, options: TableOptions): Promise<number> {
  const { client, tableName, close } = await openTable(options);
  const { incidents, deployments: deploymentRecords } = createRepositories(client, tableName);
  try {
    const incident = await incidents.getIncident(id);
    if (!incident) {
      process.stderr.write(`firebreak: no incident ${id}\n`);
      if (options.json) process.stdout.write(`${JSON.stringify({ error: { message: `no incident ${id}`, exitCode: 1 } })}\n`);
      return 1;
    }
    const audit = await incidents.getAudit(incident.id);
    const verdict = verifyChain(audit, { seq: incident.auditSeq, hash: incident.auditHead });
    // "What changed?": deployments in the incident's account in the hour before it opened.
    const opened = Date.parse(incident.openedAt);
    const deployments = recentDeployments(
      await deploymentRecords.deploymentsBetween(incident.account, new Date(opened - 3_600_000).toISOString(), incident.openedAt),
      incident,
    );
    const windowStart = new Date(Math.min(Date.parse(incident.firstSeen), opened) - 3_600_000).toISOString();
    const changes = recentChanges(await incidents.changesBetween(incident.account, windowStart, incident.openedAt), incident);
    if (options.json) {
      process.stdout.write(
        `${terminalJson({ incident, whatChanged: deployments, configurationChanges: changes, audit, auditChain: verdict })}\n`,
      );
    } else {
      // Change text comes from AWS events: made safe for a terminal like the rest.
      const changed = [
        ...whatChangedLines(deployments, { format: 'plain' }).map((line) => terminalLine(line)),
        ...changeLines(changes).map((line) => terminalSafe(line, 500)),
      ];
      process.stdout.write(
        `${renderIncident(incident)}\n\nWhat changed (deployments and configuration changes in the hour before): ${changed.length ? `\n${changed.map((line) => `  ${line}`).join('\n')}` : 'none recorded'}\n\nAudit trail (${verdict.valid ? 'chain valid' : `CHAIN BROKEN at entry ${verdict.brokenAt}: ${verdict.reason}`}):\n`,
      );
      for (const entry of audit)
        process.stdout.write(
          `${terminalText(`  #${entry.seq} ${entry.at} ${entry.actor} ${entry.action} ${entry.hash.slice(0, 12)}`)}\n`,
        );
    }
    return verdict.valid ? 0 : 1;
  } finally {
    await close();
  }
}

function parseStatuses(text: string): IncidentStatus[] {
  const all: IncidentStatus[] = [...ACTIVE_STATUSES, 'resolved', 'closed'];
  const statuses = text.split(',').map((s) => s.trim());
  const unknown = statuses.filter((s) => !all.includes(s as IncidentStatus));
  if (unknown.length) throw new UsageError(`unknown status ${unknown.join(', ')} (one of ${all.join(', ')})`);
  return statuses as IncidentStatus[];
}
