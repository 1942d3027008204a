import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_SOURCE } from '../../functions/core/deployments/deployment-sources.ts';
import { type HoldState } from '../../functions/core/deployments/release-hold.ts';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import { appendToChain, releaseHoldChainId } from '../../functions/core/audit/chain.ts';
import { createFirebreakTable, localClient } from '../../functions/local/dynamodb-local.ts';
import { runCliProcess } from '../cli/child-process.ts';

/** The child gets fake credentials and no profile, so nothing can reach a real account. */

const run = (args: string[], env: Record<string, string> = {}) => runCliProcess(args, env);

/** A stand-in for the EventBridge API (JSON 1.1 protocol) that records every request it gets. */
interface FakeEventBridge {
  readonly endpoint: string;
  readonly requests: Array<{ target: string | undefined; body: { Entries: Array<Record<string, string>> } }>;
  /** What the next PutEvents answers; default: accepted. */
  reply: object;
  close(): Promise<void>;
}

async function fakeEventBridge(): Promise<FakeEventBridge> {
  const requests: FakeEventBridge['requests'] = [];
  const fake = { requests, reply: {} as object } as FakeEventBridge & { reply: object };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ target: req.headers['x-amz-target'] as string | undefined, body: JSON.parse(body) });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(JSON.stringify(fake.reply));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return Object.assign(fake, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}

const NOTICE = ['--service', 'checkout', '--version', 'v1.42.0', '--environment', 'production'];

describe('firebreak deploy-notice', () => {
  let eventBridge: FakeEventBridge;
  /** Points the child's EventBridge client at the fake, so a publish that should not happen is seen. */
  const env = () => ({ AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint });

  beforeAll(async () => {
    eventBridge = await fakeEventBridge();
  });
  afterAll(() => eventBridge.close());
  beforeEach(() => {
    eventBridge.requests.length = 0;
    eventBridge.reply = { FailedEntryCount: 0, Entries: [{ EventId: '7c1f3e2a-9b8d-4e6f-a5c4-3b2a1f0e9d8c' }] };
  });

  it('--dry-run prints the PutEvents entry, validated, and sends nothing', async () => {
    const out = await run(
      [
        'deploy-notice',
        ...NOTICE,
        '--status',
        'succeeded',
        '--commit',
        '9f2c1ab Fix the *checkout* <!here>',
        '--actor',
        'Dana Okafor',
        '--url',
        'https://ci.example.com/runs/42',
        '--run-id',
        '42-1',
        '--dry-run',
      ],
      env(),
    );
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const entry = JSON.parse(out.stdout) as Record<string, string>;
    expect(entry).toEqual({
      EventBusName: 'firebreak',
      Source: DEPLOYMENT_SOURCE,
      DetailType: DEPLOYMENT_DETAIL_TYPES.custom,
      Detail: expect.any(String),
    });
    expect(JSON.parse(entry.Detail!)).toEqual({
      service: 'checkout',
      version: 'v1.42.0',
      environment: 'production',
      status: 'succeeded',
      commit: '9f2c1ab Fix the *checkout* <!here>',
      actor: 'Dana Okafor',
      url: 'https://ci.example.com/runs/42',
      runId: '42-1',
    });
    expect(eventBridge.requests).toEqual([]);
  });

  it('publishes the event with source firebreak.deploy and detail-type Deployment, and prints its id', async () => {
    const out = await run(['deploy-notice', ...NOTICE, '--status', 'started', '--actor', 'ci'], env());
    expect(out).toEqual({ code: 0, stdout: '7c1f3e2a-9b8d-4e6f-a5c4-3b2a1f0e9d8c\n', stderr: '' });
    expect(eventBridge.requests).toHaveLength(1);
    const [request] = eventBridge.requests;
    expect(request!.target).toBe('AWSEvents.PutEvents');
    expect(request!.body.Entries).toHaveLength(1);
    const entry = request!.body.Entries[0]!;
    expect(entry).toMatchObject({ EventBusName: 'firebreak', Source: 'firebreak.deploy', DetailType: 'Deployment' });
    expect(JSON.parse(entry.Detail!)).toEqual({
      service: 'checkout',
      version: 'v1.42.0',
      environment: 'production',
      status: 'started',
      actor: 'ci',
    });
  });

  it('sends to --bus, else $FIREBREAK_BUS', async () => {
    expect(
      (await run(['deploy-notice', ...NOTICE, '--status', 'failed'], { ...env(), FIREBREAK_BUS: 'firebreak-staging' })).code,
    ).toBe(0);
    const arn = 'arn:aws:events:eu-west-1:123456789012:event-bus/firebreak';
    expect(
      (
        await run(['deploy-notice', ...NOTICE, '--status', 'failed', '--bus', arn], {
          ...env(),
          FIREBREAK_BUS: 'firebreak-staging',
        })
      ).code,
    ).toBe(0);
    expect(eventBridge.requests.map((r) => r.body.Entries[0]!.EventBusName)).toEqual(['firebreak-staging', arn]);
  });

  it('exits 1 with the error code when EventBridge rejects the entry', async () => {
    eventBridge.reply = {
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' }],
    };
    const out = await run(['deploy-notice', ...NOTICE, '--status', 'succeeded'], env());
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      'firebreak: PutEvents rejected the notice: NotAuthorizedForSourceException: Not authorized for the source.\n',
    );
  });

  it('says "is required" for a missing field', async () => {
    const out = await run(
      ['deploy-notice', '--version', 'v1', '--environment', 'production', '--status', 'started', '--dry-run'],
      env(),
    );
    expect(out.stderr).toBe('firebreak: --service: is required\n');
  });

  it('rejects positional arguments and unknown flags with exit 2, nothing published', async () => {
    const positional = await run(['deploy-notice', 'checkout', ...NOTICE, '--status', 'started'], env());
    expect(positional.code).toBe(2);
    expect(positional.stderr.trim().split('\n')).toHaveLength(1);
    const unknown = await run(['deploy-notice', ...NOTICE, '--status', 'started', '--sha', 'abc'], env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(eventBridge.requests).toEqual([]);
  });
});

