import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { appendToChain } from '../../functions/core/audit/chain.ts';
import { digestKey, digestMessage, signatureValid, type SignedDigest } from '../../functions/core/audit/digest.ts';
import { verifyAuditTrail } from '../../functions/core/audit/verify-trail.ts';
import { KmsDigestSigner } from '../../functions/adapters/notary/kms-signer.ts';
import { FolderDigestStore, LocalDigestSigner } from '../../functions/adapters/notary/local.ts';
import { S3DigestStore } from '../../functions/adapters/notary/s3-digest-store.ts';
import { createNotaryHandler } from '../../functions/notary/handler.ts';
import { notarize } from '../../functions/workflow/notarize.ts';

const kmsMock = mockClient(KMSClient);
const s3Mock = mockClient(S3Client);
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0b7f2f5e-1111-2222-3333-444455556666';
const BUCKET = 'firebreak-audit-digests';
const AT = new Date('2026-11-23T09:00:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'firebreak-notary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entries = appendToChain(
  'INC-A1B2C3D4E5',
  undefined,
  [
    { action: 'incident.opened', data: {} },
    { action: 'incident.acknowledged', data: {} },
  ],
  'system:test',
  AT.toISOString(),
);
const heads = [{ chainId: 'INC-A1B2C3D4E5', seq: 2, hash: entries[1]!.hash, at: entries[1]!.at }];
const body = (text: string) => ({ transformToString: async () => text }) as never;
const preconditionFailed = () =>
  new S3ServiceException({
    name: 'PreconditionFailed',
    $fault: 'client',
    $metadata: { httpStatusCode: 412 },
    message: 'At least one of the pre-conditions you specified did not hold',
  });

beforeEach(() => {
  kmsMock.reset();
  s3Mock.reset();
});

describe('KmsDigestSigner', () => {
  it('asks KMS to sign the SHA-256 of the message with ECDSA_SHA_256, as a digest', async () => {
    kmsMock.on(SignCommand).resolves({ Signature: Uint8Array.from([1, 2, 3]) });
    const signer = new KmsDigestSigner(new KMSClient({ region: 'us-east-1' }), KEY_ARN);
    expect(await signer.sign(Buffer.from('{"a":1}'))).toEqual(Buffer.from([1, 2, 3]));
    expect(kmsMock.commandCalls(SignCommand).map((call) => call.args[0].input)).toEqual([
      {
        KeyId: KEY_ARN,
        Message: createHash('sha256').update('{"a":1}').digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      },
    ]);
  });

  it('exports the public key as PEM, and refuses a key that cannot sign with ECDSA_SHA_256', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ type: 'spki', format: 'der' });
    kmsMock
      .on(GetPublicKeyCommand)
      .resolvesOnce({ PublicKey: der, KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'] })
      .resolvesOnce({ PublicKey: der, KeyUsage: 'ENCRYPT_DECRYPT' });
    const signer = new KmsDigestSigner(new KMSClient({ region: 'us-east-1' }), KEY_ARN);
    expect(await signer.publicKeyPem()).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await expect(signer.publicKeyPem()).rejects.toThrow(/not an ECDSA_SHA_256 signing key/);
    expect(kmsMock.commandCalls(GetPublicKeyCommand).map((call) => call.args[0].input)).toEqual([
      { KeyId: KEY_ARN },
      { KeyId: KEY_ARN },
    ]);
  });
});

describe('S3DigestStore', () => {
  const store = () => new S3DigestStore(new S3Client({ region: 'us-east-1' }), BUCKET);
  const signer = new LocalDigestSigner(join(dir, 'key-s3.pem'));

  it('writes each digest once, conditionally and with a checksum, after the newest one listed', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3Mock.on(PutObjectCommand).resolves({});
    const written = await notarize(heads, { signer, store: store(), now: () => AT });
    expect(written!.digest).toMatchObject({ seq: 1, heads, keyId: signer.keyId });
    expect(s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Prefix: 'digests/', MaxKeys: 1 },
    ]);
    expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      {
        Bucket: BUCKET,
        Key: digestKey(1),
        Body: JSON.stringify(written),
        ContentType: 'application/json',
        IfNoneMatch: '*',
        ChecksumAlgorithm: 'SHA256',
      },
    ]);
    expect(signatureValid(written!, await signer.publicKeyPem())).toBe(true);
  });

  it('follows a concurrent notary that took the number: re-reads the newest and signs the next', async () => {
    const first = (await notarize(heads, {
      signer,
      store: {
        latest: async () => undefined,
        putNew: async () => 'written',
        list: async () => ({ digests: [], unreadable: [] }),
      },
      now: () => AT,
    }))!;
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [] })
      .resolvesOnce({ Contents: [{ Key: digestKey(1) }] });
    s3Mock.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(first)) });
    s3Mock.on(PutObjectCommand).rejectsOnce(preconditionFailed()).resolves({});
    const written = await notarize(heads, { signer, store: store(), now: () => AT });
    expect(written!.digest).toMatchObject({ seq: 2 });
    expect(s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: digestKey(1) },
    ]);
    expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([digestKey(1), digestKey(2)]);
    const report = verifyAuditTrail({
      chains: [{ chainId: 'INC-A1B2C3D4E5', entries, holder: { seq: 2, hash: entries[1]!.hash } }],
      digests: [first, written!],
      publicKeyPem: await signer.publicKeyPem(),
      now: AT.toISOString(),
    });
    expect(report.clean).toBe(true);
  });

  it('lists every digest page by page and reports what is not a digest', async () => {
    const one = (await notarize(heads, {
      signer,
      store: {
        latest: async () => undefined,
        putNew: async () => 'written',
        list: async () => ({ digests: [], unreadable: [] }),
      },
      now: () => AT,
    }))!;
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: digestKey(1) }], NextContinuationToken: 'next' })
      .resolvesOnce({ Contents: [{ Key: 'digests/garbage.json' }] });
    s3Mock.on(GetObjectCommand, { Key: digestKey(1) }).resolves({ Body: body(JSON.stringify(one)) });
    s3Mock.on(GetObjectCommand, { Key: 'digests/garbage.json' }).resolves({ Body: body('{"digest":1}') });
    expect(await store().list()).toEqual({ digests: [one], unreadable: ['digests/garbage.json'] });
    expect(s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Prefix: 'digests/', ContinuationToken: undefined },
      { Bucket: BUCKET, Prefix: 'digests/', ContinuationToken: 'next' },
    ]);
  });

  it('fails on any other S3 error, so the batch is retried', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({});
    s3Mock
      .on(PutObjectCommand)
      .rejects(
        new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'denied' }),
      );
    await expect(notarize(heads, { signer, store: store(), now: () => AT })).rejects.toThrow(/denied/);
  });
});

