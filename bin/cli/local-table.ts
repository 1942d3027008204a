/**
 * The local table `--local` commands and drills use: the long-lived DynamoDB Local that
 * `firebreak local start` left running (its endpoint is in .firebreak/local.json), else a DynamoDB
 * Local started for this one command on the database the last drill left on disk.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import * as z from '../../functions/core/zod.ts';
import { createFirebreakTable, localClient, startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';

/** Where drills keep their database, so `incidents --local` can read what the last drill left. */
export const LOCAL_DB_PATH = '.firebreak/local-db';
export const LOCAL_TABLE = 'firebreak-local';
/** Where drills keep the notary's local key and signed digests, for `audit verify --local`. */
export const LOCAL_NOTARY_DIR = '.firebreak/audit';
/** What `firebreak local start` records about the server it left running. */
export const LOCAL_STATE_PATH = '.firebreak/local.json';

const LocalStateSchema = z.strictObject({
  pid: z.number().check(z.int(), z.positive()),
  endpoint: z.string().check(z.regex(/^http:\/\/127\.0\.0\.1:\d{1,5}$/)),
  startedAt: z.string(),
});
export type LocalState = z.infer<typeof LocalStateSchema>;

export function readLocalState(path = LOCAL_STATE_PATH): LocalState | undefined {
  try {
    const parsed = LocalStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeLocalState(state: LocalState, path = LOCAL_STATE_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}

export function removeLocalState(path = LOCAL_STATE_PATH): void {
  rmSync(path, { force: true });
}

/** Whether a DynamoDB Local answers on `endpoint` within a second. */
export async function answers(endpoint: string): Promise<boolean> {
  const client = localClient(endpoint);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/** The endpoint of the running `firebreak local start` server, if it answers. */
export async function runningLocal(): Promise<string | undefined> {
  const state = readLocalState();
  return state && (await answers(state.endpoint)) ? state.endpoint : undefined;
}

/** A progress line on a terminal only (scripts read stderr for errors). */
export function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${text}\n`);
}

/** Creates the local table when no drill made it yet, so a read finds an empty table rather than an error. */
export async function ensureLocalTable(endpoint: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({}));
    if (!TableNames.includes(LOCAL_TABLE)) await createFirebreakTable(client, LOCAL_TABLE);
  } finally {
    client.destroy();
  }
}

/** The running local server, else one started for this command (stopped by `release`). */
export async function openLocalTable(): Promise<{ endpoint: string; release: () => Promise<void> }> {
  const running = await runningLocal();
  if (running) return { endpoint: running, release: async () => undefined };
  progress('firebreak: starting DynamoDB Local (about 15 s; `firebreak local start` keeps one running)…');
  const local = await startDynamoDbLocal({ dbPath: LOCAL_DB_PATH });
  try {
    await ensureLocalTable(local.endpoint);
  } catch (error) {
    await local.stop();
    throw error;
  }
  return { endpoint: local.endpoint, release: () => local.stop() };
}