describe('firebreak deploy-notice with invalid arguments', () => {
  let eventBridge: FakeEventBridge;
  beforeAll(async () => {
    eventBridge = await fakeEventBridge();
  });
  afterAll(() => eventBridge.close());

  const invalid: Array<[string, string[], string]> = [
    ['a missing service', ['--version', 'v1', '--environment', 'production', '--status', 'started'], '--service'],
    ['a missing version', ['--service', 'checkout', '--environment', 'production', '--status', 'started'], '--version'],
    ['a missing status', NOTICE, '--status'],
    ['--status done', [...NOTICE, '--status', 'done'], '--status'],
    [
      'a service with <!channel>',
      ['--service', '<!channel>', '--version', 'v1', '--environment', 'production', '--status', 'started'],
      '--service',
    ],
    [
      'a service with spaces',
      ['--service', 'check out', '--version', 'v1', '--environment', 'production', '--status', 'started'],
      '--service',
    ],
    ['an empty service', ['--service', '', '--version', 'v1', '--environment', 'production', '--status', 'started'], '--service'],
    ['a non-https url', [...NOTICE, '--status', 'succeeded', '--url', 'http://ci.example.com/runs/42'], '--url'],
    ['a javascript: url', [...NOTICE, '--status', 'succeeded', '--url', 'javascript:alert(1)'], '--url'],
    [
      'an environment with upper case and _',
      ['--service', 'checkout', '--version', 'v1', '--environment', 'Prod_1', '--status', 'started'],
      '--environment',
    ],
    [
      'an environment with ; and spaces',
      ['--service', 'checkout', '--version', 'v1', '--environment', 'prod; rm -rf', '--status', 'started'],
      '--environment',
    ],
    [
      'a version with an escape sequence',
      ['--service', 'checkout', '--version', 'v1\u001b[31m', '--environment', 'production', '--status', 'started'],
      '--version',
    ],
    ['a run id with spaces', [...NOTICE, '--status', 'started', '--run-id', 'run 42'], '--run-id'],
    ['an invalid bus', [...NOTICE, '--status', 'started', '--bus', 'fire break'], '--bus'],
  ];

  // Concurrent: each case is its own process, and none of them may reach the fake EventBridge.
  it.concurrent.each(invalid)('rejects %s: exit 2, one line naming the flag, nothing published', async (_, args, flag) => {
    const out = await run(['deploy-notice', ...args], { AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint });
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(new RegExp(`^firebreak: ${flag}: [^\\n]+\\n$`));
    // The reason never echoes the value back (it may be Slack markup or a terminal escape).
    for (const echoed of ['<!channel>', '\u001b', 'rm -rf', 'javascript']) expect(out.stderr).not.toContain(echoed);
  });

  it('published nothing for any of them', () => {
    expect(eventBridge.requests).toEqual([]);
  });
});

