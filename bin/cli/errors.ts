/**
 * Error lines: "firebreak: <what went wrong> (<hint>)", coloured only on a terminal and never with
 * NO_COLOR, and hints for the AWS errors a new user meets first (no region, no credentials).
 */
import { terminalSafe } from './terminal-text.ts';

/** Colour only when the stream is a terminal and NO_COLOR (https://no-color.org) is unset or empty. */
export function useColor(stream: { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

const red = (text: string) => (useColor() ? `\u001b[31m${text}\u001b[39m` : text);

/** What to try next for an error from the AWS SDK, by its name or message; undefined when none applies. */
export function awsHint(error: unknown): string | undefined {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  const message = (error as { message?: string } | undefined)?.message ?? '';
  if (/region is missing/i.test(message)) return 'pass --region or set AWS_REGION (or a region in your AWS profile)';
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message))
    return 'pass --profile or set AWS_PROFILE / AWS_ACCESS_KEY_ID; in CI, configure credentials before this step';
  if (/ExpiredToken|token.*expired/i.test(`${name} ${message}`))
    return 'your session expired: sign in again (aws sso login --profile <name>)';
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${name} ${message}`))
    return 'these credentials lack a permission the command needs (README: CLI reference, permissions)';
  if (name === 'ResourceNotFoundException' || /non-?existent queue|does not exist/i.test(message))
    return 'check the name and --region: the stack prints its outputs (TableName, DeadLetterQueueUrl)';
  if (/ENOTFOUND|ECONNREFUSED|getaddrinfo/i.test(message))
    return 'the endpoint cannot be reached: check --endpoint or your network';
  return undefined;
}

/** "firebreak: <message> (<hint>)" on one line; multi-line messages (a config's problems) keep their lines. */
export function errorLine(message: string, options: { hint?: string | undefined; error?: unknown } = {}): string {
  const hint = options.hint ?? (options.error === undefined ? undefined : awsHint(options.error));
  const lines = message.split('\n').map((line) => terminalSafe(line, 2000));
  const first = `${red('firebreak:')} ${lines[0]}`;
  const rest = lines.slice(1).map((line) => `  ${line}`);
  return [first, ...rest].join('\n') + (hint ? ` (${hint})` : '');
}

/** "Name: message (hint)", one line, for messages built from an AWS error. */
export function describeAwsError(error: unknown): string {
  const { name, message } = error as Error;
  const hint = awsHint(error);
  return terminalSafe(`${name}: ${message}${hint ? ` (${hint})` : ''}`, 700);
}
