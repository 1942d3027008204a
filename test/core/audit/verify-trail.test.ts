import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendToChain, chainEntry, type AuditEntry } from '../../../functions/core/audit/chain.ts';
import {
  chainHeads,
  digestKey,
  digestMessage,
  nextDigest,
  signatureValid,
  SignedDigestSchema,
  type SignedDigest,
} from '../../../functions/core/audit/digest.ts';
import { verifyAuditTrail, type StoredChain, type TamperKind } from '../../../functions/core/audit/verify-trail.ts';

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const AT = '2026-11-23T09:00:00.000Z';
const LATER = '2026-11-23T12:00:00.000Z';

function chainOf(chainId: string, length: number): AuditEntry[] {
  const actions = Array.from({ length }, (_, i) => ({ action: `step.${i + 1}`, data: { n: i + 1 } }));
  return appendToChain(chainId, undefined, actions, 'system:test', AT);
}
const stored = (chainId: string, entries: AuditEntry[], holder = entries.at(-1)): StoredChain => ({
  chainId,
  entries,
  holder: holder && { seq: holder.seq, hash: holder.hash },
});

function signedBy(privateKey: typeof keys.privateKey, previous: SignedDigest | undefined, entries: AuditEntry[]): SignedDigest {
  const digest = nextDigest(previous, chainHeads(entries), AT, 'local:test')!;
  return {
    digest,
    algorithm: 'ECDSA_SHA_256',
    signature: sign('sha256', Buffer.from(digestMessage(digest)), privateKey).toString('base64'),
  };
}
/** Digests as the notary writes them: one per batch of entries, chained. */
function notarize(...batches: AuditEntry[][]): SignedDigest[] {
  const out: SignedDigest[] = [];
  for (const batch of batches) out.push(signedBy(keys.privateKey, out.at(-1), batch));
  return out;
}
const kinds = (chains: StoredChain[], digests: SignedDigest[]): TamperKind[] => {
  const report = verifyAuditTrail({ chains, digests, publicKeyPem, now: LATER });
  return [...report.digests.findings, ...report.chains.flatMap((c) => c.findings)].map((f) => f.kind);
};
/** The table's chain after someone rewrote entry `seq` and recomputed every hash after it. */
function recomputedFrom(entries: AuditEntry[], seq: number, data: Record<string, unknown>): AuditEntry[] {
  const out: AuditEntry[] = entries.slice(0, seq - 1);
  for (const entry of entries.slice(seq - 1)) {
    const prevHash = out.at(-1)?.hash ?? entry.prevHash;
    out.push(chainEntry({ ...entry, ...(entry.seq === seq ? { data } : {}), prevHash }));
  }
  return out;
}

describe('digests', () => {
  it('name the newest head of each chain, chained to the previous digest, and verify with the public key', () => {
    const a = chainOf('INC-A', 3);
    const b = chainOf('HOLD#payments', 2);
    const [first, second] = notarize([...a.slice(0, 2), b[0]!], [b[1]!, a[2]!, a[0]!]);
    expect(first!.digest.heads.map((h) => [h.chainId, h.seq])).toEqual([
      ['HOLD#payments', 1],
      ['INC-A', 2],
    ]);
    expect(second!.digest).toMatchObject({
      seq: 2,
      heads: [
        { chainId: 'HOLD#payments', seq: 2 },
        { chainId: 'INC-A', seq: 3 },
      ],
    });
    expect(second!.digest.previousDigestHash).not.toBe(first!.digest.previousDigestHash);
    expect(signatureValid(second!, publicKeyPem)).toBe(true);
    expect(SignedDigestSchema.parse(JSON.parse(JSON.stringify(second)))).toEqual(second);
    expect(kinds([stored('INC-A', a), stored('HOLD#payments', b)], [first!, second!])).toEqual([]);
  });

  it('are not written when no chain changed, and their keys list newest first', () => {
    expect(nextDigest(undefined, [], AT, 'k')).toBeUndefined();
    expect([digestKey(2), digestKey(1), digestKey(10)].sort()).toEqual([digestKey(10), digestKey(2), digestKey(1)]);
  });

  it('refuse a signature by another key, or a body changed after signing (forged digest)', () => {
    const a = chainOf('INC-A', 2);
    const forged = signedBy(other.privateKey, undefined, a);
    expect(kinds([stored('INC-A', a)], [forged])).toContain('forged_digest');
    const [honest] = notarize(a);
    const edited = { ...honest!, digest: { ...honest!.digest, heads: chainHeads(a.slice(0, 1)) } };
    expect(kinds([stored('INC-A', a)], [edited])).toEqual(expect.arrayContaining(['forged_digest']));
    expect(signatureValid({ ...honest!, signature: 'AAAA' }, publicKeyPem)).toBe(false);
    expect(signatureValid(honest!, 'not a key')).toBe(false);
  });

  it('report a digest removed from the middle or the start (missing digest)', () => {
    const a = chainOf('INC-A', 3);
    const digests = notarize([a[0]!], [a[1]!], [a[2]!]);
    expect(kinds([stored('INC-A', a)], [digests[0]!, digests[2]!])).toEqual(['missing_digest']);
    expect(kinds([stored('INC-A', a)], digests.slice(1))).toEqual(['missing_digest']);
    // --since: older digests are taken on trust.
    const since = verifyAuditTrail({
      chains: [stored('INC-A', a)],
      digests: digests.slice(1),
      publicKeyPem,
      now: LATER,
      since: AT,
    });
    expect(since.clean).toBe(true);
  });

  it('report entries no digest covers once the grace period is over (missing digest), and count newer ones as pending', () => {
    const a = chainOf('INC-A', 3);
    const digests = notarize(a.slice(0, 2));
    expect(kinds([stored('INC-A', a)], digests)).toEqual(['missing_digest']);
    const fresh = verifyAuditTrail({ chains: [stored('INC-A', a)], digests, publicKeyPem, now: '2026-11-23T09:05:00.000Z' });
    expect(fresh.clean).toBe(true);
    expect(fresh.chains[0]).toMatchObject({ notarizedSeq: 2, pending: 1 });
  });
});

