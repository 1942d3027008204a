import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DIGEST_SIGNING_ALGORITHM } from '../../core/audit/digest.ts';

/**
 * Signs with the notary's KMS key (`SIGN_VERIFY`, `ECC_NIST_P256`). The message is hashed here and
 * sent as a digest (KMS takes at most 4 KB of raw message; a digest may name thousands of chains);
 * the signature is the same as over the raw message, so `crypto.verify('sha256', …)` checks it.
 */
export class KmsDigestSigner {
  constructor(
    private readonly kms: KMSClient,
    readonly keyId: string,
  ) {}

  async sign(message: Buffer): Promise<Buffer> {
    const out = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: createHash('sha256').update(message).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: DIGEST_SIGNING_ALGORITHM,
      }),
    );
    if (!out.Signature) throw new Error('KMS returned no signature');
    return Buffer.from(out.Signature);
  }

  async publicKeyPem(): Promise<string> {
    const out = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    if (!out.PublicKey) throw new Error('KMS returned no public key');
    if (out.KeyUsage !== 'SIGN_VERIFY' || !out.SigningAlgorithms?.includes(DIGEST_SIGNING_ALGORITHM))
      throw new Error(`key ${this.keyId} is not an ${DIGEST_SIGNING_ALGORITHM} signing key`);
    return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }
}
