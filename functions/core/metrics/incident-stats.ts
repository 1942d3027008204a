/**
 * `firebreak stats`: how fast the team responds, per severity and per category, computed from the
 * incidents' audit trails (through the same timeline as the postmortem). Pure: the incidents and
 * their timelines are inputs, and so is the window.
 */
import type { Category, Severity } from '../config.ts';
import type { IncidentTimeline } from '../postmortem/timeline.ts';

export interface IncidentSample {
  readonly incident: { readonly id: string; readonly severity: Severity; readonly category: Category; readonly openedAt: string };
  readonly timeline: IncidentTimeline;
}

/** Milliseconds; `median` and `p90` are absent when no incident reached that milestone. */
export interface Distribution {
  readonly count: number;
  readonly median?: number;
  readonly p90?: number;
}

export interface GroupStats {
  readonly incidents: number;
  readonly resolved: number;
  readonly toAcknowledge: Distribution;
  readonly toFirstApproval: Distribution;
  readonly toResolve: Distribution;
  /** Signals recorded per incident (a count, not a duration). */
  readonly signalsPerIncident: Distribution;
  readonly escalations: number;
  /** Refused approval or rejection attempts, by the policy's reason. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly mitigations: {
    readonly succeeded: number;
    readonly failed: number;
    readonly cancelled: number;
    /** Succeeded over finished runs (succeeded + failed + cancelled); absent when none finished. */
    readonly successRate?: number;
  };
}

export interface IncidentStats {
  readonly since: string;
  readonly until: string;
  readonly total: GroupStats;
  readonly bySeverity: Readonly<Partial<Record<Severity, GroupStats>>>;
  readonly byCategory: Readonly<Partial<Record<Category, GroupStats>>>;
}

/** The incidents Firebreak opened in [since, until], summarized in total, per severity and per category. */
export function incidentStats(samples: readonly IncidentSample[], since: string, until: string): IncidentStats {
  const inWindow = samples.filter((s) => s.incident.openedAt >= since && s.incident.openedAt <= until);
  const group = <K extends string>(key: (s: IncidentSample) => K): Partial<Record<K, GroupStats>> => {
    const groups = new Map<K, IncidentSample[]>();
    for (const s of inWindow) groups.set(key(s), [...(groups.get(key(s)) ?? []), s]);
    return Object.fromEntries(
      [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, g]) => [k, summarize(g)]),
    ) as Partial<Record<K, GroupStats>>;
  };
  return {
    since,
    until,
    total: summarize(inWindow),
    bySeverity: group((s) => s.incident.severity),
    byCategory: group((s) => s.incident.category),
  };
}

function summarize(samples: readonly IncidentSample[]): GroupStats {
  const refusals: Record<string, number> = {};
  const mitigations = { succeeded: 0, failed: 0, cancelled: 0 };
  let escalations = 0;
  for (const { timeline } of samples) {
    escalations += timeline.escalations;
    for (const [reason, n] of Object.entries(timeline.refusals)) refusals[reason] = (refusals[reason] ?? 0) + n;
    mitigations.succeeded += timeline.mitigations.succeeded;
    mitigations.failed += timeline.mitigations.failed;
    mitigations.cancelled += timeline.mitigations.cancelled;
  }
  const finished = mitigations.succeeded + mitigations.failed + mitigations.cancelled;
  const times = (key: keyof IncidentTimeline['times']) =>
    distribution(samples.map((s) => s.timeline.times[key]).filter((v): v is number => v !== undefined));
  return {
    incidents: samples.length,
    resolved: samples.filter((s) => s.timeline.times.toResolve !== undefined).length,
    toAcknowledge: times('toAcknowledge'),
    toFirstApproval: times('toFirstApproval'),
    toResolve: times('toResolve'),
    signalsPerIncident: distribution(samples.map((s) => s.timeline.signals)),
    escalations,
    refusals,
    mitigations: { ...mitigations, ...(finished ? { successRate: mitigations.succeeded / finished } : {}) },
  };
}

export function distribution(values: readonly number[]): Distribution {
  if (!values.length) return { count: 0 };
  return { count: values.length, median: percentile(values, 0.5), p90: percentile(values, 0.9) };
}

/** The p-quantile with linear interpolation between the closest ranks (numpy's default): the median of [1, 2] is 1.5. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

const UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * `--since`: a duration back from `now` (`90m`, `12h`, `30d`, `2w`) or a date (`2026-11-01`, or a
 * full ISO time). Undefined when it is neither.
 */
export function parseSince(text: string, now: string): string | undefined {
  const relative = /^(\d{1,5})([mhdw])$/.exec(text.trim());
  if (relative) {
    const ms = Number(relative[1]) * UNITS[relative[2] as keyof typeof UNITS];
    return ms > 0 ? new Date(Date.parse(now) - ms).toISOString() : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/.test(text.trim())) return undefined;
  const at = Date.parse(text.trim());
  return Number.isNaN(at) || at > Date.parse(now) ? undefined : new Date(at).toISOString();
}
