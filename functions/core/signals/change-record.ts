/**
 * "What changed?" beyond deployments: the configuration and access changes the watch recorded in
 * an account, kept as small items written by ingest in the same transaction as the incident they
 * opened or updated, read back for the hour before another incident. Pure.
 */
import type { Signal } from './signal.ts';
import { WATCHED_ACTIONS } from './cloudtrail-watch.ts';

/** One watched change, each field capped: an item stays well under 1 KB. */
export interface ChangeRecord {
  /** When CloudTrail says it happened (the signal's observation time). */
  readonly at: string;
  readonly account: string;
  readonly region: string;
  /** The watch id, e.g. `network.ingress-world-admin`. */
  readonly watch: string;
  /** The incident title: what happened and to what. */
  readonly what: string;
  readonly actor?: string;
  readonly change?: string;
  /** The incident the change opened or updated. */
  readonly incidentId?: string;
  /** Or the deployment it was attached to (a pipeline's change during its service's deployment), and that service. */
  readonly deploymentId?: string;
  readonly service?: string;
}

const CHANGE_WATCHES = new Set([...WATCHED_ACTIONS.map((action) => action.id), 'root.used']);
const cap = (text: string | undefined, max: number) => (text ? text.slice(0, max) : undefined);

/** The record of a watched configuration or access change; undefined for anything else (sign-ins, refused calls, Config). */
export function changeRecordOf(
  signal: Signal,
  owner: { incidentId: string } | { deploymentId: string; service: string },
): ChangeRecord | undefined {
  const watch = signal.attributes.watch;
  if (!signal.source.startsWith('aws.') || !watch || !CHANGE_WATCHES.has(watch) || signal.attributes.errorCode) return undefined;
  const actor = cap(signal.attributes.principalArn ?? signal.attributes.invokedBy, 200);
  const change = cap(signal.attributes.change, 200);
  return {
    at: signal.observedAt,
    account: signal.account,
    region: cap(signal.region, 32) ?? '',
    watch: watch.slice(0, 64),
    what: signal.title.slice(0, 200),
    ...(actor ? { actor } : {}),
    ...(change ? { change } : {}),
    ...owner,
  };
}

/**
 * The changes in the `windowMinutes` before an incident was first seen, until it opened, made in
 * its account (any region: IAM's arrive in us-east-1), except its own; newest first.
 */
export function recentChanges(
  records: readonly ChangeRecord[],
  incident: { readonly id?: string; readonly account: string; readonly openedAt?: string; readonly firstSeen?: string },
  windowMinutes = 60,
): ChangeRecord[] {
  const first = incident.firstSeen ?? incident.openedAt;
  const end = incident.openedAt ?? incident.firstSeen;
  if (!first || !end) return [];
  const windowEnd = Math.max(Date.parse(first), Date.parse(end));
  const windowStart = Math.min(Date.parse(first), Date.parse(end)) - windowMinutes * 60_000;
  return records
    .filter((r) => r.account === incident.account && r.incidentId !== incident.id)
    .filter((r) => Date.parse(r.at) >= windowStart && Date.parse(r.at) <= windowEnd)
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** One plain line per change (escape it for Slack where it is posted), `+N more` past `max`. */
export function changeLines(records: readonly ChangeRecord[], max = 5): string[] {
  const lines = records
    .slice(0, max)
    .map(
      (r) =>
        `${r.what} at ${r.at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}${r.actor ? ` by ${r.actor}` : ''} (${r.region}, ${
          r.incidentId ?? `deployment ${r.deploymentId} of ${r.service}`
        })`,
    );
  if (records.length > max) lines.push(`+${records.length - max} more`);
  return lines;
}
