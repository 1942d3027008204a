import {
  DIGEST_SIGNING_ALGORITHM,
  digestKey,
  digestMessage,
  nextDigest,
  type ChainHead,
  type SignedDigest,
} from '../core/audit/digest.ts';
import type { DigestSigner, DigestStore } from './ports/notary.ts';

export interface NotaryDependencies {
  readonly signer: DigestSigner;
  readonly store: DigestStore;
  readonly now: () => Date;
}

/** Concurrent notaries (one per stream shard) rarely race for one number; each loss costs a re-read. */
const MAX_ATTEMPTS = 5;

/**
 * Signs the heads of the chains a stream batch changed into the digest after the newest stored one.
 * Write-once keys decide races: a notary that finds its number taken reads the winner and follows
 * it. A crash after the write is harmless: the retried batch signs the same heads into the next
 * digest. Returns the digest written, or undefined when no chain changed.
 */
export async function notarize(heads: readonly ChainHead[], deps: NotaryDependencies): Promise<SignedDigest | undefined> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const previous = await deps.store.latest();
    const body = nextDigest(previous, heads, deps.now().toISOString(), deps.signer.keyId);
    if (!body) return undefined;
    const signature = await deps.signer.sign(Buffer.from(digestMessage(body)));
    const digest: SignedDigest = { digest: body, algorithm: DIGEST_SIGNING_ALGORITHM, signature: signature.toString('base64') };
    if ((await deps.store.putNew(digestKey(body.seq), digest)) === 'written') return digest;
  }
  throw new Error(`digest numbers kept being taken by concurrent notaries (${MAX_ATTEMPTS} attempts); the batch is retried`);
}
