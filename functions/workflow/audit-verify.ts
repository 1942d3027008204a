import type { StoredChain } from '../core/audit/verify-trail.ts';
import { verifyAuditTrail, type AuditReport, type Finding } from '../core/audit/verify-trail.ts';
import type { DigestStore } from './ports/notary.ts';

/** Reads audit chains exactly as stored (DynamoDB when deployed, DynamoDB Local offline). */
export interface AuditChainReader {
  listChainIds(): Promise<string[]>;
  readChain(chainId: string): Promise<StoredChain>;
}

export interface AuditVerifyDependencies {
  readonly chains: AuditChainReader;
  readonly digests: Pick<DigestStore, 'list'>;
  readonly publicKeyPem: string;
  readonly now: () => Date;
}

/** Which chains: the named ones, or every chain in the table and in the digests. */
export type AuditScope = { readonly chainIds: readonly string[] } | { readonly all: true };

/**
 * Every chain in scope checked against every digest. With `all`, a chain the digests name but the
 * table no longer holds is checked too (and found deleted).
 */
export async function verifyAudit(
  scope: AuditScope,
  deps: AuditVerifyDependencies,
  options: { readonly since?: string; readonly graceMinutes?: number } = {},
): Promise<AuditReport> {
  const { digests, unreadable } = await deps.digests.list();
  let chainIds: string[];
  if ('all' in scope) {
    const ids = new Set(await deps.chains.listChainIds());
    for (const digest of digests) for (const head of digest.digest.heads) ids.add(head.chainId);
    chainIds = [...ids].sort();
  } else chainIds = [...scope.chainIds];
  const chains: StoredChain[] = [];
  for (const chainId of chainIds) chains.push(await deps.chains.readChain(chainId));
  const report = verifyAuditTrail({
    chains,
    digests,
    publicKeyPem: deps.publicKeyPem,
    now: deps.now().toISOString(),
    ...(options.since ? { since: options.since } : {}),
    ...(options.graceMinutes !== undefined ? { graceMinutes: options.graceMinutes } : {}),
  });
  if (unreadable.length === 0) return report;
  // A file in the digest store that is not a digest was put there by someone other than the notary.
  const forged: Finding[] = unreadable.map((key) => ({ kind: 'forged_digest', detail: `${key} is not a readable digest` }));
  return { ...report, clean: false, digests: { ...report.digests, findings: [...forged, ...report.digests.findings] } };
}
