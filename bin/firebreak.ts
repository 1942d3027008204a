#!/usr/bin/env tsx
/**
 * The operator CLI: drills, dry-run classification, reading incidents from a local or deployed table,
 * deployment notices from CI, the release gate and the dead-letter queue.
 * Exit codes: 0 success, 1 a drill expectation failed / the release is held / AWS refused, 2 bad usage or invalid input.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { verifyChain } from '../functions/core/audit/chain.ts';
import { createClassifier } from '../functions/core/signals/classify.ts';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_SOURCE } from '../functions/core/deployments/deployment-sources.ts';
import { DeploymentSchema } from '../functions/core/deployments/deploy-notice-schema.ts';
import { releaseCheck } from '../functions/core/deployments/release-check.ts';
import { SERVICE_NAME_PATTERN } from '../functions/core/ids.ts';
import { FIREBREAK_BUS_NAME } from '../functions/core/events/bus.ts';
import { ACTIVE_STATUSES, type IncidentStatus } from '../functions/core/incidents/incident.ts';
import { recentDeployments } from '../functions/core/deployments/what-changed.ts';
import { whatChangedLines } from '../functions/core/deployments/messages.ts';
import { normalizeEvent } from '../functions/core/signals/normalize-signals.ts';
import { InvalidEventError } from '../functions/core/signals/signal.ts';
import { createRepositories } from '../functions/adapters/dynamodb/repositories.ts';
import type { StoredHold } from '../functions/core/persistence.ts';
import { localClient, startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { runDrill } from '../functions/local/drill/run.ts';
import { loadScenario, ScenarioError } from '../functions/local/drill/scenario.ts';
import { renderDrill } from '../functions/local/drill/transcript.ts';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config.ts';
import { dlq } from './cli/dlq.ts';
import { review } from './cli/review.ts';
import { renderIncident, renderList } from './cli/incident-text.ts';
import { UsageError } from './cli/usage.ts';

/** Where drills keep their database, so `incidents --local` can read what the last drill left. */
const LOCAL_DB_PATH = '.firebreak/local-db';
const LOCAL_TABLE = 'firebreak-local';

const USAGE = `Usage: firebreak <command> [options]

Commands:
  drill <scenario.json> [--json]        run a game-day scenario on DynamoDB Local; exit 1 if an expectation fails
  ingest --dry-run <file|->              normalize and classify events (one event or a JSON array); no AWS access
  incidents list [--status s1,s2] [--json]
  incidents show <incident-id> [--json]  an incident with its audit trail and the chain's verdict
  deploy-notice --service S --version V --environment E --status started|succeeded|failed
                [--commit C] [--actor A] [--url https://…] [--run-id R] [--bus B] [--dry-run]
                                        publish a Deployment event (source ${DEPLOYMENT_SOURCE}) with your AWS
                                        credentials and print its event id; --dry-run prints the entry instead
  release check <service> [--json]      exit 0 when the service may deploy, 1 while it is on a release hold
                                        (printing why and who can lift it)
  review [--local] [--since prev.json] [--json]
                                        the CTO's configuration review of the account (or the SIMULATED
                                        fleet with --local); --since adds what changed since that review
  dlq list [--json]                     the dead letters: event, source, where it failed, and why
  dlq redrive [--id <message id>] [--json]
                                        send dead letters back to the function they failed on, then delete
                                        them; exit 1 if any was kept

Options:
  --config <file>     configuration (default ${DEFAULT_CONFIG_PATH})
  --local             incidents, release check: read the table the last drill left in ${LOCAL_DB_PATH}
  --table <name>      incidents, release check: the deployed table (default: $FIREBREAK_TABLE)
  --endpoint <url>    incidents, release check: a DynamoDB endpoint, e.g. a DynamoDB Local you run yourself
  --bus <name|arn>    deploy-notice: the Firebreak bus (default: $FIREBREAK_BUS, else ${FIREBREAK_BUS_NAME})
  --run-id <id>       deploy-notice: pairs a run's started and finished notices (e.g. the CI run id and attempt)
  --queue <url>       dlq: the dead-letter queue (default: $FIREBREAK_DLQ; the stack prints DeadLetterQueueUrl)
  --stack <name>      dlq redrive: only functions tagged with this stack (default: $FIREBREAK_STACK, else Firebreak)
  --max <n>           dlq: at most n messages (default 100)
`;

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
      // deploy-notice
      service: { type: 'string' },
      version: { type: 'string' },
      environment: { type: 'string' },
      commit: { type: 'string' },
      actor: { type: 'string' },
      url: { type: 'string' },
      'run-id': { type: 'string' },
      bus: { type: 'string' },
      // dlq
      queue: { type: 'string' },
      stack: { type: 'string' },
      id: { type: 'string' },
      max: { type: 'string' },
      // review
      since: { type: 'string' },
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
    case 'deploy-notice':
      return deployNotice(args, values);
    case 'release':
      return release(args, values);
    case 'dlq':
      return dlq(args, values);
    case 'review':
      return review({ ...values, accessKeyMaxAgeDays: loadConfig(values.config).review.accessKeyMaxAgeDays });
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
    for (const check of outcome.checks.filter((c) => !c.passed))
      process.stderr.write(`drill failed: ${check.expectation}: ${check.detail}\n`);
  }
  return outcome.passed ? 0 : 1;
}

