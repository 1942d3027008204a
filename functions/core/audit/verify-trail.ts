import { chainEntry, GENESIS_HASH, type AuditEntry } from './chain.ts';
import { digestHash, signatureValid, type ChainHead, type SignedDigest } from './digest.ts';

/**
 * `firebreak audit verify`: every chain checked on its own (hashes, links, order, the head its
 * holder records) and against the heads the notary signed; the digests checked against the public
 * key and each other. Each kind of tampering is reported by name. Pure: time is an input.
 */

export const TAMPER_KINDS = [
  'edited_entry',
  'deleted_entry',
  'reordered_entries',
  'truncated_tail',
  'rewound_head',
  'recomputed_chain',
  'missing_digest',
  'forged_digest',
] as const;
export type TamperKind = (typeof TAMPER_KINDS)[number];

export interface Finding {
  readonly kind: TamperKind;
  /** The chain it concerns; absent for a finding about the digests themselves. */
  readonly chainId?: string;
  /** The entry (by its sequence number) or the digest it concerns. */
  readonly seq?: number;
  readonly digestSeq?: number;
  readonly detail: string;
}

/** A chain as the table holds it: entries in stored (key) order, and the head its holder records. */
export interface StoredChain {
  readonly chainId: string;
  readonly entries: readonly AuditEntry[];
  /** The incident's or the hold's `auditSeq`/`auditHead`; undefined when the holder item is gone. */
  readonly holder: { readonly seq: number; readonly hash: string } | undefined;
}

export interface ChainReport {
  readonly chainId: string;
  readonly length: number;
  /** The newest entry a valid digest signed, 0 if none. */
  readonly notarizedSeq: number;
  /** Entries newer than any digest but still within the grace period (the notary's window). */
  readonly pending: number;
  readonly findings: readonly Finding[];
}

export interface AuditReport {
  readonly clean: boolean;
  readonly digests: {
    readonly count: number;
    readonly latestSeq: number;
    readonly latestAt?: string;
    readonly findings: readonly Finding[];
  };
  readonly chains: readonly ChainReport[];
}

export interface VerifyInput {
  readonly chains: readonly StoredChain[];
  readonly digests: readonly SignedDigest[];
  readonly publicKeyPem: string;
  /** Entries older than `now - graceMinutes` must be in a digest. */
  readonly now: string;
  readonly graceMinutes?: number;
  /** Only digests written since then are checked for a predecessor, and only chains with an entry since then. */
  readonly since?: string;
}

/** Longer than the notary's batching window (at most 5 minutes) plus its retries. */
export const DEFAULT_GRACE_MINUTES = 15;

/** A notarized head and the digest that signed it. */
type Checkpoint = ChainHead & { readonly digestSeq: number };

export function verifyAuditTrail(input: VerifyInput): AuditReport {
  const { trusted, findings: digestFindings } = checkDigests(input.digests, input.publicKeyPem, input.since);
  const checkpoints = new Map<string, Checkpoint[]>();
  for (const { digest } of trusted)
    for (const head of digest.heads) {
      const list = checkpoints.get(head.chainId) ?? [];
      list.push({ ...head, digestSeq: digest.seq });
      checkpoints.set(head.chainId, list);
    }
  const cutoff = Date.parse(input.now) - (input.graceMinutes ?? DEFAULT_GRACE_MINUTES) * 60_000;
  const since = input.since ? Date.parse(input.since) : undefined;
  const chains = input.chains
    .filter(
      (chain) => since === undefined || chain.entries.some((e) => Date.parse(e.at) >= since) || checkpoints.has(chain.chainId),
    )
    .map((chain) => checkChain(chain, checkpoints.get(chain.chainId) ?? [], cutoff));
  const latest = trusted.at(-1)?.digest;
  return {
    clean: digestFindings.length === 0 && chains.every((chain) => chain.findings.length === 0),
    digests: {
      count: input.digests.length,
      latestSeq: latest?.seq ?? 0,
      ...(latest ? { latestAt: latest.at } : {}),
      findings: digestFindings,
    },
    chains,
  };
}

