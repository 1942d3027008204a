import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../environment.ts';
import { KmsDigestSigner } from '../notary/kms-signer.ts';
import { S3DigestStore } from '../notary/s3-digest-store.ts';

interface DeployedNotary {
  readonly signer: KmsDigestSigner;
  readonly store: S3DigestStore;
  readonly now: () => Date;
}

let notary: DeployedNotary | undefined;
/** The notary's KMS signing key and its Object Lock bucket. */
export function deployedNotary(): DeployedNotary {
  return (notary ??= {
    signer: new KmsDigestSigner(new KMSClient({}), requireEnv('NOTARY_KEY_ID')),
    store: new S3DigestStore(new S3Client({}), requireEnv('DIGEST_BUCKET')),
    now: () => new Date(),
  });
}
