import { createPublicKey, verify } from 'node:crypto';
import * as z from '../zod.ts';
import { canonicalJson, GENESIS_HASH, sha256 } from './chain.ts';

/**
 * The notary's signed digests, after CloudTrail's digest files and Certificate Transparency's
 * signed tree heads: each names the head of every audit chain that changed since the previous
 * digest, and that digest's hash, and is signed with an asymmetric key only the notary may use.
 * Deleting, editing or re-signing history then needs the key or breaks the digest chain. Pure.
 */

/** The one signing algorithm: ECDSA on P-256 over SHA-256 (KMS `ECDSA_SHA_256`, node `sign('sha256', …)`), DER signatures. */
export const DIGEST_SIGNING_ALGORITHM = 'ECDSA_SHA_256';
export const DIGEST_FORMAT_VERSION = 1;
/** Where digests live in a bucket or a folder. */
export const DIGEST_PREFIX = 'digests/';

/** The newest link of one chain: an incident's (`INC-…`) or a release hold's (`HOLD#<service>`). */
export interface ChainHead {
  readonly chainId: string;
  readonly seq: number;
  readonly hash: string;
  /** When that entry was written (its own `at`). */
  readonly at: string;
}

export interface DigestBody {
  readonly version: typeof DIGEST_FORMAT_VERSION;
  /** 1, 2, 3…: a gap is a missing digest. */
  readonly seq: number;
  readonly at: string;
  /** The previous digest's hash (`digestHash`), or the genesis hash for the first. */
  readonly previousDigestHash: string;
  /** The signing key (a KMS key ARN, or `local:<fingerprint>`). */
  readonly keyId: string;
  /** Every chain head seen since the previous digest, by chain id. */
  readonly heads: readonly ChainHead[];
}

export interface SignedDigest {
  readonly digest: DigestBody;
  readonly algorithm: typeof DIGEST_SIGNING_ALGORITHM;
  /** Base64 DER signature over `digestMessage(digest)`. */
  readonly signature: string;
}

const Hash = z.string().check(z.regex(/^[0-9a-f]{64}$/));
export const SignedDigestSchema = z.strictObject({
  digest: z.strictObject({
    version: z.literal(DIGEST_FORMAT_VERSION),
    seq: z.number().check(z.int(), z.positive()),
    at: z.string().check(z.minLength(1), z.maxLength(64)),
    previousDigestHash: Hash,
    keyId: z.string().check(z.minLength(1), z.maxLength(2048)),
    heads: z.array(
      z.strictObject({
        chainId: z.string().check(z.minLength(1), z.maxLength(1024)),
        seq: z.number().check(z.int(), z.positive()),
        hash: Hash,
        at: z.string().check(z.maxLength(64)),
      }),
    ),
  }),
  algorithm: z.literal(DIGEST_SIGNING_ALGORITHM),
  signature: z.string().check(z.regex(/^[A-Za-z0-9+/]+={0,2}$/)),
}) satisfies z.ZodMiniType<SignedDigest>;

/** The bytes that are signed: the body as canonical JSON. */
export const digestMessage = (body: DigestBody): string => canonicalJson(body);

/** What the next digest names as its predecessor. */
export const digestHash = (body: DigestBody): string => sha256(digestMessage(body));

/**
 * A digest's object key. The first part counts down, so an S3 listing (ascending) finds the newest
 * digest first with one call; the second is the sequence number, for people.
 */
export function digestKey(seq: number): string {
  const width = 12;
  return `${DIGEST_PREFIX}${String(10 ** width - seq).padStart(width, '0')}-${String(seq).padStart(width, '0')}.json`;
}

/** The newest head of each chain among entries (any order, duplicates allowed), sorted by chain id. */
export function chainHeads(
  entries: ReadonlyArray<{ readonly incidentId: string; readonly seq: number; readonly hash: string; readonly at: string }>,
): ChainHead[] {
  const heads = new Map<string, ChainHead>();
  for (const { incidentId: chainId, seq, hash, at } of entries) {
    const known = heads.get(chainId);
    if (!known || seq > known.seq) heads.set(chainId, { chainId, seq, hash, at });
  }
  return [...heads.values()].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
}

/** The digest that follows `previous` (the newest one stored, if any), or nothing when no chain changed. */
export function nextDigest(
  previous: SignedDigest | undefined,
  heads: readonly ChainHead[],
  at: string,
  keyId: string,
): DigestBody | undefined {
  if (heads.length === 0) return undefined;
  return {
    version: DIGEST_FORMAT_VERSION,
    seq: (previous?.digest.seq ?? 0) + 1,
    at,
    previousDigestHash: previous ? digestHash(previous.digest) : GENESIS_HASH,
    keyId,
    heads,
  };
}

/** Whether `signature` is the holder of `publicKeyPem`'s signature of this body. Never throws on bad input. */
export function signatureValid(digest: SignedDigest, publicKeyPem: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    return verify('sha256', Buffer.from(digestMessage(digest.digest)), key, Buffer.from(digest.signature, 'base64'));
  } catch {
    return false;
  }
}
