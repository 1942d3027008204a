import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { AuditReport } from '../core/audit/verify-trail.ts';
import { AUDIT_STREAM_FILTER, DynamoAuditChains } from '../adapters/dynamodb/audit-chains.ts';
import { Table } from '../adapters/dynamodb/table.ts';
import { FolderDigestStore, LocalDigestSigner } from '../adapters/notary/local.ts';
import { verifyAudit } from '../workflow/audit-verify.ts';
import { lambdaContext } from './event-bus.ts';
import { LocalStreamReader } from './stream-relay.ts';

/** Where the drill's notary keeps its key (`notary-key.pem`) and digests (`digests/`), next to its database. */
export const notaryKeyPath = (dir: string): string => join(dir, 'notary-key.pem');

export interface LocalNotary {
  readonly dir: string;
  readonly signer: LocalDigestSigner;
  readonly store: FolderDigestStore;
  readonly stream: LocalStreamReader;
  /** Reads the stream and signs what waits in the batching window now (a drill's end). */
  flush(): Promise<void>;
  /** Signs what waits once the batching window has passed on the virtual clock. */
  tick(): Promise<void>;
  /** Batches the notary failed on so far (kept and signed on a later tick, as Lambda retries). */
  readonly failures: number;
  /** `firebreak audit verify --all` on this runtime's table and digests. */
  verify(): Promise<AuditReport>;
  close(): void;
}

/**
 * The notary on one machine: its own reader of DynamoDB Local's stream (the deployed filter), a
 * local P-256 key and a folder as the write-once store. The event source mapping's batching window
 * is kept on the virtual clock: records wait until `digestWindowSeconds` passed since the first.
 */
export async function startLocalNotary(input: {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  readonly tableName: string;
  readonly now: () => Date;
  readonly windowSeconds: number;
  /** Kept across runs for the key; its digests are cleared with the table they notarized. Default: a temporary folder. */
  readonly dir?: string;
}): Promise<LocalNotary> {
  const { createNotaryHandler } = await import('../notary/handler.ts');
  const temporary = input.dir === undefined;
  const dir = input.dir ?? mkdtempSync(join(tmpdir(), 'firebreak-notary-'));
  // The table is created afresh: digests of the previous table would name chains that are gone.
  rmSync(join(dir, 'digests'), { recursive: true, force: true });
  const signer = new LocalDigestSigner(notaryKeyPath(dir));
  const store = new FolderDigestStore(dir);
  const handler = createNotaryHandler(() => ({ signer, store, now: input.now }));

  const waiting: DynamoDBRecord[] = [];
  let firstAt: number | undefined;
  const sign = async () => {
    if (waiting.length === 0) return;
    const batch = waiting.splice(0);
    firstAt = undefined;
    try {
      await handler({ Records: batch }, lambdaContext('notary'));
    } catch (error) {
      waiting.unshift(...batch);
      firstAt ??= input.now().getTime();
      throw error;
    }
  };
  const due = () => firstAt !== undefined && input.now().getTime() - firstAt >= input.windowSeconds * 1000;
  const stream = new LocalStreamReader(
    input.client,
    input.endpoint,
    input.tableName,
    async (event) => {
      waiting.push(...event.Records);
      firstAt ??= input.now().getTime();
      if (due()) await sign();
    },
    { filter: AUDIT_STREAM_FILTER, batchSize: 10_000, functionName: 'notary' },
  );
  const chains = new DynamoAuditChains(new Table(input.client, input.tableName));
  let failures = 0;
  return {
    dir,
    signer,
    store,
    stream,
    get failures() {
      return failures;
    },
    flush: async () => {
      await stream.pumpAll();
      await sign();
    },
    tick: async () => {
      // A failed signing waits for the next tick, as Lambda retries the batch; it never stops the bus.
      try {
        await stream.pump();
        if (due()) await sign();
      } catch {
        failures++;
      }
    },
    verify: async () =>
      verifyAudit({ all: true }, { chains, digests: store, publicKeyPem: await signer.publicKeyPem(), now: input.now }),
    close: () => {
      stream.close();
      if (temporary) rmSync(dir, { recursive: true, force: true });
    },
  };
}