describe('each kind of tampering with a chain is named', () => {
  const a = chainOf('INC-A', 5);
  const digests = notarize(a.slice(0, 3), a.slice(3));

  it('a clean chain has no finding', () => {
    expect(kinds([stored('INC-A', a)], digests)).toEqual([]);
  });

  it('edited entry: its data changed, its hash kept', () => {
    const edited = a.map((e) => (e.seq === 2 ? { ...e, data: { n: 99 } } : e));
    expect(kinds([stored('INC-A', edited)], digests)).toEqual(['edited_entry']);
  });

  it('edited entry: rewritten with a fresh hash, the next entry still names the old one', () => {
    const rewritten = a.map((e) => (e.seq === 2 ? chainEntry({ ...e, actor: 'slack:U0CTO000001' }) : e));
    expect(kinds([stored('INC-A', rewritten)], digests)).toEqual(['edited_entry']);
  });

  it('deleted entry: one from the middle', () => {
    expect(
      kinds(
        [
          stored(
            'INC-A',
            a.filter((e) => e.seq !== 3),
          ),
        ],
        digests,
      ),
    ).toEqual(['deleted_entry']);
  });

  it('reordered entries: two entries swapped between their keys', () => {
    expect(kinds([stored('INC-A', [a[1]!, a[0]!, ...a.slice(2)])], digests)).toEqual(['reordered_entries']);
  });

  it('truncated tail: the newest entries deleted, the holder still names the old head', () => {
    expect(kinds([stored('INC-A', a.slice(0, 3), a[4])], digests)).toEqual(['truncated_tail']);
  });

  it('rewound head: the newest entries deleted and the head moved back to match (only the digest knows)', () => {
    expect(kinds([stored('INC-A', a.slice(0, 3))], digests)).toEqual(['rewound_head']);
    // Without the digest, the table alone looks consistent: this is what the notary adds.
    expect(kinds([stored('INC-A', a.slice(0, 3))], [])).toEqual(['missing_digest']);
  });

  it('rewound head: the recorded head moved back, the entries left', () => {
    expect(kinds([stored('INC-A', a, a[2])], digests)).toEqual(['rewound_head']);
  });

  it('recomputed chain: an entry changed and every hash after it recomputed, the head updated', () => {
    const recomputed = recomputedFrom(a, 2, { n: 'nothing happened' });
    expect(kinds([stored('INC-A', recomputed)], digests)).toEqual(['recomputed_chain']);
  });

  it('a whole chain and its holder deleted', () => {
    expect(kinds([{ chainId: 'INC-A', entries: [], holder: undefined }], digests)).toEqual(['deleted_entry']);
  });

  it('a release hold chain is checked like an incident chain', () => {
    const hold = chainOf('HOLD#payments', 2);
    const holdDigests = notarize(hold);
    expect(kinds([stored('HOLD#payments', hold)], holdDigests)).toEqual([]);
    expect(kinds([stored('HOLD#payments', hold.slice(0, 1))], holdDigests)).toEqual(['rewound_head']);
  });
});
