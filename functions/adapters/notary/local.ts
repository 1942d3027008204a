import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DIGEST_PREFIX, SignedDigestSchema, type SignedDigest } from '../../core/audit/digest.ts';

/**
 * The local stand-in for the notary's KMS key: a P-256 key in a PEM file (created on first use,
 * readable by its owner only), signing exactly as KMS's ECDSA_SHA_256 does (DER signatures).
 */
export class LocalDigestSigner {
  readonly keyId: string;
  private readonly privateKey: KeyObject;

  constructor(privateKeyPath: string) {
    if (!existsSync(privateKeyPath)) {
      mkdirSync(dirname(privateKeyPath), { recursive: true });
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    }
    this.privateKey = createPrivateKey(readFileSync(privateKeyPath));
    const spki = createPublicKey(this.privateKey).export({ type: 'spki', format: 'der' });
    this.keyId = `local:${createHash('sha256').update(spki).digest('hex').slice(0, 16)}`;
  }

  async sign(message: Buffer): Promise<Buffer> {
    return sign('sha256', message, this.privateKey);
  }

  async publicKeyPem(): Promise<string> {
    return createPublicKey(this.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  }
}

/**
 * A folder as the write-once digest store (the local stand-in for the Object Lock bucket, and the
 * form an auditor receives digests in): a digest file is created exclusively and made read-only;
 * an existing one is never overwritten.
 */
export class FolderDigestStore {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, DIGEST_PREFIX);
  }

  async latest(): Promise<SignedDigest | undefined> {
    const [newest] = this.names();
    return newest ? this.read(newest) : undefined;
  }

  async putNew(key: string, digest: SignedDigest): Promise<'written' | 'exists'> {
    if (!key.startsWith(DIGEST_PREFIX) || key.slice(DIGEST_PREFIX.length).includes('/'))
      throw new Error(`not a digest key: ${key}`);
    const path = join(this.dir, key.slice(DIGEST_PREFIX.length));
    mkdirSync(this.dir, { recursive: true });
    try {
      writeFileSync(path, `${JSON.stringify(digest, null, 2)}\n`, { flag: 'wx', mode: 0o444 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    }
    chmodSync(path, 0o444);
    return 'written';
  }

  async list(): Promise<{ digests: SignedDigest[]; unreadable: string[] }> {
    const digests: SignedDigest[] = [];
    const unreadable: string[] = [];
    for (const name of this.names()) {
      try {
        digests.push(this.read(name));
      } catch {
        unreadable.push(`${DIGEST_PREFIX}${name}`);
      }
    }
    return { digests, unreadable };
  }

  /** Digest file names, newest first (their names count down). */
  private names(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .sort();
  }

  private read(name: string): SignedDigest {
    return SignedDigestSchema.parse(JSON.parse(readFileSync(join(this.dir, name), 'utf8')));
  }
}
