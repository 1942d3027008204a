import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { review } from '../../bin/cli/review.ts';
import { UsageError } from '../../bin/cli/usage.ts';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-review-'));
async function run(options: { since?: string; json?: boolean; at: string }) {
  let text = '';
  const code = await review({
    local: true,
    json: options.json ?? false,
    since: options.since,
    accessKeyMaxAgeDays: 90,
    now: () => new Date(options.at),
    out: (chunk) => (text += chunk),
  });
  return { code, text };
}

describe('firebreak review --local', () => {
  it('prints every section of the report from the simulated fleet', async () => {
    const { code, text } = await run({ at: '2026-11-23T08:00:00.000Z' });
    expect(code).toBe(0);
    expect(text).toContain('SIMULATED fleet (--local)');
    expect(text).toContain('20 SSM-managed instances (19 online, 17 patch compliant) of 21 EC2 instances');
    expect(text).toContain('(legacy-ftp) (running) is not managed by SSM');
    expect(text).toContain('sg-0simulated0ssh (ssh-from-anywhere) allows tcp/22 from 0.0.0.0/0');
    expect(text).toContain('ci-deployer: access key AKIASIMULATED0OLD01 is 120 days old (Active)');
    expect(text).toContain('Changes: this is the first review.');
  });

  it('--since compares with an earlier --json output; text from the file is made terminal-safe', async () => {
    const first = await run({ at: '2026-11-16T08:00:00.000Z', json: true });
    const previous = JSON.parse(first.text) as { items: { key: string; text: string }[] };
    previous.items.push({ key: 'unmanaged:i-gone', text: 'i-gone \u001b]0;pwned\u0007is not managed\u001b[2J' });
    const file = join(dir, 'previous.json');
    writeFileSync(file, JSON.stringify(previous));
    const { text } = await run({ at: '2026-11-23T08:00:00.000Z', since: file });
    expect(text).toContain('Changes since the review of 2026-11-16T08:00:00.000Z: 0 new, 1 resolved');
    expect(text).toContain('  - i-gone is not managed');
    expect(text).not.toContain('\u001b');
  });

  it('refuses a --since file that is not a review', async () => {
    const file = join(dir, 'other.json');
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    await expect(run({ at: '2026-11-23T08:00:00.000Z', since: file })).rejects.toThrow(UsageError);
    await expect(run({ at: '2026-11-23T08:00:00.000Z', since: join(dir, 'missing.json') })).rejects.toThrow(/--since/);
  });
});
