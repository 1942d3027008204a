import { sha256 } from '../audit/chain.ts';
import type { Incident } from './incident.ts';

/** How many recorded signals' digests an incident keeps (see `recentSignals`). */
export const RECENT_SIGNALS = 8;

/** The short digest of a signal key an incident remembers (48 bits in 8 characters: a false match among 8 is out of reach). */
const signalDigest = (signalKey: string): string => Buffer.from(sha256(signalKey).slice(0, 12), 'hex').toString('base64url');

/** Whether an incident remembers a signal: as its opening signal (kept for good), among its recent ones, or not. */
export function remembersSignal(incident: Incident, signalKey: string): 'opening' | 'recent' | false {
  const index = incident.recentSignals?.indexOf(signalDigest(signalKey)) ?? -1;
  return index === 0 ? 'opening' : index > 0 ? 'recent' : false;
}

/** The digests after recording a signal: the opening signal's stays first for good; the latest others follow it. */
export function remember(current: Incident | undefined, signalKey: string): string[] {
  const [opening, ...recent] = current?.recentSignals ?? [];
  if (opening === undefined) return [signalDigest(signalKey)];
  return [opening, ...[...recent, signalDigest(signalKey)].slice(-(RECENT_SIGNALS - 1))];
}
