import {
  burstKeys,
  burstSignal,
  decideBurst,
  windowBuckets,
  type BurstKeyKind,
  type SigninBurstConfig,
} from '../core/signals/signin-bursts.ts';
import type { Signal } from '../core/signals/signal.ts';
import type { SigninFailuresPort } from './ports/signin-bursts.ts';

export interface SigninBurstDependencies {
  readonly config: SigninBurstConfig;
  readonly failures: SigninFailuresPort;
}

export type SigninBurstResult =
  /** Counted; below the threshold for its source IP and its user name: no incident. */
  | { readonly kind: 'counted'; readonly counts: Readonly<Record<BurstKeyKind, number>> }
  /** A burst: the signal (per user name or source IP) goes on to open or update its incident. */
  | { readonly kind: 'page'; readonly signal: Signal };

/** Counts a failed console sign-in under its source IP and user name and decides whether it pages. */
export async function countSigninFailure(
  signal: Signal,
  signalKey: string,
  deps: SigninBurstDependencies,
  now: Date,
): Promise<SigninBurstResult> {
  const keys = burstKeys(signal);
  // Neither a source IP nor a user name to count by: it pages on its own, as before bursts were counted.
  if (keys.length === 0) return { kind: 'page', signal };
  const { first, last } = windowBuckets(signal.observedAt, deps.config);
  // Kept past the window from whichever is later, the failure or now (a late delivery still counts a while).
  const expiresAt =
    Math.floor(Math.max(now.getTime(), Date.parse(signal.observedAt)) / 1000) + (deps.config.windowMinutes + 60) * 60;
  // Written user name first, read source IP first: every failure the IP's total includes is then in
  // the user name's total too, so one IP hammering one user always pages by user name, never by
  // both, however deliveries interleave across instances.
  const writeOrder = [...keys].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'user' ? -1 : 1));
  for (const key of writeOrder) await deps.failures.countFailure(key.key, last, signalKey, expiresAt);
  const counts = [];
  for (const key of [...writeOrder].reverse())
    counts.push({ key, count: await deps.failures.failuresBetween(key.key, first, last) });
  const decision = decideBurst(counts, deps.config);
  return decision.page
    ? { kind: 'page', signal: burstSignal(signal, decision, deps.config) }
    : { kind: 'counted', counts: decision.counts };
}
