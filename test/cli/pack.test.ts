import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'firebreak-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What a CI job does: `npm pack`, install the tarball into an empty folder (offline: it has no dependencies), run it. */
describe('the packed CLI', () => {
  it('installs from its tarball into an empty folder and runs --version and config check on plain Node', async () => {
    // prepack builds dist/firebreak.js first.
    await exec('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: resolve('.'), maxBuffer: 16 * 1024 * 1024 });
    const [tarball] = readdirSync(work).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toBe(`firebreak-${packageJson.version}.tgz`);

    const app = join(work, 'app');
    await exec('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'ci-job', version: '1.0.0', private: true }));
    await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, tarball!)], { cwd: app });
    // One package, no dependencies to fetch, no tsx, no TypeScript sources.
    expect(readdirSync(join(app, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['firebreak']);
    const shipped = readdirSync(join(app, 'node_modules', 'firebreak', 'dist'));
    expect(shipped).toContain('firebreak.js');
    expect(shipped.filter((name) => name.endsWith('.ts'))).toEqual([]);

    // The bin runs on whichever node is on the PATH, through its #!/usr/bin/env node line.
    const bin = join(app, 'node_modules', '.bin', 'firebreak');
    expect(await exec(bin, ['--version'], { cwd: app })).toMatchObject({ stdout: `${packageJson.version}\n` });
    copyFileSync('firebreak.config.json', join(app, 'firebreak.config.json'));
    copyFileSync('firebreak.schema.json', join(app, 'firebreak.schema.json'));
    const check = await exec(bin, ['config', 'check'], { cwd: app });
    expect(check.stdout).toBe('firebreak.config.json: valid configuration\n');
    const invalid = await exec(bin, ['config', 'check', 'missing.json'], { cwd: app }).catch((error: { code: number }) => error);
    expect(invalid).toMatchObject({ code: 1 });
  }, 180_000);
});