async function ingestDryRun(args: string[], values: { config: string; 'dry-run': boolean }): Promise<number> {
  if (!values['dry-run'])
    throw new UsageError('ingest only runs with --dry-run here; deployed ingestion happens through EventBridge');
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

async function incidents(
  args: string[],
  values: {
    json: boolean;
    local: boolean;
    table?: string | undefined;
    endpoint?: string | undefined;
    status?: string | undefined;
  },
): Promise<number> {
  const [action, id] = args;
  if (action !== 'list' && action !== 'show') throw new UsageError('incidents needs "list" or "show <incident-id>"');
  if (action === 'show' && !id) throw new UsageError('incidents show needs an incident id');
  const statuses = values.status ? parseStatuses(values.status) : ACTIVE_STATUSES;

  const local = values.local ? await startDynamoDbLocal({ dbPath: LOCAL_DB_PATH }) : undefined;
  const tableName = values.local ? LOCAL_TABLE : (values.table ?? process.env.FIREBREAK_TABLE);
  if (!tableName)
    throw new UsageError('name the table with --table or FIREBREAK_TABLE (the stack prints it as TableName), or use --local');
  const client = local ? localClient(local.endpoint) : new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint } : {});
  const { incidents, deployments: deploymentRecords } = createRepositories(client, tableName);
  try {
    if (action === 'list') {
      const list = await incidents.listIncidents(statuses, 100);
      process.stdout.write(values.json ? `${JSON.stringify(list, null, 2)}\n` : `${renderList(list)}\n`);
      return 0;
    }
    const incident = await incidents.getIncident(id!);
    if (!incident) {
      process.stderr.write(`firebreak: no incident ${id}\n`);
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
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ incident, whatChanged: deployments, audit, auditChain: verdict }, null, 2)}\n`);
    } else {
      const changed = whatChangedLines(deployments, { format: 'plain' });
      process.stdout.write(
        `${renderIncident(incident)}\n\nWhat changed (deployments in the hour before): ${changed.length ? `\n${changed.map((line) => `  ${line}`).join('\n')}` : 'none recorded'}\n\nAudit trail (${verdict.valid ? 'chain valid' : `CHAIN BROKEN at entry ${verdict.brokenAt}: ${verdict.reason}`}):\n`,
      );
      for (const entry of audit)
        process.stdout.write(`  #${entry.seq} ${entry.at} ${entry.actor} ${entry.action} ${entry.hash.slice(0, 12)}\n`);
    }
    return verdict.valid ? 0 : 1;
  } finally {
    client.destroy();
    await local?.stop();
  }
}

/** Flags of `deploy-notice`, by the DeploymentSchema field they fill. */
const NOTICE_FLAGS = {
  service: '--service',
  version: '--version',
  environment: '--environment',
  status: '--status',
  commit: '--commit',
  actor: '--actor',
  url: '--url',
  runId: '--run-id',
} as const;

