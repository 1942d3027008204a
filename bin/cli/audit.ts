/**
 * `firebreak audit verify` and `firebreak audit export-key`: every audit chain checked against the
 * notary's signed digests and its public key, and that key exported so an auditor can verify with
 * no AWS access (a copy of the table's chains, a folder of digests, a PEM file).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { releaseHoldChainId } from '../../functions/core/audit/chain.ts';
import type { AuditReport, Finding } from '../../functions/core/audit/verify-trail.ts';
import { INCIDENT_ID_PATTERN, SERVICE_NAME_PATTERN } from '../../functions/core/ids.ts';
import { DynamoAuditChains } from '../../functions/adapters/dynamodb/audit-chains.ts';
import { Table } from '../../functions/adapters/dynamodb/table.ts';
import { KmsDigestSigner } from '../../functions/adapters/notary/kms-signer.ts';
import { FolderDigestStore, LocalDigestSigner } from '../../functions/adapters/notary/local.ts';
import { S3DigestStore } from '../../functions/adapters/notary/s3-digest-store.ts';
import { notaryKeyPath } from '../../functions/local/notary.ts';
import { verifyAudit, type AuditScope } from '../../functions/workflow/audit-verify.ts';
import { openTable } from './incidents.ts';
import { terminalSafe } from './terminal-text.ts';
import { UsageError } from './usage.ts';

export interface AuditValues {
  readonly json: boolean;
  readonly local: boolean;
  readonly table?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly incident?: string | undefined;
  readonly hold?: string | undefined;
  readonly chain?: string | undefined;
  readonly all?: boolean | undefined;
  readonly since?: string | undefined;
  readonly digests?: string | undefined;
  readonly bucket?: string | undefined;
  readonly 'public-key'?: string | undefined;
  readonly 'key-id'?: string | undefined;
  readonly out?: string | undefined;
}

/** Where the last drill left its notary's key and digests (`--local`). */
export interface LocalPaths {
  readonly notaryDir: string;
}

/** A chain id as `audit verify --all` names it: `INC-…`, `HOLD#<service>`, `FREEZE#<scope>`, `BATCH#<id>`… */
const CHAIN_ID = /^(INC-[0-9A-F]{10}|[A-Z]{2,16}#[A-Za-z0-9:._@#-]{1,300})$/;
const KEY_ID = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f-]{36})$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export async function audit(args: string[], values: AuditValues, local: LocalPaths): Promise<number> {
  const [action, ...rest] = args;
  if (rest.length || (action !== 'verify' && action !== 'export-key'))
    throw new UsageError('audit needs "verify --incident <id> | --hold <service> | --chain <id> | --all" or "export-key"');
  return action === 'verify' ? verify(values, local) : exportKey(values, local);
}

async function verify(values: AuditValues, local: LocalPaths): Promise<number> {
  const scopes = [values.incident, values.hold, values.chain].filter((v) => v !== undefined).length + (values.all ? 1 : 0);
  if (scopes !== 1)
    throw new UsageError('audit verify needs exactly one of --incident <id>, --hold <service>, --chain <id>, --all');
  if (values.chain !== undefined && !CHAIN_ID.test(values.chain))
    throw new UsageError('--chain must be a chain id as `audit verify --all` names it, e.g. FREEZE#global or BATCH#PB-…');
  if (values.incident !== undefined && !INCIDENT_ID_PATTERN.test(values.incident.toUpperCase()))
    throw new UsageError('--incident must be an incident id such as INC-0123456789');
  if (values.hold !== undefined && !SERVICE_NAME_PATTERN.test(values.hold))
    throw new UsageError('--hold must be a service name (1-255 letters, digits, ".", "_", "@" or "-")');
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since)))
    throw new UsageError('--since must be a date or time, e.g. 2026-11-01 or 2026-11-23T09:00:00Z');
  const scope: AuditScope =
    values.incident !== undefined
      ? { chainIds: [values.incident.toUpperCase()] }
      : values.hold !== undefined
        ? { chainIds: [releaseHoldChainId(values.hold)] }
        : values.chain !== undefined
          ? { chainIds: [values.chain] }
          : { all: true };

  const digests = digestSource(values, local);
  const publicKeyPem = await publicKey(values, local);
  const table = await openTable(values);
  try {
    const report = await verifyAudit(
      scope,
      { chains: new DynamoAuditChains(new Table(table.client, table.tableName)), digests, publicKeyPem, now: () => new Date() },
      values.since ? { since: new Date(values.since).toISOString() } : {},
    );
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    return report.clean ? 0 : 1;
  } finally {
    await table.close();
  }
}

