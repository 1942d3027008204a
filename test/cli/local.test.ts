import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const cwd = mkdtempSync(join(tmpdir(), 'firebreak-local-'));
const run = async (...args: string[]) => {
  const started = performance.now();
  try {
    const { stdout, stderr } = await promisify(execFile)(
      resolve('node_modules/.bin/tsx'),
      [resolve('bin/firebreak.ts'), ...args],
      {
        cwd,
        encoding: 'utf8',
      },
    );
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: performance.now() - started };
  }
};

afterAll(async () => {
  await run('local', 'stop');
  rmSync(cwd, { recursive: true, force: true });
});

describe('firebreak local start|status|stop', () => {
  it('keeps one DynamoDB Local running that --local reads reuse, and stops it', async () => {
    expect(await run('local', 'status')).toMatchObject({ code: 1, stdout: 'No local DynamoDB is running.\n' });
    // Without one, a --local read starts its own for the command, on an empty table before any drill ran.
    expect(await run('incidents', 'list', '--local')).toMatchObject({ code: 0, stdout: 'No incidents.\n', stderr: '' });

    const start = await run('local', 'start', '--json');
    expect(start.code).toBe(0);
    const started = JSON.parse(start.stdout);
    expect(started).toMatchObject({
      running: true,
      started: true,
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(existsSync(join(cwd, '.firebreak', 'local.json'))).toBe(true);

    // A second start reuses it.
    expect(JSON.parse((await run('local', 'start', '--json')).stdout)).toMatchObject({
      started: false,
      endpoint: started.endpoint,
    });

    // A read uses the running server: no Java start (the table is there from the start).
    const list = await run('incidents', 'list', '--local');
    expect(list).toMatchObject({ code: 0, stdout: 'No incidents.\n', stderr: '' });

    const stop = await run('local', 'stop', '--json');
    expect(JSON.parse(stop.stdout)).toMatchObject({ running: false, stopped: true, pid: started.pid });
    expect(existsSync(join(cwd, '.firebreak', 'local.json'))).toBe(false);
    expect((await run('local', 'status')).code).toBe(1);
    expect(await run('local', 'stop')).toMatchObject({ code: 0, stdout: 'No local DynamoDB is running.\n' });
  }, 180_000);
});
