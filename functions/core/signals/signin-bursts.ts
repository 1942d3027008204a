/**
 * Bursts of failed console sign-ins. One failure is a typo; a burst is an attack: password spraying
 * (one source IP trying many user names) or brute force (one user name from anywhere). Failures are
 * counted per source IP and per user name in one-minute buckets shared by every ingest instance;
 * below the threshold they are counted and page no one, at it one incident opens. Pure.
 */
import { CAPS, capText } from '../caps.ts';
import type { Signal } from './signal.ts';
// The schema lives with the configuration's (watch-config.ts): ingest needs only its type.
import type { SigninBurstConfig } from './watch-config.ts';
export type { SigninBurstConfig };

export const SIGNIN_BURST_DEFAULTS: SigninBurstConfig = { threshold: 5, windowMinutes: 10 };

/**
 * At most this many distinct failures are counted per key and minute: the bucket item stays small
 * (event ids of about 40 bytes), and a flood past it is far above any threshold anyway.
 */
export const BUCKET_CAP = 200;

export type BurstKeyKind = 'ip' | 'user';
export interface BurstKey {
  readonly kind: BurstKeyKind;
  /** `ip#203.0.113.5` or `user#alice`: bounded, part of a DynamoDB key. */
  readonly key: string;
  readonly value: string;
}

/** The counters a failed sign-in adds to: its source IP and its user name (when CloudTrail gives them). */
export function burstKeys(signal: Signal): BurstKey[] {
  if (signal.attributes.watch !== 'signin.failed') return [];
  const keys: BurstKey[] = [];
  const ip = signal.attributes.sourceIp;
  // Failures for a user name that does not exist arrive as HIDDEN_DUE_TO_SECURITY_REASONS: they
  // share one counter, which is what spraying over guessed names should do.
  const user = signal.attributes.target;
  if (ip) keys.push({ kind: 'ip', key: `ip#${ip.slice(0, 64)}`, value: ip.slice(0, 64) });
  if (user) keys.push({ kind: 'user', key: `user#${user.slice(0, 200)}`, value: user.slice(0, 200) });
  return keys;
}

/** The one-minute bucket of a time: `2026-03-02T08:54`. */
export const minuteBucket = (at: number): string => new Date(Math.floor(at / 60_000) * 60_000).toISOString().slice(0, 16);

/** The buckets that make up the window ending at the failure: [first, last], inclusive. */
export function windowBuckets(observedAt: string, config: SigninBurstConfig): { first: string; last: string } {
  const at = Date.parse(observedAt);
  return { first: minuteBucket(at - (config.windowMinutes - 1) * 60_000), last: minuteBucket(at) };
}

export type BurstDecision =
  | { readonly page: false; readonly counts: Readonly<Record<BurstKeyKind, number>> }
  | { readonly page: true; readonly by: BurstKey; readonly count: number };

/**
 * Pages when either count reached the threshold: by user name first (brute force on one account is
 * the more specific finding, and keeps one incident when one IP hammers one user), else by source IP.
 */
export function decideBurst(counts: ReadonlyArray<{ key: BurstKey; count: number }>, config: SigninBurstConfig): BurstDecision {
  const reached = counts.filter((c) => c.count >= config.threshold);
  const chosen = reached.find((c) => c.key.kind === 'user') ?? reached.find((c) => c.key.kind === 'ip');
  if (chosen) return { page: true, by: chosen.key, count: chosen.count };
  const of = (kind: BurstKeyKind) => counts.find((c) => c.key.kind === kind)?.count ?? 0;
  return { page: false, counts: { ip: of('ip'), user: of('user') } };
}

/**
 * The signal of a burst that pages: one incident per user name (brute force) or per source IP
 * (spraying), titled with what reached the threshold.
 */
export function burstSignal(signal: Signal, decision: Extract<BurstDecision, { page: true }>, config: SigninBurstConfig): Signal {
  const { by, count } = decision;
  const atLeast = count >= BUCKET_CAP ? `${count}+` : String(count);
  const title =
    by.kind === 'user'
      ? `Failed console sign-ins: ${atLeast} for ${by.value} within ${config.windowMinutes} minutes`
      : `Failed console sign-ins: ${atLeast} from ${by.value} within ${config.windowMinutes} minutes`;
  return {
    ...signal,
    title: capText(title, CAPS.titleBytes),
    subject: `signin.failed|${by.key}`,
    attributes: { ...signal.attributes, burstBy: by.kind, burstCount: atLeast },
  };
}
