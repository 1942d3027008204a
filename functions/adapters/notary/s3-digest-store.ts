import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { DIGEST_PREFIX, SignedDigestSchema, type SignedDigest } from '../../core/audit/digest.ts';

/**
 * Digests in the notary's bucket (Object Lock, versioned, KMS-encrypted). Keys count down, so the
 * first key listed is the newest digest. A write is conditional (`If-None-Match: *`): a number
 * another notary already wrote is never overwritten, not even by a new version.
 */
export class S3DigestStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async latest(): Promise<SignedDigest | undefined> {
    const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: DIGEST_PREFIX, MaxKeys: 1 }));
    const key = page.Contents?.[0]?.Key;
    return key ? this.read(key) : undefined;
  }

  async putNew(key: string, digest: SignedDigest): Promise<'written' | 'exists'> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(digest),
          ContentType: 'application/json',
          IfNoneMatch: '*',
          // Object Lock buckets refuse writes without an integrity checksum.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      return 'written';
    } catch (error) {
      // 412: the key exists; 409: a concurrent conditional write to it is in flight.
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      if (status === 412 || status === 409) return 'exists';
      throw error;
    }
  }

  async list(): Promise<{ digests: SignedDigest[]; unreadable: string[] }> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: DIGEST_PREFIX, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token);
    const digests: SignedDigest[] = [];
    const unreadable: string[] = [];
    for (const key of keys) {
      try {
        digests.push(await this.read(key));
      } catch {
        unreadable.push(key);
      }
    }
    return { digests, unreadable };
  }

  private async read(key: string): Promise<SignedDigest> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const text = await out.Body!.transformToString('utf8');
    return SignedDigestSchema.parse(JSON.parse(text));
  }
}