describe('firebreak release check', () => {
  const endpoint = () => inject('dynamoEndpoint');
  const now = '2026-03-01T10:00:00.000Z';
  const hold = (service: string, patch: Partial<HoldState> = {}): HoldState => ({
    service,
    held: true,
    reason: 'deployment DEP-0123456789ab of v1.42.0 to production failed (FAILED)',
    deploymentId: 'DEP-0123456789ab',
    environment: 'production',
    version: 'v1.42.0',
    heldAt: now,
    seniorQuorum: 2,
    approvals: [],
    revision: 1,
    ...patch,
  });

  /** A fresh table with the given holds (and away times). */
  const table = async (holds: HoldState[], away: Array<[string, string]> = []) => {
    const client = localClient(endpoint());
    const tableName = `cli-release-${randomUUID().slice(0, 8)}`;
    try {
      await createFirebreakTable(client, tableName);
      const store = createRepositories(client, tableName);
      for (const h of holds) {
        const audit = appendToChain(
          releaseHoldChainId(h.service),
          undefined,
          [{ action: 'release.held', data: { deploymentId: h.deploymentId } }],
          'test',
          now,
        );
        expect(await store.holds.saveHold(h, undefined, audit)).toBe(true);
      }
      for (const [userId, until] of away) await store.roster.setAway(userId, until, now);
    } finally {
      client.destroy();
    }
    return ['--endpoint', endpoint(), '--table', tableName];
  };

  let where: string[];
  beforeAll(async () => {
    where = await table([
      hold('checkout'),
      hold('payments', {
        held: false,
        approvals: [{ userId: 'U0CTO000001', role: 'cto', at: now }],
        liftedBy: ['U0CTO000001'],
        liftedAt: now,
        revision: 2,
      }),
    ]);
  });

  it('exits 1 while the service is held, printing the reason and who can lift it (the CTO)', async () => {
    const out = await run(['release', 'check', 'checkout', ...where]);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('');
    const [reason, who, ...rest] = out.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(reason).toContain('checkout is on a release hold since 2026-03-01 10:00:00 UTC');
    expect(reason).toContain('deployment DEP-0123456789ab of v1.42.0 to production failed (FAILED)');
    expect(reason).toContain('/firebreak release approve checkout');
    expect(who).toBe('Who can lift it: Dana Okafor (CTO)');
  });

  it('exits 0 for a service that was never held', async () => {
    const out = await run(['release', 'check', 'inventory', ...where]);
    expect(out).toEqual({ code: 0, stdout: 'inventory is not on a release hold.\n', stderr: '' });
  });

  it('exits 0 once the hold was lifted, naming who lifted it', async () => {
    const out = await run(['release', 'check', 'payments', ...where]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('The release hold on payments was lifted by Dana Okafor at 2026-03-01 10:00:00 UTC.\n');
  });

  it('--json prints the verdict for scripts', async () => {
    const out = await run(['release', 'check', 'checkout', '--json', ...where]);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({
      service: 'checkout',
      allowed: false,
      reason: expect.stringContaining('release hold'),
      whoCanLift: ['Dana Okafor (CTO)'],
    });
  });

  it('names the available senior engineers too while the CTO is away', async () => {
    const awayWhere = await table([hold('checkout')], [['U0CTO000001', '2099-01-01T00:00:00.000Z']]);
    const out = await run(['release', 'check', 'checkout', '--json', ...awayWhere]);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout).whoCanLift).toEqual([
      'Dana Okafor (CTO, away until 2099-01-01 00:00:00 UTC)',
      'Priya Raman (senior engineer)',
      'Mateo Alvarez (senior engineer)',
      'Grace Lindqvist (senior engineer)',
    ]);
  });

  it('exits 2 on bad usage', async () => {
    for (const args of [
      ['release', 'check', 'check out'],
      ['release', 'check', '<!channel>'],
      ['release', 'check'],
      ['release', 'check', 'a', 'b'],
      ['release', 'lift', 'checkout'],
    ]) {
      const out = await run([...args, ...where]);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stdout, args.join(' ')).toBe('');
    }
    expect((await run(['release', 'check', 'checkout'])).stderr).toMatch(/--table or FIREBREAK_TABLE/);
  });

  it('fails closed (exit 1, one line) when the hold cannot be read', async () => {
    const out = await run(['release', 'check', 'checkout', '--endpoint', endpoint(), '--table', 'no-such-table']);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      /^firebreak: cannot read the release hold or deploy freeze of checkout from no-such-table: ResourceNotFoundException: [^\n]*\n$/,
    );
  });
});
