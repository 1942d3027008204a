/** Idempotency keys of a delivery's signals. Pure. */
import { canonicalJson, sha256 } from '../audit/chain.ts';

/** The idempotency key of one signal of one delivery: the event id plus a digest of its content. */
export function signalKeyFor(eventId: string, event: unknown, index: number): string {
  return signalKeysFor(eventId, event, index + 1)[index]!;
}

/**
 * The keys of a delivery's first `count` signals, the event canonicalized and hashed once for all
 * (a Security Hub batch carries up to 100 findings).
 */
export function signalKeysFor(eventId: string, event: unknown, count: number): string[] {
  // Keyed on content as well as id: AWS's own published samples reuse ids across different events,
  // and a real redelivery carries the same id and the same content.
  const content = sha256(canonicalJson(event)).slice(0, 16);
  return Array.from({ length: count }, (_, index) => `${eventId}#${content}#${index}`);
}
