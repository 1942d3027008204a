/**
 * `npm start` as a person sees it: the drill run as the CLI, in a fresh process whose environment says
 * nothing about Powertools, prints its transcript and nothing else — no JSON log or metric line of the
 * functions it runs (they are for CloudWatch), which once flooded the transcript.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const cwd = mkdtempSync(join(tmpdir(), 'firebreak-drill-output-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('the drill in a terminal', () => {
  it('prints the transcript and its verdict, and no Powertools log or metric line', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('POWERTOOLS_')));
    const { stdout } = await promisify(execFile)(
      resolve('node_modules/.bin/tsx'),
      [
        resolve('bin/firebreak.ts'),
        'drill',
        resolve('drills/incident-channel.json'),
        '--config',
        resolve('firebreak.config.json'),
      ],
      { cwd, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    const lines = stdout.split('\n');
    expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(stdout).toContain('Firebreak drill: A SEV2 security incident in its own channel');
    expect(stdout).toMatch(/Expectations: \d+ passed, 0 failed/);
  }, 120_000);
});
