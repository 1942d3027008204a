/**
 * Audit tampering on real items: the local runtime (DynamoDB Local, its stream, the real notary
 * handler with a local key and a write-once folder) records an incident's and a release hold's
 * chains and signs their heads; then someone with write access to the table edits, deletes,
 * reorders, truncates, rewinds or recomputes, or touches the digests, and `audit verify` names it.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { chainEntry, type AuditEntry } from '../../functions/core/audit/chain.ts';
import type { TamperKind } from '../../functions/core/audit/verify-trail.ts';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_SOURCE } from '../../functions/core/deployments/deployment-sources.ts';
import { DynamoAuditChains } from '../../functions/adapters/dynamodb/audit-chains.ts';
import { keys, Table } from '../../functions/adapters/dynamodb/table.ts';
import { verifyAudit } from '../../functions/workflow/audit-verify.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { audit } from '../../bin/cli/audit.ts';
import { exampleConfig, fixture } from '../support.ts';

const config = exampleConfig();
const CTO = 'U0CTO000001';
let runtime: LocalRuntime;
let doc: DynamoDBDocumentClient;
let incidentId: string;
const HOLD = 'HOLD#payments';
let tables = 0;
const scratch = mkdtempSync(join(tmpdir(), 'firebreak-audit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `audit-${process.pid}-${++tables}`,
    notaryDir: join(scratch, `notary-${tables}`),
  });
  doc = DynamoDBDocumentClient.from(runtime.client);
  runtime.bus.put('default', fixture('guardduty-finding-ec2-high-wrapped.json'));
  await runtime.bus.drain();
  incidentId = (await runtime.repositories.incidents.listIncidents(['open'], 10))[0]!.id;
  await runtime.command(CTO, `ack ${incidentId}`);
  const deployment = { service: 'payments', version: 'v2', environment: 'production', status: 'failed', runId: 'run-1' };
  runtime.bus.put('firebreak', {
    version: '0',
    id: randomUUID(),
    'detail-type': DEPLOYMENT_DETAIL_TYPES.custom,
    source: DEPLOYMENT_SOURCE,
    account: '123456789012',
    time: '2026-11-23T09:01:00Z',
    region: 'us-east-1',
    resources: [],
    detail: deployment,
  });
  await runtime.bus.drain();
  await runtime.notary.flush();
});
afterEach(async () => runtime?.stop());

const entries = async (chainId: string): Promise<AuditEntry[]> =>
  chainId.startsWith('HOLD#')
    ? runtime.repositories.holds.getAudit(chainId.slice(5))
    : runtime.repositories.incidents.getAudit(chainId);
const findings = async (): Promise<TamperKind[]> => {
  const report = await runtime.notary.verify();
  return [...report.digests.findings, ...report.chains.flatMap((c) => c.findings)].map((f) => f.kind);
};
const put = (chainId: string, entry: AuditEntry, seq = entry.seq) =>
  doc.send(new PutCommand({ TableName: runtime.tableName, Item: { ...keys.audit(chainId, seq), type: 'audit', ...entry } }));
const remove = (chainId: string, seq: number) =>
  doc.send(new DeleteCommand({ TableName: runtime.tableName, Key: keys.audit(chainId, seq) }));
const holderKey = (chainId: string) => (chainId.startsWith('HOLD#') ? keys.hold(chainId.slice(5)) : keys.incident(chainId));
const setHead = (chainId: string, head: AuditEntry) =>
  doc.send(
    new UpdateCommand({
      TableName: runtime.tableName,
      Key: holderKey(chainId),
      UpdateExpression: 'SET auditSeq = :seq, auditHead = :hash',
      ExpressionAttributeValues: { ':seq': head.seq, ':hash': head.hash },
    }),
  );

describe('audit verify on real items', () => {
  it('signs the heads of the incident and the release hold: everything verifies', async () => {
    const report = await runtime.notary.verify();
    expect(report.clean).toBe(true);
    const ids = report.chains.map((c) => c.chainId);
    expect(ids).toEqual(expect.arrayContaining([incidentId, HOLD]));
    for (const chain of report.chains) expect(chain.notarizedSeq, JSON.stringify(report.chains)).toBe(chain.length);
    expect(readdirSync(join(runtime.notary.dir, 'digests')).length).toBeGreaterThan(0);
  });

  it('edited entry: an entry changed in place', async () => {
    const [first] = await entries(incidentId);
    await put(incidentId, { ...first!, actor: 'slack:U0SOMEONE1' });
    expect(await findings()).toEqual(['edited_entry']);
  });

  it('deleted entry: one from the middle of the hold chain', async () => {
    const chain = await entries(HOLD);
    expect(chain.length).toBeGreaterThanOrEqual(1);
    // Add a link the honest way first, so there is a middle to delete.
    await runtime.command(CTO, 'release approve payments');
    await runtime.notary.flush();
    const longer = await entries(HOLD);
    expect(longer.length).toBeGreaterThan(chain.length);
    await remove(HOLD, 1);
    expect(await findings()).toEqual(['deleted_entry']);
  });

  it('reordered entries: two entries swapped between their keys', async () => {
    const [first, second] = await entries(incidentId);
    await put(incidentId, second!, 1);
    await put(incidentId, first!, 2);
    expect(await findings()).toEqual(['reordered_entries']);
  });

  it('truncated tail: the newest entry deleted, the incident still names it', async () => {
    const chain = await entries(incidentId);
    await remove(incidentId, chain.length);
    expect(await findings()).toEqual(['truncated_tail']);
  });

  it("truncated tail of a deploy freeze's chain: the freeze names its head as an incident does", async () => {
    const chain = await runtime.repositories.freezes.getAudit('global');
    expect(chain.length).toBeGreaterThan(0);
    await remove('FREEZE#global', chain.length);
    expect(await findings()).toEqual(['truncated_tail']);
  });

  it('rewound head: the newest entry deleted and the head moved back to match (the table alone looks fine)', async () => {
    const chain = await entries(incidentId);
    await remove(incidentId, chain.length);
    await setHead(incidentId, chain.at(-2)!);
    expect(await findings()).toEqual(['rewound_head']);
  });

  it('recomputed chain: an entry changed and every hash after it recomputed, the head updated', async () => {
    const chain = await entries(incidentId);
    let prevHash = chain[0]!.prevHash;
    for (const entry of chain) {
      const rewritten = chainEntry({ ...entry, ...(entry.seq === 1 ? { actor: 'system:nobody' } : {}), prevHash });
      await put(incidentId, rewritten);
      prevHash = rewritten.hash;
      if (entry.seq === chain.length) await setHead(incidentId, rewritten);
    }
    expect(await findings()).toEqual(['recomputed_chain']);
  });

  it('missing digest: a digest file removed; forged digest: one replaced', async () => {
    await runtime.command(CTO, `resolve ${incidentId} done`);
    await runtime.notary.flush();
    const dir = join(runtime.notary.dir, 'digests');
    const names = readdirSync(dir).sort(); // newest first
    expect(names.length).toBeGreaterThanOrEqual(2);
    rmSync(join(dir, names.at(-1)!)); // the first digest
    expect(await findings()).toEqual(['missing_digest']);
    chmodSync(join(dir, names[0]!), 0o644);
    writeFileSync(join(dir, names[0]!), JSON.stringify({ digest: 'forged' }));
    expect(await findings()).toEqual(expect.arrayContaining(['forged_digest']));
  });

  it('an entry no digest signed: pending within the grace period, a missing digest after it (the notary was down)', async () => {
    const chain = await entries(incidentId);
    const later = chainEntry({
      ...chain.at(-1)!,
      seq: chain.length + 1,
      action: 'incident.note',
      data: {},
      prevHash: chain.at(-1)!.hash,
    });
    await put(incidentId, later);
    await setHead(incidentId, later);
    // The notary's reader is not pumped: as if it were down.
    const deps = {
      chains: new DynamoAuditChains(new Table(runtime.client, runtime.tableName)),
      digests: runtime.notary.store,
      publicKeyPem: await runtime.notary.signer.publicKeyPem(),
    };
    const soon = await verifyAudit({ chainIds: [incidentId] }, { ...deps, now: () => new Date('2026-11-23T09:05:00Z') });
    expect(soon).toMatchObject({ clean: true, chains: [{ pending: 1, notarizedSeq: chain.length }] });
    const late = await verifyAudit({ chainIds: [incidentId] }, { ...deps, now: () => new Date('2026-11-23T10:00:00Z') });
    expect(late.chains[0]!.findings.map((f) => f.kind)).toEqual(['missing_digest']);
  });
});

describe('firebreak audit verify (the command)', () => {
  beforeEach(() => {
    // A DynamoDB Local named with --endpoint takes any credentials.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });
  afterEach(() => vi.unstubAllEnvs());
  const run = async (args: string[], values: Record<string, unknown>) => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await audit(args, { json: false, local: false, ...values }, { notaryDir: runtime.notary.dir });
      return { code, text: out.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      out.mockRestore();
    }
  };

  it('exit 0 when clean, 1 when tampered, naming the kind; an exported key and a folder are enough', async () => {
    const keyFile = join(scratch, `public-${tables}.pem`);
    writeFileSync(keyFile, await runtime.notary.signer.publicKeyPem());
    const where = {
      endpoint: inject('dynamoEndpoint'),
      table: runtime.tableName,
      digests: runtime.notary.dir,
      'public-key': keyFile,
    };
    expect(await run(['verify'], { ...where, all: true })).toMatchObject({
      code: 0,
      text: expect.stringContaining('nothing tampered'),
    });
    expect((await run(['verify'], { ...where, hold: 'payments' })).code).toBe(0);
    expect(await run(['verify'], { ...where, chain: 'HOLD#payments' })).toMatchObject({
      code: 0,
      text: expect.stringContaining('HOLD#payments: '),
    });
    const chain = await entries(incidentId);
    await remove(incidentId, chain.length);
    const tampered = await run(['verify'], { ...where, incident: incidentId.toLowerCase() });
    expect(tampered.code).toBe(1);
    expect(tampered.text).toContain('TRUNCATED TAIL');
    const json = await run(['verify'], { ...where, all: true, json: true });
    expect(JSON.parse(json.text)).toMatchObject({ clean: false });
  });

  it('exit 2 (a usage error) without exactly one scope, with a bad id or date', async () => {
    await expect(audit(['verify'], { json: false, local: false }, { notaryDir: '' })).rejects.toThrow(/exactly one/);
    await expect(
      audit(['verify'], { json: false, local: false, all: true, incident: 'INC-0123456789' }, { notaryDir: '' }),
    ).rejects.toThrow(/exactly one/);
    await expect(audit(['verify'], { json: false, local: false, incident: 'INC-x;rm' }, { notaryDir: '' })).rejects.toThrow(
      /incident id/,
    );
    await expect(
      audit(['verify'], { json: false, local: false, all: true, since: 'yesterday' }, { notaryDir: '' }),
    ).rejects.toThrow(/--since/);
    await expect(audit(['verify'], { json: false, local: false, chain: 'HOLD#$(rm -rf)' }, { notaryDir: '' })).rejects.toThrow(
      /--chain/,
    );
    await expect(audit(['sign'], { json: false, local: false }, { notaryDir: '' })).rejects.toThrow(/audit needs/);
  });
});
