import { hash } from 'node:crypto';
import type { Category, FingerprintPart, FirebreakConfig, Rule, Severity } from '../config.ts';
import { MONITOR_SOURCE_PREFIX } from '../events/bus.ts';
import { PLATFORM_DEFAULTS, PLATFORM_SOURCE, type PlatformWatch } from '../platform/platform-alarms.ts';
import { watchDefaults } from './cloudtrail-watch.ts';
import type { Signal } from './signal.ts';
import type { WatchAllow } from './watch-config.ts';
import { MONITORS_DEFAULTS, WATCH_DEFAULTS } from './watch-defaults.ts';

export interface Classification {
  /** The rule that decided, or null when none matched and the fallback applied. */
  readonly rule: string | null;
  /** A matching rule dropped the signal on purpose. */
  readonly suppressed: boolean;
  readonly severity: Severity;
  readonly category: Category;
  readonly channel: string;
  readonly mitigations: readonly string[];
  readonly fingerprint: string;
}

export type ClassifierConfig = Pick<FirebreakConfig, 'classification' | 'dedup' | 'slack'> &
  Partial<Pick<FirebreakConfig, 'watch' | 'monitors' | 'sources'>>;

/** What an event no rule claims becomes: recorded and visible, never silently dropped. */
export const FALLBACK = { severity: 'SEV4', category: 'unknown' } as const;

/** Compiles the ordered rules once (per cold start) and classifies signals against them; first match wins. */
export function createClassifier(config: ClassifierConfig): (signal: Signal) => Classification {
  const rules = config.classification.rules.map(compileRule);
  const allowed = compileAllowList(config.watch?.allow ?? WATCH_DEFAULTS.allow);
  const unmatched = unmatchedClassification(config);
  return (signal) => {
    const allow = allowed(signal);
    if (allow) return { ...unmatched(signal), rule: `Allow-listed: ${allow.name}`, suppressed: true };
    const rule = rules.find((r) => r.matches(signal))?.rule;
    if (!rule && signal.source === PLATFORM_SOURCE) return platformClassification(signal, config);
    if (!rule) return unmatched(signal);
    const severity = rule?.severity ?? FALLBACK.severity;
    const category = rule?.category ?? FALLBACK.category;
    return {
      rule: rule?.name ?? null,
      suppressed: rule?.suppress ?? false,
      severity,
      category,
      channel: rule?.channel ?? config.slack.channels[category] ?? config.slack.channels.default,
      mitigations: rule?.mitigations ?? [],
      fingerprint: fingerprint(signal, rule?.fingerprint ?? config.dedup.fingerprint),
    };
  };
}

/**
 * Firebreak's own alarms when no configured rule claims them (a rule matching `source:
 * "firebreak.platform"` overrides this): category `platform`, the watch's default severity, the
 * `platform` channel if configured. An alarm without data yet (INSUFFICIENT_DATA, as every new
 * alarm starts) is not an outage and is suppressed.
 */
function platformClassification(signal: Signal, config: ClassifierConfig): Classification {
  const defaults = PLATFORM_DEFAULTS[signal.kind as PlatformWatch] ?? PLATFORM_DEFAULTS.alarm;
  return {
    rule: PLATFORM_RULE_NAME,
    suppressed: signal.attributes.stateValue === 'INSUFFICIENT_DATA',
    severity: defaults.severity,
    category: 'platform',
    channel: config.slack.channels.platform ?? config.slack.channels.default,
    mitigations: [],
    // Always per alarm, whatever dedup.fingerprint says: however often an alarm flaps, and however
    // its own processing fails, it is one incident (the bound on a platform-alarm storm).
    fingerprint: fingerprint(signal, ['source', 'kind', 'subject']),
  };
}

/** The rule names recorded on incidents the built-in classifications decided. */
export const WATCH_RULE_NAME = 'Watched change (built in)';
export const MONITOR_RULE_NAME = "Monitor's own severity (built in)";

/**
 * What a signal no configured rule claims becomes: a watched change (CloudTrail, AWS Config) takes
 * its watch's severity (or the `watch.severity` override) and category; a custom monitor's own
 * severity maps through `monitors.severity`; anything else is SEV4 `unknown`, recorded and visible.
 */
