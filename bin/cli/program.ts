/**
 * The CLI's conventions in one place: how a command's function is called, how its result becomes
 * the exit code (0 ok, 1 verdict or failure, 2 usage), and how every error becomes one line with a
 * hint (a stack trace only with --debug; a JSON object on stdout under --json).
 */
import { Command, CommanderError, type OptionValues } from 'commander';
import { ConfigError } from '../../lib/config.ts';
import { ScenarioError } from '../../functions/local/drill/scenario.ts';
import { errorLine } from './errors.ts';
import { UsageError } from './usage.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Options every command takes. */
export interface CommonOptions {
  readonly debug?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** `--region` / `--profile` for commands that call AWS: the SDK reads them from the environment. */
export interface AwsOptions {
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const PROFILE = /^[A-Za-z0-9_.@+=,-]{1,128}$/;

/** Adds `--region` and `--profile` to a command that calls AWS. */
export function withAws(command: Command): Command {
  return command
    .option('--region <region>', 'AWS region (default: AWS_REGION, else the profile\u2019s region)')
    .option('--profile <name>', 'AWS named profile (default: AWS_PROFILE, else the default credential chain)');
}

/** Adds `--config <file>`. */
export function withConfig(command: Command, defaultPath: string): Command {
  return command.option('--config <file>', 'the Firebreak configuration', defaultPath);
}

/** Adds `--local`, `--table` and `--endpoint` for commands that read the table. */
export function withTable(command: Command): Command {
  return command
    .option('--local', 'read the local table (the running `firebreak local start`, else the last drill\u2019s on disk)')
    .option('--table <name>', 'the deployed table (default: FIREBREAK_TABLE; the stack prints it as TableName)')
    .option('--endpoint <url>', 'a DynamoDB endpoint, e.g. a DynamoDB Local you run yourself');
}

/** Adds `--json` (machine-readable output; errors as `{"error": …}` on stdout). */
export function withJson(command: Command): Command {
  return command.option('--json', 'machine-readable output on stdout (errors too, as {"error": …})');
}

function applyAws(options: AwsOptions): void {
  if (options.region !== undefined) {
    if (!REGION.test(options.region)) throw new UsageError('--region must be an AWS region such as eu-west-1');
    process.env.AWS_REGION = options.region;
  }
  if (options.profile !== undefined) {
    if (!PROFILE.test(options.profile)) throw new UsageError('--profile must be a profile name from your AWS config');
    process.env.AWS_PROFILE = options.profile;
  }
}

let exitCode: number = EXIT.ok;

/**
 * The action of a command: calls `fn` with the positional arguments and the command's parsed
 * options, and records the exit code it returns. Errors are reported by `runProgram`.
 */
export function act(fn: (args: string[], options: OptionValues) => Promise<number> | number) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params.at(-1) as Command;
    const options = command.opts();
    const args = params
      .slice(0, -2)
      .flatMap((value) => (value === undefined ? [] : Array.isArray(value) ? value : [String(value)]));
    current = { command, options };
    applyAws(options as AwsOptions);
    exitCode = await fn(args, options);
  };
}

let current: { command: Command; options: CommonOptions } | undefined;

/** Commander settings every command inherits; call before adding commands. */
export function configure(program: Command, version: string): Command {
  return program
    .name('firebreak')
    .version(version, '-V, --version', 'print the version')
    .helpCommand('help [command]', 'help for a command')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's errors become one line: "firebreak: unknown option '--sevice' (did you mean --service?)".
      outputError: (text, write) => write(`${errorLine(oneLine(text))}\n`),
    });
}

/** Runs the program on `argv` (without node and the script) and returns the exit code. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  exitCode = EXIT.ok;
  current = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, help <command> and --version exit 0; a parse error, or a command with subcommands and
      // none given (its help goes to stderr), is bad usage.
      if (error.exitCode === 0) return EXIT.ok;
      // Scripts that asked for JSON get the refusal as JSON too (the line is on stderr already).
      if (argv.includes('--json'))
        process.stdout.write(
          `${JSON.stringify({ error: { message: oneLine(error.message), exitCode: EXIT.usage } }, null, 2)}\n`,
        );
      return EXIT.usage;
    }
    return report(error, current);
  }
}

/** Commander's message as one line: "unknown option '--sevice' (did you mean --service?)". */
function oneLine(text: string): string {
  return text
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** One line (plus a hint) for an error a command threw; the exit code it means. */
function report(error: unknown, at: { command: Command; options: CommonOptions } | undefined): number {
  const usage = error instanceof UsageError || error instanceof ScenarioError || error instanceof SyntaxError;
  const config = error instanceof ConfigError;
  const code = usage || config ? EXIT.usage : EXIT.failed;
  const message = (error as Error)?.message ?? String(error);
  const path = at ? commandPath(at.command) : 'firebreak';
  const hint = usage ? `see "${path} --help"` : undefined;
  process.stderr.write(`${errorLine(message, { hint, error })}\n`);
  if (at?.options.debug || process.argv.includes('--debug')) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  if (at?.options.json) process.stdout.write(`${JSON.stringify({ error: { message, exitCode: code } }, null, 2)}\n`);
  return code;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
