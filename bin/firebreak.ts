#!/usr/bin/env node
/**
 * The operator CLI (`firebreak`, built to dist/firebreak.js by `npm run build:cli`).
 *
 * Adding a command:
 *   1. write bin/cli/<command>.ts exporting `async function <command>(…arguments, options): Promise<number>`
 *      returning the exit code: 0 ok, 1 a verdict or failure, 2 bad usage (or throw UsageError: exit 2);
 *   2. register it below, in the same shape: name and arguments, a description, its options (the
 *      helpers add the shared ones: withJson, withConfig, withAws, withTable), and
 *      `.action(act(async ([arg], options) => (await import('./cli/<command>.ts')).<command>(arg!, options)))`.
 * Commands are imported when they run, so `--version`, `help` and `config check` stay fast.
 * Options belong to their command (`firebreak deploy-notice --version v1` is the notice's version);
 * commander refuses unknown ones with "did you mean", and `act` turns errors into one line + exit code.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, type OptionValues } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { DEPLOYMENT_SOURCE } from '../functions/core/deployments/deployment-sources.ts';
import { FIREBREAK_BUS_NAME } from '../functions/core/events/bus.ts';
import { DEFAULT_CONFIG_PATH } from '../lib/config.ts';
import { act, configure, runProgram, withAws, withConfig, withJson, withTable } from './cli/program.ts';

export function createProgram(): Command {
  const program = configure(new Command(), packageJson.version).description(
    'Firebreak operator CLI: drills, configuration checks, incidents, deployment notices, the release gate, dead letters.',
  );
  /** A command with `--debug` (stack traces on errors), which every command takes. */
  const command = (parent: Command, nameAndArgs: string, description: string) =>
    parent.command(nameAndArgs).description(description).option('--debug', 'print stack traces on errors');

  withJson(
    withConfig(
      command(program, 'drill <scenario>', 'run a game-day scenario on DynamoDB Local; exit 1 if an expectation fails'),
      DEFAULT_CONFIG_PATH,
    ),
  )
    .option('--html <report.html>', 'also write the report page, and the files the drill shared in Slack next to it')
    .action(act(async ([file], o) => (await import('./cli/drill.ts')).drill(file!, o)));

  withConfig(
    command(program, 'ingest <file>', 'normalize and classify events (one event or a JSON array; - for stdin); no AWS access'),
    DEFAULT_CONFIG_PATH,
  )
    .option('--dry-run', 'required: classify without recording anything')
    .action(act(async ([file], o) => (await import('./cli/ingest.ts')).ingestDryRun(file!, o)));

  const config = program.command('config').description('check the configuration');
  withJson(
    command(
      config,
      'check [file]',
      `validate a configuration as \`cdk synth\` would, without synth (default ${DEFAULT_CONFIG_PATH})`,
    ),
  ).action(act(async ([file], o) => (await import('./cli/config-check.ts')).configCheck(file ?? DEFAULT_CONFIG_PATH, o)));

  const incidents = program.command('incidents').description('read incidents from the table');
  withAws(withTable(withJson(command(incidents, 'list', 'active incidents (or --status), one per line'))))
    .option('--status <s1,s2>', 'only these statuses (open, acknowledged, mitigating, resolved, closed)')
    .action(act(async (_, o) => (await import('./cli/incidents.ts')).incidentsList(o)));
  withAws(
    withTable(
      withJson(
        command(
          incidents,
          'show <incident-id>',
          'an incident, what changed before it, its audit trail and the chain\u2019s verdict (exit 1 if broken)',
        ),
      ),
    ),
  ).action(act(async ([id], o) => (await import('./cli/incidents.ts')).incidentsShow(id!, o)));

  withAws(
    withJson(
      command(program, 'deploy-notice', `publish a Deployment event (source ${DEPLOYMENT_SOURCE}) and print its event id`),
    ),
  )
    .option('--service <name>', 'the service deployed (required)')
    .option('--version <version>', 'the version deployed (required)')
    .option('--environment <name>', 'e.g. production, staging (required)')
    .option('--status <status>', 'started, succeeded or failed (required)')
    .option('--commit <sha>', 'the commit deployed')
    .option('--actor <who>', 'who deployed')
    .option('--url <https-url>', 'the pipeline run')
    .option('--run-id <id>', 'pairs a run\u2019s started and finished notices (e.g. the CI run id and attempt)')
    .option(
      '--issue <ref>',
      'a work item it delivers (#N, owner/repo#N or a Jira key), closed when it succeeds; repeat for more',
      (ref: string, refs: string[] = []) => [...refs, ref],
    )
    .option('--bus <name|arn>', `the Firebreak bus (default: FIREBREAK_BUS, else ${FIREBREAK_BUS_NAME})`)
    .option('--dry-run', 'print the PutEvents entry instead of sending it')
    .action(act(async (_, o) => (await import('./cli/deploy-notice.ts')).deployNotice(o)));

  const release = program
    .command('release')
    .description('the release gate (approve a release from Slack: /firebreak release approve <service>)');
  withAws(
    withTable(
      withJson(
        withConfig(
          command(
            release,
            'check <service>',
            'exit 0 when the service may deploy, 1 while it is on a release hold or under a deploy freeze',
          ),
          DEFAULT_CONFIG_PATH,
        ),
      ),
    ),
  )
    .option('--account <id>', 'the account the release goes to (a freeze scoped by account); default: every account')
    .action(act(async ([service], o) => (await import('./cli/release.ts')).releaseCheckCommand(service!, o)));

  withTable(
    withConfig(
      command(program, 'postmortem <incident-id>', 'a blameless postmortem draft from the incident\u2019s audit trail'),
      DEFAULT_CONFIG_PATH,
    ),
  )
    .option('--format <format>', 'markdown or html (with a timeline picture)', 'markdown')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(act(async ([id], o) => (await import('./cli/postmortem.ts')).postmortem(id!, o)));

  const audit = program.command('audit').description('the audit trail checked against the notary\u2019s signed digests');
  const auditCommand = async (action: string, o: OptionValues) =>
    (await import('./cli/audit.ts')).audit([action], o as never, {
      notaryDir: (await import('./cli/local-table.ts')).LOCAL_NOTARY_DIR,
    });
  const withKey = (c: Command) =>
    c.option('--key-id <kms-key>', 'the notary key (default: FIREBREAK_NOTARY_KEY; the stack prints NotaryKeyArn)');
  withKey(
    withAws(
      withTable(
        withJson(
          command(audit, 'verify', 'check audit chains against the signed digests and the public key; exit 1 if tampered'),
        ),
      ),
    ),
  )
    .option('--incident <id>', 'one incident\u2019s chain')
    .option('--hold <service>', 'one service\u2019s release-hold chain')
    .option('--chain <id>', 'any one chain as --all names it: FREEZE#global, FREEZE#service:<name>, BATCH#<id>\u2026')
    .option('--all', 'every chain in the table')
    .option('--since <time>', 'only digests and entries from this time, e.g. 2026-11-01')
    .option('--bucket <name>', 'the digest bucket (default: FIREBREAK_DIGEST_BUCKET; the stack prints AuditDigestBucketName)')
    .option('--digests <dir>', 'a folder holding digests/ (a copy of the bucket), instead of the bucket')
    .option('--public-key <pem-file>', 'the exported public key, instead of asking KMS')
    .action(act(async (_, o) => auditCommand('verify', o)));
  withKey(withAws(command(audit, 'export-key', 'the notary\u2019s public key (PEM), for auditors without AWS access')))
    .option('--local', 'the key the last drill\u2019s local notary used')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(act(async (_, o) => auditCommand('export-key', o)));
  withAws(
    withTable(
      withJson(
        command(program, 'stats', 'response times (median, p90), escalations, refusals, mitigation success, per severity'),
      ),
    ),
  )
    .option('--since <when>', 'incidents opened since: a duration back (90m, 12h, 30d, 2w) or a date', '30d')
    .action(act(async (_, o) => (await import('./cli/stats.ts')).stats(o)));

  withAws(
    withJson(
      withConfig(
        command(program, 'review', 'the CTO\u2019s configuration review of the account (EC2, SSM, Config, IAM)'),
        DEFAULT_CONFIG_PATH,
      ),
    ),
  )
    .option('--local', 'review the SIMULATED fleet instead of the account')
    .option('--since <file>', 'an earlier `review --json` output: adds what changed since that review')
    .action(
      act(async (_, o) => {
        const { loadConfig } = await import('../lib/config.ts');
        const { accessKeyMaxAgeDays } = loadConfig(o.config as string).review;
        return (await import('./cli/review.ts')).review({
          local: Boolean(o.local),
          json: Boolean(o.json),
          since: o.since as string | undefined,
          accessKeyMaxAgeDays,
        });
      }),
    );

  const dlq = program.command('dlq').description('the dead-letter queue');
  const queueOptions = (c: Command) =>
    withAws(withJson(c))
      .option('--queue <url>', 'the dead-letter queue (default: FIREBREAK_DLQ; the stack prints DeadLetterQueueUrl)')
      .option('--max <n>', 'at most n messages (default 100)');
  queueOptions(command(dlq, 'list', 'the dead letters: event, source, where it failed, and why')).action(
    act(async (_, o) => (await import('./cli/dlq.ts')).dlq(['list'], o)),
  );
  queueOptions(
    command(dlq, 'redrive', 'send dead letters back to the function they failed on, then delete them; exit 1 if any was kept'),
  )
    .option('--id <message-id>', 'only this message')
    .option('--stack <name>', 'only functions tagged with this stack (default: FIREBREAK_STACK, else Firebreak)')
    .action(act(async (_, o) => (await import('./cli/dlq.ts')).dlq(['redrive'], o)));

  const local = program.command('local').description('a long-lived DynamoDB Local that --local commands and drills reuse');
  withJson(command(local, 'start', 'start it (or report the one running); data in .firebreak/local-db')).action(
    act(async (_, o) => (await import('./cli/local.ts')).localStart(o)),
  );
  withJson(command(local, 'stop', 'stop it')).action(act(async (_, o) => (await import('./cli/local.ts')).localStop(o)));
  withJson(command(local, 'status', 'exit 0 while it runs, 1 when it does not')).action(
    act(async (_, o) => (await import('./cli/local.ts')).localStatus(o)),
  );

  return program;
}

/** Run when executed (node dist/firebreak.js, npx firebreak, tsx bin/firebreak.ts), not when imported by a test. */
const entry = process.argv[1] ? realpathSync(process.argv[1]) : undefined;
if (entry === realpathSync(fileURLToPath(import.meta.url))) {
  // The bundled SDK is pinned: its notice about future SDK releases needing Node 22 is not for this CLI's users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The CLI's output is its own: the functions' Powertools logs and metrics (JSON lines for CloudWatch) stay off
  // unless asked for (POWERTOOLS_LOG_LEVEL=INFO). Set before any command's modules load: the logger and the
  // metrics read them when they are created.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.exitCode = await runProgram(createProgram(), process.argv.slice(2));
}