function unmatchedClassification(config: ClassifierConfig): (signal: Signal) => Classification {
  const overrides = config.watch?.severity ?? WATCH_DEFAULTS.severity;
  const respond = config.watch?.respond ?? WATCH_DEFAULTS.respond;
  const monitors = config.monitors ?? MONITORS_DEFAULTS;
  const custom = config.sources?.custom ?? [];
  return (signal) => {
    const watch = signal.source.startsWith('aws.') ? signal.attributes.watch : undefined;
    const defaults = watch ? watchDefaults(watch) : undefined;
    const isMonitor = signal.source.startsWith(MONITOR_SOURCE_PREFIX) || custom.includes(signal.source);
    const [rule, severity, category]: [string | null, Severity, Category] = defaults
      ? [WATCH_RULE_NAME, overrides[watch!] ?? defaults.severity, defaults.category]
      : isMonitor
        ? [MONITOR_RULE_NAME, monitors.severity[signal.severityHint], monitors.category]
        : [null, FALLBACK.severity, FALLBACK.category];
    return {
      rule,
      suppressed: false,
      severity,
      category,
      channel: config.slack.channels[category] ?? config.slack.channels.default,
      // A watched change proposes its configured response (refused attempts change nothing to undo).
      mitigations: defaults && watch && !signal.attributes.errorCode ? [...(respond[watch] ?? [])] : [],
      fingerprint: fingerprint(signal, config.dedup.fingerprint),
    };
  };
}

/** The first allow-list entry naming the actor of a watched CloudTrail change, if any. */
function compileAllowList(allow: readonly WatchAllow[]): (signal: Signal) => WatchAllow | undefined {
  const entries = allow.map((entry) => {
    const patterns = (
      [
        ['principalArn', entry.principalArn],
        ['sessionIssuer', entry.sessionIssuer],
        ['invokedBy', entry.invokedBy],
      ] as const
    )
      .filter((pair): pair is readonly [(typeof pair)[0], string] => pair[1] !== undefined)
      .map(([name, pattern]) => [name, new RegExp(pattern)] as const);
    return { entry, patterns };
  });
  return (signal) => {
    if (!signal.source.startsWith('aws.') || !signal.attributes.watch || !signal.attributes.eventName) return undefined;
    return entries.find(
      ({ entry, patterns }) =>
        (!entry.actions || entry.actions.includes(signal.attributes.eventName!)) &&
        patterns.every(([name, pattern]) => signal.attributes[name] !== undefined && pattern.test(signal.attributes[name])),
    )?.entry;
  };
}

/** The rule name recorded on incidents the built-in platform classification decided. */
export const PLATFORM_RULE_NAME = 'Firebreak platform alarm (built in)';

function compileRule(rule: Rule): { rule: Rule; matches: (signal: Signal) => boolean } {
  const { match } = rule;
  const list = (value: string | string[] | undefined) =>
    value === undefined ? undefined : Array.isArray(value) ? value : [value];
  const sources = list(match.source);
  const kinds = list(match.kind);
  const hints = list(match.severityHint);
  const title = match.title ? new RegExp(match.title, 'i') : undefined;
  const attributes = Object.entries(match.attributes ?? {}).map(([name, pattern]) => [name, new RegExp(pattern, 'i')] as const);
  return {
    rule,
    matches: (signal) =>
      (!sources || sources.includes(signal.source)) &&
      (!kinds || kinds.includes(signal.kind)) &&
      (!match.state || match.state === signal.state) &&
      (!hints || hints.includes(signal.severityHint)) &&
      (!title || title.test(signal.title)) &&
      attributes.every(([name, pattern]) => signal.attributes[name] !== undefined && pattern.test(signal.attributes[name])),
  };
}

/**
 * The dedup key: a hash of the chosen parts, so keys stay short and untrusted text never becomes
 * part of a DynamoDB key verbatim. A missing attribute counts as empty.
 */
export function fingerprint(signal: Signal, parts: readonly FingerprintPart[]): string {
  const values = parts.map((part) => [
    part,
    part.startsWith('attr:')
      ? (signal.attributes[part.slice(5)] ?? '')
      : signal[part as 'source' | 'kind' | 'subject' | 'account' | 'region'],
  ]);
  // JSON keeps the parts apart: no text inside one part can imitate a boundary between two. The
  // one-shot hash is createHash's digest without a Hash object per signal.
  return hash('sha256', JSON.stringify(values), 'hex').slice(0, 32);
}
