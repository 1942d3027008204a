/**
 * `firebreak local start|stop|status`: one long-lived DynamoDB Local on the drills' on-disk
 * database, so `--local` reads and drills reuse it instead of starting Java each time.
 */
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import type { CommonOptions } from './program.ts';
import {
  answers,
  ensureLocalTable,
  LOCAL_DB_PATH,
  LOCAL_STATE_PATH,
  progress,
  readLocalState,
  removeLocalState,
  writeLocalState,
} from './local-table.ts';

export async function localStart(options: CommonOptions): Promise<number> {
  const state = readLocalState();
  if (state && (await answers(state.endpoint))) {
    print(options, { running: true, endpoint: state.endpoint, pid: state.pid, started: false });
    return 0;
  }
  progress('firebreak: starting DynamoDB Local…');
  const local = await startDynamoDbLocal({ dbPath: LOCAL_DB_PATH, detached: true });
  if (!local.pid) throw new Error('DynamoDB Local started without a process id');
  writeLocalState({ pid: local.pid, endpoint: local.endpoint, startedAt: new Date().toISOString() });
  // The table exists from the start, so `incidents --local` answers before any drill ran.
  await ensureLocalTable(local.endpoint);
  print(options, { running: true, endpoint: local.endpoint, pid: local.pid, started: true });
  return 0;
}

export async function localStop(options: CommonOptions): Promise<number> {
  const state = readLocalState();
  if (!state) {
    print(options, { running: false, stopped: false });
    return 0;
  }
  // Only a server that still answers is signalled: a stale file's pid may belong to another process by now.
  if (await answers(state.endpoint)) {
    try {
      process.kill(state.pid, 'SIGTERM');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  for (let waited = 0; waited < 10_000 && (await answers(state.endpoint)); waited += 200)
    await new Promise((resolve) => setTimeout(resolve, 200));
  removeLocalState();
  print(options, { running: false, stopped: true, pid: state.pid });
  return 0;
}

/** Exit 0 while it runs, 1 when it does not (scripts can wait on it). */
export async function localStatus(options: CommonOptions): Promise<number> {
  const state = readLocalState();
  const running = Boolean(state && (await answers(state.endpoint)));
  print(options, running ? { running, endpoint: state!.endpoint, pid: state!.pid } : { running });
  return running ? 0 : 1;
}

function print(options: CommonOptions, view: Record<string, unknown>): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return;
  }
  if (view.running)
    process.stdout.write(
      `DynamoDB Local ${view.started === false ? 'is already running' : view.started ? 'started' : 'is running'} at ${view.endpoint} (pid ${view.pid}, data in ${LOCAL_DB_PATH}, state in ${LOCAL_STATE_PATH}); --local commands and drills use it until "firebreak local stop".\n`,
    );
  else process.stdout.write(view.stopped ? `Stopped DynamoDB Local (pid ${view.pid}).\n` : 'No local DynamoDB is running.\n');
}
