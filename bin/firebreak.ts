#!/usr/bin/env tsx
/**
 * The operator CLI: drills, dry-run classification, and reading incidents from a local or deployed table.
 * Exit codes: 0 success, 1 a drill expectation failed, 2 bad usage or invalid input.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { verifyChain } from '../functions/core/audit.ts';
import { createClassifier } from '../functions/core/classify.ts';
import { ACTIVE_STATUSES, type Incident, type IncidentStatus } from '../functions/core/incident.ts';
import { normalizeEvent } from '../functions/core/normalize.ts';
import { InvalidEventError } from '../functions/core/signal.ts';
import { IncidentStore } from '../functions/adapters/incident-store.ts';
import { localClient, startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { loadScenario, renderDrill, runDrill, ScenarioError } from '../functions/local/drill.ts';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config.ts';

/** Where drills keep their database, so `incidents --local` can read what the last drill left. */
const LOCAL_DB_PATH = '.firebreak/local-db';
const LOCAL_TABLE = 'firebreak-local';

const USAGE = `Usage: firebreak <command> [options]

Commands:
  drill <scenario.json> [--json]        run a game-day scenario on DynamoDB Local; exit 1 if an expectation fails
  ingest --dry-run <file|->              normalize and classify events (one event or a JSON array); no AWS access
  incidents list [--status s1,s2] [--json]
  incidents show <incident-id> [--json]  an incident with its audit trail and the chain's verdict

Options:
  --config <file>     configuration (default ${DEFAULT_CONFIG_PATH})
  --local             incidents: read the table the last drill left in ${LOCAL_DB_PATH}
  --table <name>      incidents: the deployed table (default: $FIREBREAK_TABLE)
  --endpoint <url>    incidents: a DynamoDB endpoint, e.g. a DynamoDB Local you run yourself
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      table: { type: 'string' },
      endpoint: { type: 'string' },
      status: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'drill':
      return drill(args, values);
    case 'ingest':
      return ingestDryRun(args, values);
    case 'incidents':
      return incidents(args, values);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function drill(args: string[], values: { config: string; json: boolean }): Promise<number> {
  const [file] = args;
  if (!file) throw new UsageError('drill needs a scenario file');
  const config = loadConfig(values.config);
  const { scenario, baseDir } = loadScenario(file);
  const outcome = await runDrill(scenario, { config, baseDir, dbPath: LOCAL_DB_PATH, tableName: LOCAL_TABLE });
  process.stdout.write(values.json ? `${JSON.stringify(outcome, null, 2)}\n` : `${renderDrill(outcome, scenario.start)}\n`);
  if (!outcome.passed && !values.json) {
    for (const check of outcome.checks.filter((c) => !c.passed)) process.stderr.write(`drill failed: ${check.expectation}: ${check.detail}\n`);
  }
  return outcome.passed ? 0 : 1;
}

async function ingestDryRun(args: string[], values: { config: string; 'dry-run': boolean }): Promise<number> {
  if (!values['dry-run']) throw new UsageError('ingest only runs with --dry-run here; deployed ingestion happens through EventBridge');
  const [file] = args;
  if (!file) throw new UsageError('ingest --dry-run needs a file, or - for standard input');
  const config = loadConfig(values.config);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${file === '-' ? 'standard input' : file}: ${(error as Error).message}`);
  }
  const events = Array.isArray(parsed) ? parsed : [parsed];
  const classify = createClassifier(config);
  let invalid = 0;
  for (const [index, event] of events.entries()) {
    try {
      const { envelope, signals } = normalizeEvent(event, { customSources: config.sources.custom });
      const results = signals.map((signal) => {
        const { fingerprint, ...classification } = classify(signal);
        return { signal, classification, fingerprint };
      });
      process.stdout.write(`${JSON.stringify({ eventId: envelope.id, results }, null, 2)}\n`);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      invalid++;
      process.stderr.write(`firebreak: ${Array.isArray(parsed) ? `event[${index}]: ` : ''}${error.message}\n`);
    }
  }
  return invalid ? 2 : 0;
}

