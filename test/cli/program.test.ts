import { describe, expect, it } from 'vitest';
import { awsHint, errorLine, useColor } from '../../bin/cli/errors.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { cli } from './capture.ts';

/** Every runnable command, as typed. */
const COMMANDS = [
  ['drill'],
  ['ingest'],
  ['config', 'check'],
  ['incidents', 'list'],
  ['incidents', 'show'],
  ['deploy-notice'],
  ['release', 'check'],
  ['dlq', 'list'],
  ['dlq', 'redrive'],
  ['local', 'start'],
  ['local', 'stop'],
  ['local', 'status'],
];

describe('firebreak: conventions', () => {
  it('--version prints the package version and exits 0', async () => {
    expect(await cli('--version')).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
    expect((await cli('-V')).stdout).toBe(`${packageJson.version}\n`);
  });

  it('--help lists every command; no command at all is bad usage (help on stderr, exit 2)', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const name of ['drill', 'ingest', 'config', 'incidents', 'deploy-notice', 'release', 'dlq', 'local', 'help'])
      expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('Usage: firebreak');
  });

  it.each(COMMANDS)('%s %s: --help and "help <command>" print its usage and options, exit 0', async (...names) => {
    const flag = await cli(...names, '--help');
    expect(flag.code).toBe(0);
    expect(flag.stdout).toContain(`Usage: firebreak ${names.join(' ')}`);
    expect(flag.stdout).toContain('--debug');
    const help = names.length === 1 ? await cli('help', ...names) : await cli(names[0]!, 'help', names[1]!);
    expect(help).toEqual({ ...flag, stdout: flag.stdout });
  });

  it.each(COMMANDS)(
    '%s %s: an unknown option is refused with exit 2, one line on stderr, nothing on stdout',
    async (...names) => {
      const out = await cli(...names, '--no-such-flag');
      expect(out.code).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toBe("firebreak: unknown option '--no-such-flag'\n");
    },
  );

  it('suggests the option meant, per command', async () => {
    const out = await cli('deploy-notice', '--sevice', 'checkout');
    expect(out).toEqual({ code: 2, stdout: '', stderr: "firebreak: unknown option '--sevice' (did you mean --service?)\n" });
    // --status is incidents list's option, not release check's.
    expect((await cli('release', 'check', 'checkout', '--status', 'open')).stderr).toMatch(
      /^firebreak: unknown option '--status'/,
    );
  });

  it('unknown commands, missing and extra arguments, and a group without its subcommand are bad usage (exit 2)', async () => {
    expect(await cli('dril', 'x.json')).toEqual({
      code: 2,
      stdout: '',
      stderr: "firebreak: unknown command 'dril' (did you mean drill?)\n",
    });
    expect((await cli('drill')).stderr).toBe("firebreak: missing required argument 'scenario'\n");
    expect((await cli('drill')).code).toBe(2);
    expect((await cli('incidents', 'show', 'a', 'b')).code).toBe(2);
    const group = await cli('incidents');
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('Usage: firebreak incidents');
  });

  it('a usage error a command raises is one line with where to look, exit 2', async () => {
    const out = await cli('ingest', 'events.json');
    expect(out).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'firebreak: ingest only runs with --dry-run here; deployed ingestion happens through EventBridge (see "firebreak ingest --help")\n',
    });
  });

  it('--region and --profile are checked before anything reaches AWS', async () => {
    const region = await cli('incidents', 'list', '--table', 't', '--region', 'mars-1; rm');
    expect(region).toMatchObject({ code: 2, stdout: '' });
    expect(region.stderr).toMatch(/^firebreak: --region must be an AWS region/);
    expect((await cli('dlq', 'list', '--profile', 'a b')).stderr).toMatch(/^firebreak: --profile must be a profile name/);
  });

  it('--json turns a refused option into a JSON object on stdout too', async () => {
    const out = await cli('release', 'check', 'checkout', '--json', '--tabel', 't');
    expect(out.code).toBe(2);
    expect(out.stderr).toBe("firebreak: unknown option '--tabel' (did you mean --table?)\n");
    expect(JSON.parse(out.stdout)).toEqual({
      error: { message: "unknown option '--tabel' (did you mean --table?)", exitCode: 2 },
    });
  });

  it('--json turns an error into a JSON object on stdout too', async () => {
    const out = await cli('incidents', 'list', '--json', '--status', 'burning', '--table', 't');
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stdout)).toEqual({
      error: { message: 'unknown status burning (one of open, acknowledged, mitigating, resolved, closed)', exitCode: 2 },
    });
  });
});

describe('error lines', () => {
  it('hint at regions and credentials for the AWS errors a new user meets first', () => {
    expect(awsHint(new Error('Region is missing'))).toMatch(/--region or set AWS_REGION/);
    expect(
      awsHint(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })),
    ).toMatch(/--profile/);
    expect(awsHint(Object.assign(new Error('x'), { name: 'ExpiredTokenException' }))).toMatch(/sign in again/);
    expect(awsHint(Object.assign(new Error('User is not authorized to perform'), { name: 'AccessDeniedException' }))).toMatch(
      /permission/,
    );
    expect(awsHint(new Error('something else'))).toBeUndefined();
    expect(errorLine('Region is missing', { error: new Error('Region is missing') })).toBe(
      'firebreak: Region is missing (pass --region or set AWS_REGION (or a region in your AWS profile))',
    );
  });

  it('never carries a terminal escape from the message, and is coloured only on a TTY without NO_COLOR', () => {
    expect(errorLine('bad \u001b]0;owned\u0007 title\nsecond')).toBe('firebreak: bad  title\n  second');
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      expect(useColor({ isTTY: true })).toBe(true);
      expect(useColor({ isTTY: false })).toBe(false);
      process.env.NO_COLOR = '1';
      expect(useColor({ isTTY: true })).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});
