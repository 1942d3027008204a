import { createHash } from 'node:crypto';
import { CAPS, capIdentifier, capText, moreMarker, utf8Bytes } from '../caps.ts';

/** The hash the first entry of every chain points back to. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  readonly incidentId: string;
  readonly seq: number;
  readonly at: string;
  /** Who acted: `system:ingest`, `slack:U123`, `policy`... */
  readonly actor: string;
  readonly action: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * JSON with object keys sorted at every level and no whitespace, so the same entry always hashes
 * the same way whatever order its fields were built in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('cannot hash a non-finite number');
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * An entry's data within the audit caps (`caps.ts`): strings cut with a marker, lists and maps
 * keep their first entries plus a `… N more` marker, and data still over `auditDataBytes` as
 * canonical JSON is replaced by its size and digest. Applied when an entry is made, never when a
 * chain is verified: entries already stored keep hashing as they were written.
 */
export function capAuditData(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const capped = capValue(data) as Record<string, unknown>;
  const size = utf8Bytes(canonicalJson(capped));
  if (size <= CAPS.auditDataBytes) return capped;
  return {
    omitted: `data of ${size} bytes is over the ${CAPS.auditDataBytes}-byte cap of an audit entry`,
    sha256: sha256(canonicalJson(data)),
  };
}

function capValue(value: unknown): unknown {
  if (typeof value === 'string') return capText(value, CAPS.auditStringBytes);
  if (Array.isArray(value)) {
    const kept = value.slice(0, CAPS.auditListCount).map(capValue);
    return value.length > kept.length ? [...kept, moreMarker(value.length - kept.length)] : kept;
  }
  if (value === null || typeof value !== 'object') return value;
  // In canonical (sorted) order, so which keys are kept does not depend on how the data was built.
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const kept = entries
    .slice(0, CAPS.auditKeyCount)
    .map(([key, v]) => [capIdentifier(key, CAPS.auditStringBytes), capValue(v)] as const);
  const more = entries.length - kept.length;
  return Object.fromEntries(more > 0 ? [...kept, ['…', moreMarker(more)]] : kept);
}

/** Builds the next link of an incident's chain: its hash covers every field and the previous hash. */
export function chainEntry(entry: Omit<AuditEntry, 'hash'>): AuditEntry {
  const { incidentId, seq, at, actor, action, data, prevHash } = entry;
  return { ...entry, hash: sha256(canonicalJson({ incidentId, seq, at, actor, action, data, prevHash })) };
}

export type ChainVerdict = { valid: true; length: number } | { valid: false; length: number; brokenAt: number; reason: string };

/**
 * Checks an incident's whole chain, in order: sequence, back-links and every hash. With the head
 * the incident records (auditSeq, auditHead), it also catches entries cut off the end.
 */
export function verifyChain(entries: readonly AuditEntry[], head?: { seq: number; hash: string }): ChainVerdict {
  let prevHash = GENESIS_HASH;
  for (const [index, entry] of entries.entries()) {
    // Reported by position: a tampered entry's own seq cannot be trusted.
    const broken = (reason: string): ChainVerdict => ({ valid: false, length: entries.length, brokenAt: index + 1, reason });
    if (entry.seq !== index + 1) return broken(`expected entry ${index + 1}, found ${entry.seq}`);
    if (entry.prevHash !== prevHash) return broken('prevHash does not match the previous entry');
    if (chainEntry({ ...entry }).hash !== entry.hash) return broken('hash does not match the entry contents');
    prevHash = entry.hash;
  }
  if (head && (head.seq !== entries.length || head.hash !== prevHash)) {
    return {
      valid: false,
      length: entries.length,
      brokenAt: entries.length + 1,
      reason: `the incident's head is entry ${head.seq} ${head.hash.slice(0, 12)}, the chain ends at ${entries.length}`,
    };
  }
  return { valid: true, length: entries.length };
}

/** Whatever records a chain's head: an incident, a release hold. A holder not stored yet starts at the genesis. */
export interface ChainHolder {
  readonly auditSeq?: number;
  readonly auditHead?: string;
}

/** The chain of a service's release hold (its entries' `incidentId`). */
export const releaseHoldChainId = (service: string): string => `HOLD#${service}`;
/** A deploy freeze's chain (`global` or an account id): its start, incidents, lift, and approvals during it. */
export const deployFreezeChainId = (scope: string): string => `FREEZE#${scope}`;

/** The chain of a patch batch (its entries' `incidentId`). */
export const patchBatchChainId = (batchId: string): string => `BATCH#${batchId}`;

/** The chain of a configuration review: its recording, every Reviewed attempt, refusals included. */
export const configurationReviewChainId = (reviewId: string): string => `REVIEW#${reviewId}`;

/** New entries linked, in order, after the head their holder records; the last one is the new head. */
export function appendToChain(
  chainId: string,
  holder: ChainHolder | undefined,
  entries: ReadonlyArray<{ readonly action: string; readonly data: Readonly<Record<string, unknown>> }>,
  actor: string,
  at: string,
): AuditEntry[] {
  let seq = holder?.auditSeq ?? 0;
  let prevHash = holder?.auditHead ?? GENESIS_HASH;
  return entries.map(({ action, data }) => {
    const entry = chainEntry({ incidentId: chainId, seq: ++seq, at, actor, action, data: capAuditData(data), prevHash });
    prevHash = entry.hash;
    return entry;
  });
}