/** An EventBridge bus name, or a bus ARN (another account's or region's bus). */
const BUS_PATTERN = /^(?:arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[A-Za-z0-9._\-/]{1,256}$/;

/** Bad input to deploy-notice: one line on stderr, exit 2, nothing published. */
function refuseNotice(flag: string, reason: string): number {
  process.stderr.write(`firebreak: ${flag}: ${reason}\n`);
  return 2;
}

/**
 * `firebreak deploy-notice`: validates the notice with the schema the deployments function applies
 * on receipt, then publishes it as a custom `Deployment` event on the Firebreak bus with the caller's
 * AWS credentials. Nothing reaches AWS unless every field is valid; `--dry-run` never does.
 */
async function deployNotice(
  args: string[],
  values: { 'dry-run': boolean; status?: string | undefined; bus?: string | undefined } & Partial<
    Record<'service' | 'version' | 'environment' | 'commit' | 'actor' | 'url' | 'run-id', string>
  >,
): Promise<number> {
  if (args.length)
    return refuseNotice(
      'deploy-notice',
      'takes no positional arguments; pass each field as a flag (--service, --version, --environment, --status)',
    );
  const detail = Object.fromEntries(
    Object.entries(NOTICE_FLAGS)
      .map(([field, flag]) => [field, values[flag.slice(2) as keyof typeof values]] as const)
      .filter(([, value]) => value !== undefined),
  );
  const parsed = DeploymentSchema.safeParse(detail);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    const flag = NOTICE_FLAGS[field as keyof typeof NOTICE_FLAGS] ?? 'deploy-notice';
    // The reason never repeats the value: it may hold control characters or Slack markup.
    const reason = issue.code === 'invalid_type' && detail[field] === undefined ? 'is required' : issue.message;
    return refuseNotice(flag, reason);
  }
  const bus = values.bus ?? (process.env.FIREBREAK_BUS || FIREBREAK_BUS_NAME);
  if (!BUS_PATTERN.test(bus)) return refuseNotice('--bus', 'must be an event bus name or event bus ARN');

  const entry: PutEventsRequestEntry = {
    EventBusName: bus,
    Source: DEPLOYMENT_SOURCE,
    DetailType: DEPLOYMENT_DETAIL_TYPES.custom,
    Detail: JSON.stringify(parsed.data),
  };
  if (values['dry-run']) {
    process.stdout.write(`${JSON.stringify(entry, null, 2)}\n`);
    return 0;
  }
  const client = new EventBridgeClient({});
  try {
    const out = await client.send(new PutEventsCommand({ Entries: [entry] }));
    const [result] = out.Entries ?? [];
    if (out.FailedEntryCount || !result?.EventId) {
      process.stderr.write(
        `firebreak: PutEvents rejected the notice: ${oneLine(result?.ErrorCode ?? 'no event id returned')}${result?.ErrorMessage ? `: ${oneLine(result.ErrorMessage)}` : ''}\n`,
      );
      return 1;
    }
    process.stdout.write(`${result.EventId}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(
      `firebreak: cannot publish the notice to ${bus}: ${oneLine(`${(error as Error).name}: ${(error as Error).message}`)}\n`,
    );
    return 1;
  } finally {
    client.destroy();
  }
}

/**
 * `firebreak release check <service>`: the pipeline gate. Exit 0 when the service may deploy, 1
 * while it is on a release hold (or the hold cannot be read: a gate fails closed), 2 on bad usage.
 */
async function release(
  args: string[],
  values: { config: string; json: boolean; local: boolean; table?: string | undefined; endpoint?: string | undefined },
): Promise<number> {
  const [action, service, ...rest] = args;
  if (action !== 'check')
    throw new UsageError('release needs "check <service>" (approve a release from Slack: /firebreak release approve <service>)');
  if (!service || rest.length) throw new UsageError('release check needs exactly one service name');
  if (!SERVICE_NAME_PATTERN.test(service))
    throw new UsageError('release check: the service name must be 1-255 letters, digits, ".", "_", "@" or "-"');
  const config = loadConfig(values.config);
  const tableName = values.local ? LOCAL_TABLE : (values.table ?? process.env.FIREBREAK_TABLE);
  if (!tableName)
    throw new UsageError('name the table with --table or FIREBREAK_TABLE (the stack prints it as TableName), or use --local');

  const local = values.local ? await startDynamoDbLocal({ dbPath: LOCAL_DB_PATH }) : undefined;
  const client = local ? localClient(local.endpoint) : new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint } : {});
  const { holds, roster: rosterRepository } = createRepositories(client, tableName);
  try {
    let hold: StoredHold | undefined;
    let away: Map<string, string>;
    try {
      [hold, away] = await Promise.all([holds.getHold(service), rosterRepository.getAwayTimes()]);
    } catch (error) {
      process.stderr.write(
        `firebreak: cannot read the release hold of ${service} from ${tableName}: ${oneLine(`${(error as Error).name}: ${(error as Error).message}`)}\n`,
      );
      return 1;
    }
    const roster = config.roster.map((m) => ({
      ...m,
      ...(away.has(m.slackUserId) ? { awayUntil: away.get(m.slackUserId)! } : {}),
    }));
    const check = releaseCheck({
      service,
      hold,
      cto: roster.find((m) => m.role === 'cto')!,
      seniors: roster.filter((m) => m.role === 'senior'),
      now: new Date().toISOString(),
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ service, ...check }, null, 2)}\n`);
    } else {
      process.stdout.write(`${check.reason}\n`);
      if (!check.allowed) process.stdout.write(`Who can lift it: ${check.whoCanLift.join(', ')}\n`);
    }
    return check.allowed ? 0 : 1;
  } finally {
    client.destroy();
    await local?.stop();
  }
}

/** One line of text without control characters, for messages built from AWS errors. */
function oneLine(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
      .trim()
      .slice(0, 500)
  );
}

function parseStatuses(text: string): IncidentStatus[] {
  const all: IncidentStatus[] = [...ACTIVE_STATUSES, 'resolved', 'closed'];
  const statuses = text.split(',').map((s) => s.trim());
  const unknown = statuses.filter((s) => !all.includes(s as IncidentStatus));
  if (unknown.length) throw new UsageError(`unknown status ${unknown.join(', ')} (one of ${all.join(', ')})`);
  return statuses as IncidentStatus[];
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known =
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof ScenarioError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`firebreak: ${(error as Error).message}\n`);
    if (error instanceof UsageError) process.stderr.write(`Run "firebreak --help" for usage.\n`);
    if (!known) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    process.exit(known || error instanceof SyntaxError ? 2 : 1);
  },
);