describe('the local stand-ins', () => {
  it('a local key signs like KMS (DER ECDSA over SHA-256) and keeps its private key to its owner', async () => {
    const path = join(dir, 'key-local.pem');
    const signer = new LocalDigestSigner(path);
    const signature = await signer.sign(Buffer.from('message'));
    expect(verify('sha256', Buffer.from('message'), await signer.publicKeyPem(), signature)).toBe(true);
    expect(statSync(path).mode & 0o077).toBe(0);
    // The same file, the same key.
    expect(new LocalDigestSigner(path).keyId).toBe(signer.keyId);
  });

  it('a folder refuses to overwrite a digest, lists the newest first and reports unreadable files', async () => {
    const signer = new LocalDigestSigner(join(dir, 'key-folder.pem'));
    const store = new FolderDigestStore(join(dir, 'store'));
    const first = (await notarize(heads, { signer, store, now: () => AT }))!;
    const second = (await notarize(heads, { signer, store, now: () => AT }))!;
    expect(second.digest.seq).toBe(2);
    expect(await store.latest()).toEqual(second);
    expect(await store.putNew(digestKey(1), second)).toBe('exists');
    expect(JSON.parse(readFileSync(join(dir, 'store', digestKey(1)), 'utf8'))).toEqual(first);
    await expect(store.putNew('../escape.json', first)).rejects.toThrow(/not a digest key/);
    writeFileSync(join(dir, 'store', 'digests', 'zz-not-a-digest.json'), 'nope');
    const listed = await store.list();
    expect(listed.digests.map((d: SignedDigest) => d.digest.seq)).toEqual([2, 1]);
    expect(listed.unreadable).toEqual(['digests/zz-not-a-digest.json']);
  });
});

describe('the notary handler', () => {
  const record = (image: Record<string, unknown>, n: number): DynamoDBRecord => ({
    eventName: 'INSERT',
    dynamodb: { NewImage: marshall(image) as never, SequenceNumber: String(100 + n) },
  });

  it('signs one digest with the newest head of each chain in the batch, and skips a key that is not an entry', async () => {
    const signer = new LocalDigestSigner(join(dir, 'key-handler.pem'));
    const store = new FolderDigestStore(join(dir, 'handler-store'));
    const handler = createNotaryHandler(() => ({ signer, store, now: () => AT }));
    const hold = appendToChain(
      'HOLD#payments',
      undefined,
      [{ action: 'release.held', data: {} }],
      'system:deployments',
      AT.toISOString(),
    );
    const items = [...entries, ...hold].map((entry) => ({ pk: 'x', sk: `AUD#${entry.seq}`, type: 'audit', ...entry }));
    const result = await handler(
      {
        Records: [
          record(items[1]!, 1),
          record(items[0]!, 2),
          record(items[2]!, 3),
          record({ pk: 'INC#X', sk: 'AUD#1', seq: 'one' }, 4),
        ],
      },
      {} as never,
    );
    expect(result).toEqual({ digestSeq: 1 });
    const latest = (await store.latest())!;
    expect(latest.digest.heads.map((h) => [h.chainId, h.seq])).toEqual([
      ['HOLD#payments', 1],
      ['INC-A1B2C3D4E5', 2],
    ]);
    expect(digestMessage(latest.digest)).toContain(entries[1]!.hash);
    // Nothing changed: no digest.
    expect(await handler({ Records: [] }, {} as never)).toEqual({ digestSeq: null });
  });
});
