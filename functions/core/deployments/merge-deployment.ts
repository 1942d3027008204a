/**
 * Folding the events of one deployment into one record, independently of delivery order. Pure.
 */
import { canonicalJson } from '../audit/chain.ts';
import { CAPS, capList } from '../caps.ts';
import { optional, withDuration, type DeploymentRecord } from './deployment-record.ts';
import type { DeploymentStatus } from './deployment-sources.ts';

export type DeploymentChange = 'created' | 'updated' | 'unchanged';

/** Events at the same time: the more final, then the worse status wins, so the order of delivery does not matter. */
const STATUS_RANK: Record<DeploymentStatus, number> = { started: 0, succeeded: 1, stopped: 2, failed: 3 };

const BOOKKEEPING = ['recordedAt', 'updatedAt'] as const;

/**
 * Folds one event's record into the stored one (same id). The status is that of the latest event
 * by source time (ties: failed > stopped > succeeded > started), so a STARTED delivered late after
 * SUCCEEDED never moves the status back, while a RESUMED execution (a STARTED newer than the
 * failure) does. The start is the earliest seen, the end that of the winning event; optional facts
 * (commit, actor, link...) are kept from whichever event had them. The result does not depend on
 * the order of delivery. A duplicate returns `unchanged` and the stored record itself.
 */
export function mergeDeployment(
  existing: DeploymentRecord | undefined,
  incoming: DeploymentRecord,
  now: string,
): { record: DeploymentRecord; change: DeploymentChange; previousStatus?: DeploymentStatus } {
  if (!existing) return { record: withDuration({ ...strip(incoming), recordedAt: now, updatedAt: now }), change: 'created' };
  if (existing.id !== incoming.id) throw new Error(`cannot merge deployment ${incoming.id} into ${existing.id}`);
  const incomingWins =
    incoming.lastEventAt > existing.lastEventAt ||
    (incoming.lastEventAt === existing.lastEventAt && STATUS_RANK[incoming.status] > STATUS_RANK[existing.status]);
  const [winner, loser] = incomingWins ? [incoming, existing] : [existing, incoming];
  const startedAt = [existing.startedAt, incoming.startedAt].filter((t): t is string => !!t).sort()[0];
  const finishedAt = winner.status === 'started' ? undefined : winner.finishedAt;
  const merged: DeploymentRecord = withDuration({
    // Identity stays as first recorded.
    id: existing.id,
    source: existing.source,
    executionId: existing.executionId,
    service: existing.service,
    environment: existing.environment,
    account: existing.account,
    region: existing.region,
    version: winner.version,
    status: winner.status,
    sourceStatus: winner.sourceStatus,
    lastEventAt: winner.lastEventAt,
    ...optional('group', winner.group ?? loser.group),
    ...optional('commit', winner.commit ?? loser.commit),
    ...optional('commitMessage', winner.commitMessage ?? loser.commitMessage),
    ...optional('actor', winner.actor ?? loser.actor),
    ...optional('workItems', winner.workItems ?? loser.workItems),
    ...optional('link', winner.link ?? loser.link),
    // A reason belongs to its status: a success after a resumed failure does not keep the failure's reason.
    ...optional('reason', winner.reason),
    ...(startedAt && (!finishedAt || startedAt <= finishedAt) ? { startedAt } : {}),
    ...optional('finishedAt', finishedAt),
    resources: capList([...new Set([...existing.resources, ...incoming.resources])], CAPS.deploymentResources).kept,
  });
  if (canonicalJson(merged) === canonicalJson(strip(existing)))
    return { record: existing, change: 'unchanged', previousStatus: existing.status };
  return {
    record: { ...merged, recordedAt: existing.recordedAt ?? now, updatedAt: now },
    change: 'updated',
    previousStatus: existing.status,
  };
}

function strip(record: DeploymentRecord): DeploymentRecord {
  const copy: Record<string, unknown> = { ...record };
  for (const key of BOOKKEEPING) delete copy[key];
  return copy as unknown as DeploymentRecord;
}

/** The merge made this deployment fail (not a repeat of a failure already recorded). */
export const becameFailed = (result: {
  record: DeploymentRecord;
  change: DeploymentChange;
  previousStatus?: DeploymentStatus;
}): boolean => result.change !== 'unchanged' && result.record.status === 'failed' && result.previousStatus !== 'failed';
