import type { SignedDigest } from '../../core/audit/digest.ts';

/** Signs digests with the notary's asymmetric key (KMS when deployed, a local P-256 key offline). */
export interface DigestSigner {
  /** Recorded in each digest: which key signed it. */
  readonly keyId: string;
  /** A DER ECDSA P-256 signature over SHA-256 of the message. */
  sign(message: Buffer): Promise<Buffer>;
  /** The public key, PEM (SPKI), for auditors. */
  publicKeyPem(): Promise<string>;
}

/** Where signed digests are kept, write-once (S3 with Object Lock when deployed, a folder offline). */
export interface DigestStore {
  /** The newest digest, if any. */
  latest(): Promise<SignedDigest | undefined>;
  /** Writes a digest under its key unless one is there already (a concurrent notary won that number). */
  putNew(key: string, digest: SignedDigest): Promise<'written' | 'exists'>;
  /** Every digest, in any order; what cannot be read as a digest is reported, not skipped. */
  list(): Promise<{ digests: SignedDigest[]; unreadable: string[] }>;
}