async function incidents(args: string[], values: { json: boolean; local: boolean; table?: string | undefined; endpoint?: string | undefined; status?: string | undefined }): Promise<number> {
  const [action, id] = args;
  if (action !== 'list' && action !== 'show') throw new UsageError('incidents needs "list" or "show <incident-id>"');
  if (action === 'show' && !id) throw new UsageError('incidents show needs an incident id');
  const statuses = values.status ? parseStatuses(values.status) : ACTIVE_STATUSES;

  const local = values.local ? await startDynamoDbLocal({ dbPath: LOCAL_DB_PATH }) : undefined;
  const tableName = values.local ? LOCAL_TABLE : (values.table ?? process.env.FIREBREAK_TABLE);
  if (!tableName) throw new UsageError('name the table with --table or FIREBREAK_TABLE (the stack prints it as TableName), or use --local');
  const client = local ? localClient(local.endpoint) : new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint } : {});
  const store = new IncidentStore(client, tableName);
  try {
    if (action === 'list') {
      const list = await store.listIncidents(statuses, 100);
      process.stdout.write(values.json ? `${JSON.stringify(list, null, 2)}\n` : `${renderList(list)}\n`);
      return 0;
    }
    const incident = await store.getIncident(id!);
    if (!incident) {
      process.stderr.write(`firebreak: no incident ${id}\n`);
      return 1;
    }
    const audit = await store.getAudit(incident.id);
    const verdict = verifyChain(audit, { seq: incident.auditSeq, hash: incident.auditHead });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ incident, audit, auditChain: verdict }, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderIncident(incident)}\n\nAudit trail (${verdict.valid ? 'chain valid' : `CHAIN BROKEN at entry ${verdict.brokenAt}: ${verdict.reason}`}):\n`);
      for (const entry of audit) process.stdout.write(`  #${entry.seq} ${entry.at} ${entry.actor} ${entry.action} ${entry.hash.slice(0, 12)}\n`);
    }
    return verdict.valid ? 0 : 1;
  } finally {
    client.destroy();
    await local?.stop();
  }
}

function parseStatuses(text: string): IncidentStatus[] {
  const all: IncidentStatus[] = [...ACTIVE_STATUSES, 'resolved', 'closed'];
  const statuses = text.split(',').map((s) => s.trim());
  const unknown = statuses.filter((s) => !all.includes(s as IncidentStatus));
  if (unknown.length) throw new UsageError(`unknown status ${unknown.join(', ')} (one of ${all.join(', ')})`);
  return statuses as IncidentStatus[];
}

function renderList(list: readonly Incident[]): string {
  if (list.length === 0) return 'No incidents.';
  return list.map((i) => `${i.id}  ${i.severity}  ${i.category.padEnd(12)} ${i.status.padEnd(12)} ${String(i.signalCount).padStart(5)}  ${i.lastSeen}  ${i.title}`).join('\n');
}

function renderIncident(i: Incident): string {
  return [
    `${i.id}  ${i.severity} ${i.category}  ${i.status}`,
    `  title:       ${i.title}`,
    `  source:      ${i.source} (${i.kind})`,
    `  subject:     ${i.subject}`,
    `  account:     ${i.account} ${i.region}`,
    `  resources:   ${i.resources.join(', ') || '-'}`,
    `  signals:     ${i.signalCount} (first ${i.firstSeen}, last ${i.lastSeen})${i.reopenCount ? `, reopened ${i.reopenCount}×` : ''}`,
    `  rule:        ${i.rule ?? '(none matched: fallback)'}`,
    `  channel:     ${i.channel}`,
    `  opened:      ${i.openedAt}${i.resolvedAt ? `, resolved ${i.resolvedAt}` : ''}`,
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof UsageError || error instanceof ConfigError || error instanceof ScenarioError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`firebreak: ${(error as Error).message}\n`);
    if (error instanceof UsageError) process.stderr.write(`Run "firebreak --help" for usage.\n`);
    if (!known) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    process.exit(known || error instanceof SyntaxError ? 2 : 1);
  },
);