/** The digests in order: each signed by the key, numbered without gaps, each naming its predecessor's hash. */
export function checkDigests(
  digests: readonly SignedDigest[],
  publicKeyPem: string,
  since?: string,
): { trusted: SignedDigest[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const trusted: SignedDigest[] = [];
  const sorted = [...digests].sort((a, b) => a.digest.seq - b.digest.seq);
  const from = since ? Date.parse(since) : undefined;
  let previous: SignedDigest | undefined;
  for (const digest of sorted) {
    const { seq } = digest.digest;
    if (!signatureValid(digest, publicKeyPem)) {
      findings.push({ kind: 'forged_digest', digestSeq: seq, detail: `digest ${seq} is not signed by the notary's key` });
      previous = digest;
      continue;
    }
    trusted.push(digest);
    const inScope = from === undefined || Date.parse(digest.digest.at) >= from;
    if (previous === undefined) {
      // The first digest in scope: without --since, it must be the very first one.
      if (from === undefined && (seq !== 1 || digest.digest.previousDigestHash !== GENESIS_HASH))
        findings.push({
          kind: 'missing_digest',
          digestSeq: seq,
          detail: `digests 1-${seq - 1} are missing (the oldest is ${seq})`,
        });
    } else if (seq === previous.digest.seq) {
      findings.push({ kind: 'forged_digest', digestSeq: seq, detail: `two different digests are numbered ${seq}` });
    } else if (inScope && seq !== previous.digest.seq + 1) {
      const gap = previous.digest.seq + 1 === seq - 1 ? `${seq - 1} is` : `${previous.digest.seq + 1}-${seq - 1} are`;
      findings.push({ kind: 'missing_digest', digestSeq: seq, detail: `digest ${gap} missing` });
    } else if (inScope && digest.digest.previousDigestHash !== digestHash(previous.digest)) {
      findings.push({
        kind: 'missing_digest',
        digestSeq: seq,
        detail: `digest ${seq} does not name digest ${previous.digest.seq}: the digest it followed was replaced or removed`,
      });
    }
    previous = digest;
  }
  return { trusted, findings };
}

/** One chain on its own, then against the heads the notary signed. */
export function checkChain(chain: StoredChain, checkpoints: readonly Checkpoint[], cutoff: number): ChainReport {
  const { chainId, entries, holder } = chain;
  const findings: Finding[] = [];
  const add = (finding: Omit<Finding, 'chainId'>) => {
    if (!findings.some((f) => f.kind === finding.kind && f.seq === finding.seq)) findings.push({ chainId, ...finding });
  };
  const intact = new Set(entries.filter((entry) => chainEntry({ ...entry }).hash === entry.hash));

  for (const entry of entries)
    if (!intact.has(entry))
      add({ kind: 'edited_entry', seq: entry.seq, detail: `entry ${entry.seq} no longer matches its hash` });

  // Stored (key) order must be sequence order: entries moved between keys keep their own seq.
  if (entries.some((entry, i) => i > 0 && entry.seq <= entries[i - 1]!.seq))
    add({
      kind: 'reordered_entries',
      detail: `entries are stored in the order ${entries
        .map((e) => e.seq)
        .slice(0, 20)
        .join(', ')}`,
    });

  const bySeq = [...entries].sort((a, b) => a.seq - b.seq);
  let expected = 1;
  let before: AuditEntry | undefined;
  for (const entry of bySeq) {
    if (entry.seq > expected) {
      const gone = entry.seq - 1 === expected ? `entry ${expected} is` : `entries ${expected}-${entry.seq - 1} are`;
      add({ kind: 'deleted_entry', seq: expected, detail: `${gone} gone` });
    } else if (intact.has(entry) && (before ? before.seq === entry.seq - 1 && intact.has(before) : entry.seq === 1)) {
      // Both intact, yet not linked: one was rewritten with a fresh hash and its neighbour still names the old one.
      const link = before?.hash ?? GENESIS_HASH;
      if (entry.prevHash !== link)
        add({ kind: 'edited_entry', seq: entry.seq, detail: `entry ${entry.seq} does not link to entry ${entry.seq - 1}` });
    }
    expected = Math.max(expected, entry.seq + 1);
    before = entry;
  }
  const last = bySeq.at(-1);
  const lastSeq = last?.seq ?? 0;

  if (holder) {
    if (holder.seq > lastSeq)
      add({
        kind: 'truncated_tail',
        seq: lastSeq + 1,
        detail: `the table records head ${holder.seq}, the chain ends at ${lastSeq}: entries ${lastSeq + 1}-${holder.seq} are gone`,
      });
    else if (holder.seq < lastSeq)
      add({
        kind: 'rewound_head',
        seq: holder.seq,
        detail: `the head the table records (${holder.seq}) is behind the last entry (${lastSeq})`,
      });
    else if (last && holder.hash !== last.hash)
      add({ kind: 'edited_entry', seq: lastSeq, detail: `entry ${lastSeq} is not the head the table records` });
  }

  let notarizedSeq = 0;
  for (const checkpoint of [...checkpoints].sort((x, y) => x.seq - y.seq)) {
    notarizedSeq = Math.max(notarizedSeq, checkpoint.seq);
    const entry = bySeq.find((e) => e.seq === checkpoint.seq);
    const signed = `digest ${checkpoint.digestSeq} signed entry ${checkpoint.seq} (${checkpoint.hash.slice(0, 12)})`;
    if (!entry) {
      if (checkpoint.seq < lastSeq) continue; // a gap, reported above
      if (entries.length === 0 && !holder)
        add({ kind: 'deleted_entry', seq: 1, detail: `${signed}; the whole chain and its holder are gone` });
      else if (!holder || holder.seq < checkpoint.seq)
        add({
          kind: 'rewound_head',
          seq: checkpoint.seq,
          detail: `${signed}; the chain and its recorded head now end at ${lastSeq}`,
        });
      // else: the holder still names it: a truncated tail, reported above.
    } else if (entry.hash !== checkpoint.hash && intact.has(entry) && !findings.some((f) => f.kind === 'recomputed_chain')) {
      add({
        kind: 'recomputed_chain',
        seq: checkpoint.seq,
        detail: `${signed}; the table's entry ${checkpoint.seq} is consistent but hashes to ${entry.hash.slice(0, 12)}`,
      });
    }
  }

  let pending = 0;
  for (const entry of bySeq.filter((e) => e.seq > notarizedSeq)) {
    if (Date.parse(entry.at) >= cutoff) pending++;
    else if (!findings.some((f) => f.kind === 'missing_digest'))
      add({
        kind: 'missing_digest',
        seq: entry.seq,
        detail: `entry ${entry.seq} (${entry.at}) is in no digest${notarizedSeq ? ` (the newest signed is ${notarizedSeq})` : ''}`,
      });
  }
  return { chainId, length: entries.length, notarizedSeq, pending, findings };
}
