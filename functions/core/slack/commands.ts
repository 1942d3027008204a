import type { Severity } from '../config.ts';
import { CATALOG_ID_PATTERN, INCIDENT_ID_PATTERN, MITIGATION_REQUEST_ID_PATTERN, SERVICE_NAME_PATTERN } from '../ids.ts';
import { parseParameters } from './parameters.ts';
import { escapeSlackEntities, escapeSlackText } from './text.ts';
import { parseSilenceCommand, SILENCE_USAGE, type RefusedSilenceInput, type SilenceCommand } from './silence-commands.ts';

export type Command =
  | { readonly name: 'help' }
  | { readonly name: 'list' }
  | { readonly name: 'roster' }
  | { readonly name: 'back' }
  | { readonly name: 'away'; readonly minutes: number }
  | { readonly name: 'show' | 'ack' | 'postmortem'; readonly incidentId: string }
  | { readonly name: 'resolve'; readonly incidentId: string; readonly note: string }
  | { readonly name: 'sev'; readonly incidentId: string; readonly severity: Severity }
  | {
      readonly name: 'mitigate';
      readonly incidentId: string;
      readonly catalogId: string;
      readonly parameters: Readonly<Record<string, string>>;
    }
  | { readonly name: 'approve'; readonly requestId: string }
  | { readonly name: 'reject'; readonly requestId: string; readonly reason: string }
  | {
      readonly name: 'release';
      readonly action: 'approve' | 'status';
      readonly service: string;
      /** `release approve <service> --during-freeze [account]`: approve a release during a deploy freeze. */
      readonly duringFreeze?: { readonly account?: string };
    }
  | { readonly name: 'cancel'; readonly requestId: string }
  | SilenceCommand;

export type ParsedCommand =
  | { readonly ok: true; readonly command: Command }
  // `refusedSilence`: an invalid `silence` that still names its target, so the refusal can be audited there.
  | { readonly ok: false; readonly message: string; readonly refusedSilence?: RefusedSilenceInput };

export const HELP = escapeSlackEntities(
  [
    '*Firebreak* — `/firebreak <command>`',
    '`list` open incidents · `show <incident>` · `ack <incident>` · `resolve <incident> [note]` · `sev <incident> <SEV1-4>`',
    '`mitigate <incident> <catalog id> [key=value | key="a value" …]` request a mitigation · `approve <request>` · `reject <request> <reason>` · `cancel <request>`',
    '`release approve <service>` lift a release hold · `release approve <service> --during-freeze` release during a deploy freeze · `release status <service>`',
    '`postmortem <incident>` a blameless postmortem draft, as a file in the incident thread',
    '`silence <incident|fingerprint> <duration> <reason>` quiet its announcements for a while · `silences` the active ones',
    '`away [duration]` e.g. `away 4h` (default 8h, at most 14d) · `back` · `roster` · `help`',
  ].join('\n'),
);

const MAX_AWAY_MINUTES = 14 * 24 * 60;
const MAX_TEXT = 500;

/**
 * Whether `/firebreak <text>` only reads (`help`, `list`, `show`, `roster`, `silences`, `release
 * status`): answering it twice changes nothing, so it needs no protection against replays.
 */
export function isReadOnlyCommand(text: string): boolean {
  const parsed = parseCommand(text);
  if (!parsed.ok) return false;
  const { command } = parsed;
  return READ_ONLY.has(command.name) || (command.name === 'release' && command.action === 'status');
}

const READ_ONLY: ReadonlySet<Command['name']> = new Set(['help', 'list', 'show', 'roster', 'silences']);

