import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * The postmortem copies in S3: one object per delivered draft. The bucket's default encryption (the
 * stack's KMS key) applies; the function may only put objects under `postmortems/`.
 */
export class S3PostmortemArchive {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, content: string, contentType: string): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: content, ContentType: contentType }));
    return `s3://${this.bucket}/${key}`;
  }
}

/** The local runtime's archive: kept in memory, so drills and tests can read what would be in S3. */
export class InMemoryPostmortemArchive {
  readonly objects = new Map<string, { content: string; contentType: string }>();

  async put(key: string, content: string, contentType: string): Promise<string> {
    this.objects.set(key, { content, contentType });
    return `memory://postmortems/${key}`;
  }
}