function digestSource(values: AuditValues, local: LocalPaths): FolderDigestStore | S3DigestStore {
  const bucket = values.bucket ?? process.env.FIREBREAK_DIGEST_BUCKET;
  const sources = [values.local, values.digests !== undefined, values.bucket !== undefined].filter(Boolean).length;
  if (sources > 1) throw new UsageError('name one digest source: --digests <folder>, --bucket <name> or --local');
  if (values.local) return new FolderDigestStore(local.notaryDir);
  if (values.digests !== undefined) {
    if (!existsSync(values.digests)) throw new UsageError(`--digests: no folder ${values.digests}`);
    return new FolderDigestStore(values.digests);
  }
  if (!bucket)
    throw new UsageError(
      'name the digests with --bucket or FIREBREAK_DIGEST_BUCKET (the stack prints AuditDigestBucketName), or --digests <folder>',
    );
  if (!BUCKET.test(bucket)) throw new UsageError('--bucket must be an S3 bucket name');
  return new S3DigestStore(new S3Client({}), bucket);
}

async function publicKey(values: AuditValues, local: LocalPaths): Promise<string> {
  if (values['public-key'] !== undefined && values['key-id'] !== undefined)
    throw new UsageError('name one key: --public-key <pem file> or --key-id <kms key>');
  if (values['public-key'] !== undefined) {
    try {
      return readFileSync(values['public-key'], 'utf8');
    } catch {
      throw new UsageError(`--public-key: cannot read ${values['public-key']}`);
    }
  }
  return signerFor(values, local).publicKeyPem();
}

function signerFor(values: AuditValues, local: LocalPaths): KmsDigestSigner | LocalDigestSigner {
  const keyId = values['key-id'] ?? process.env.FIREBREAK_NOTARY_KEY;
  if (values.local && values['key-id'] === undefined) {
    if (!existsSync(notaryKeyPath(local.notaryDir)))
      throw new UsageError(`no local notary key in ${local.notaryDir}: run a drill first`);
    return new LocalDigestSigner(notaryKeyPath(local.notaryDir));
  }
  if (!keyId)
    throw new UsageError(
      'name the key with --public-key <pem file>, --key-id or FIREBREAK_NOTARY_KEY (the stack prints NotaryKeyArn), or use --local',
    );
  if (!KEY_ID.test(keyId)) throw new UsageError('--key-id must be a KMS key ARN, key id or alias');
  return new KmsDigestSigner(new KMSClient({}), keyId);
}

/** The public key as PEM: to a file (`--out`) or standard output. Needs kms:GetPublicKey, nothing else. */
async function exportKey(values: AuditValues, local: LocalPaths): Promise<number> {
  const pem = await signerFor(values, local).publicKeyPem();
  if (values.out) {
    writeFileSync(values.out, pem, { mode: 0o644 });
    process.stderr.write(`wrote the notary's public key to ${values.out}\n`);
  } else process.stdout.write(pem);
  return 0;
}

const describe = (finding: Finding): string =>
  `${finding.kind.replace(/_/g, ' ').toUpperCase()}${finding.seq !== undefined ? ` at entry ${finding.seq}` : ''}: ${terminalSafe(finding.detail, 400)}`;

export function renderReport(report: AuditReport): string {
  const lines: string[] = [];
  const { digests } = report;
  lines.push(
    `Digests: ${digests.count} (newest #${digests.latestSeq}${digests.latestAt ? ` at ${terminalSafe(digests.latestAt, 40)}` : ''})${digests.findings.length ? '' : ', signatures and links valid'}`,
  );
  for (const finding of digests.findings) lines.push(`  ${describe(finding)}`);
  for (const chain of report.chains) {
    const state = chain.findings.length ? 'TAMPERED' : 'ok';
    const pending = chain.pending ? `, ${chain.pending} newer not signed yet` : '';
    lines.push(
      `${terminalSafe(chain.chainId, 120)}: ${state} (${chain.length} entries, signed up to ${chain.notarizedSeq}${pending})`,
    );
    for (const finding of chain.findings) lines.push(`  ${describe(finding)}`);
  }
  const tampered = report.chains.filter((chain) => chain.findings.length).length;
  lines.push(
    report.clean
      ? `Audit trail verified: ${report.chains.length} chains, nothing tampered.`
      : `AUDIT TRAIL TAMPERED: ${tampered} of ${report.chains.length} chains${digests.findings.length ? `, ${digests.findings.length} digest finding(s)` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}