/** Parses the text after `/firebreak`. Bad input gets a message saying what was expected. */
export function parseCommand(text: string): ParsedCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [verb = 'help', ...args] = words;
  const fail = (message: string): ParsedCommand => ({ ok: false, message: `${message}\n${usageOf(verb.toLowerCase())}` });
  const ok = (command: Command): ParsedCommand => ({ ok: true, command });
  const rest = (from: number) => args.slice(from).join(' ').slice(0, MAX_TEXT);

  switch (verb.toLowerCase()) {
    case 'help':
    case 'list':
    case 'roster':
    case 'back':
      return args.length
        ? fail(`\`${verb.toLowerCase()}\` takes no arguments.`)
        : ok({ name: verb.toLowerCase() as 'help' | 'list' | 'roster' | 'back' });
    case 'away': {
      if (args.length > 1) return fail('`away` takes one duration.');
      const minutes = args[0] === undefined ? 8 * 60 : durationMinutes(args[0]);
      if (minutes === undefined || minutes < 1 || minutes > MAX_AWAY_MINUTES)
        return fail(`"${escapeSlackText((args[0] ?? '').slice(0, 40))}" is not a duration between 1m and 14d.`);
      return ok({ name: 'away', minutes });
    }
    case 'show':
    case 'ack':
    case 'postmortem': {
      const incidentId = args[0]?.toUpperCase();
      if (!incidentId || !INCIDENT_ID_PATTERN.test(incidentId) || args.length > 1)
        return fail('Expected one incident id such as `INC-1A2B3C4D5E`.');
      return ok({ name: verb.toLowerCase() as 'show' | 'ack' | 'postmortem', incidentId });
    }
    case 'resolve': {
      const incidentId = args[0]?.toUpperCase();
      if (!incidentId || !INCIDENT_ID_PATTERN.test(incidentId)) return fail('Expected an incident id such as `INC-1A2B3C4D5E`.');
      return ok({ name: 'resolve', incidentId, note: rest(1) });
    }
    case 'sev': {
      const incidentId = args[0]?.toUpperCase();
      const severity = args[1]?.toUpperCase();
      if (!incidentId || !INCIDENT_ID_PATTERN.test(incidentId) || !severity || !/^SEV[1-4]$/.test(severity) || args.length > 2)
        return fail('Expected an incident id and a severity SEV1–SEV4.');
      return ok({ name: 'sev', incidentId, severity: severity as Severity });
    }
    case 'mitigate': {
      const incidentId = args[0]?.toUpperCase();
      const catalogId = args[1]?.toLowerCase();
      if (!incidentId || !INCIDENT_ID_PATTERN.test(incidentId) || !catalogId || !CATALOG_ID_PATTERN.test(catalogId))
        return fail('Expected an incident id and a catalog id.');
      // What follows the catalog id, as typed: a quoted value keeps its spaces.
      const parsed = parseParameters(text.trim().replace(/^\S+\s+\S+\s+\S+/, ''));
      if (!parsed.ok) return fail(escapeSlackText(parsed.problem));
      return ok({ name: 'mitigate', incidentId, catalogId, parameters: parsed.parameters });
    }
    case 'cancel': {
      const requestId = args[0]?.toUpperCase();
      if (!requestId || !MITIGATION_REQUEST_ID_PATTERN.test(requestId) || args.length > 1)
        return fail('Expected one request id such as `MIT-1A2B3C4D5E`.');
      return ok({ name: 'cancel', requestId });
    }
    case 'approve': {
      const requestId = args[0]?.toUpperCase();
      if (!requestId || !MITIGATION_REQUEST_ID_PATTERN.test(requestId) || args.length > 1)
        return fail('Expected one request id such as `MIT-1A2B3C4D5E`.');
      return ok({ name: 'approve', requestId });
    }
    case 'reject': {
      const requestId = args[0]?.toUpperCase();
      if (!requestId || !MITIGATION_REQUEST_ID_PATTERN.test(requestId))
        return fail('Expected a request id such as `MIT-1A2B3C4D5E` and a reason.');
      if (!rest(1)) return fail(escapeSlackEntities('Say why you reject it: `reject <request> <reason>`.'));
      return ok({ name: 'reject', requestId, reason: rest(1) });
    }
    case 'release': {
      const action = args[0]?.toLowerCase();
      const service = args[1];
      if ((action !== 'approve' && action !== 'status') || !service || !SERVICE_NAME_PATTERN.test(service))
        return fail('Expected `approve` or `status` and a service name.');
      if (args.length === 2) return ok({ name: 'release', action, service });
      const account = args[3];
      if (
        action !== 'approve' ||
        args[2]?.toLowerCase() !== '--during-freeze' ||
        args.length > 4 ||
        (account && !/^\d{12}$/.test(account))
      )
        return fail('Expected `approve <service>`, `approve <service> --during-freeze [account id]` or `status <service>`.');
      return ok({ name: 'release', action, service, duringFreeze: account ? { account } : {} });
    }
    case 'silence':
    case 'silences': {
      const parsed = parseSilenceCommand(verb.toLowerCase() as 'silence' | 'silences', args, durationMinutes);
      if (parsed.ok) return ok(parsed.command);
      const failed = { ok: false, message: `${parsed.message}\n${usageOf(verb.toLowerCase())}` } as const;
      return parsed.refused ? { ...failed, refusedSilence: parsed.refused } : failed;
    }
    default:
      return { ok: false, message: `Unknown command "${escapeSlackText(verb.slice(0, 40))}".\n${HELP}` };
  }
}

function usageOf(verb: string): string {
  const usage: Record<string, string> = {
    away: 'Usage: `/firebreak away [duration]`, e.g. `away 4h`',
    show: 'Usage: `/firebreak show <incident>`',
    ack: 'Usage: `/firebreak ack <incident>`',
    postmortem: 'Usage: `/firebreak postmortem <incident>`',
    resolve: 'Usage: `/firebreak resolve <incident> [note]`',
    sev: 'Usage: `/firebreak sev <incident> <SEV1-4>`',
    mitigate:
      'Usage: `/firebreak mitigate <incident> <catalog id> [key=value …]`; quote a value with spaces: `commands="systemctl restart payments-worker.service"`',
    approve: 'Usage: `/firebreak approve <request>`',
    cancel: 'Usage: `/firebreak cancel <request>`',
    reject: 'Usage: `/firebreak reject <request> <reason>`',
    release: 'Usage: `/firebreak release approve <service> [--during-freeze [account]]` or `/firebreak release status <service>`',
    silence: SILENCE_USAGE,
    silences: 'Usage: `/firebreak silences`',
  };
  return escapeSlackEntities(usage[verb] ?? '') || HELP;
}

function durationMinutes(text: string): number | undefined {
  const match = /^(\d{1,5})(m|h|d)$/i.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * { m: 1, h: 60, d: 1440 }[match[2]!.toLowerCase() as 'm' | 'h' | 'd'];
}
