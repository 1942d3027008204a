/**
 * Release holds: a failed deployment holds its service until the CTO (or, while the CTO is away,
 * a quorum of senior engineers) lifts the hold. Pure.
 */
import { CAPS, capText } from '../caps.ts';
import type { Role } from '../config.ts';
import { oneLine } from '../slack/text.ts';
import { optional, type DeploymentRecord } from './deployment-record.ts';

export interface HoldApproval {
  readonly userId: string;
  readonly role: Role;
  readonly at: string;
}

/** A service's release hold. Stored per service; `revision` guards concurrent writes. */
export interface HoldState {
  readonly service: string;
  readonly held: boolean;
  /** Built from validated fields only (ids, version, environment, the source's status word). */
  readonly reason: string;
  /** The failed deployment that put the hold; approvals count only for the hold they were given on. */
  readonly deploymentId: string;
  readonly environment: string;
  readonly version: string;
  readonly heldAt: string;
  /** Senior approvals needed while the CTO is away (by default `policy.seniorQuorum.high`). */
  readonly seniorQuorum: number;
  readonly approvals: readonly HoldApproval[];
  /** The release incident the failure opened, when there is one (audit, links). */
  readonly incidentId?: string;
  /** Slack user ids: the CTO, or the senior engineers whose approvals reached the quorum. */
  readonly liftedBy?: readonly string[];
  readonly liftedAt?: string;
  readonly revision: number;
}

export interface HoldOptions {
  /** The service's current hold, if any. */
  readonly existing?: HoldState;
  /** Default 2 (the default `policy.seniorQuorum.high`); pass the configured value. */
  readonly seniorQuorum?: number;
  /** Environments whose failures hold the service (config `deployments.holdEnvironments`); all when unset. */
  readonly holdEnvironments?: readonly string[];
  readonly incidentId?: string;
}

/**
 * The hold a failed deployment puts on its service, or undefined when the record is not a failure
 * or its environment does not hold. A failure that already is the hold's reason (a redelivery, even
 * after the hold was lifted) returns `options.existing` itself, unchanged. A new failure while held
 * re-arms the hold for that deployment: approvals given for the earlier failure no longer count.
 */
export function holdAfterFailure(record: DeploymentRecord, now: string, options: HoldOptions = {}): HoldState | undefined {
  if (record.status !== 'failed') return undefined;
  if (options.holdEnvironments && !options.holdEnvironments.includes(record.environment)) return undefined;
  const { existing } = options;
  if (existing && existing.service !== record.service)
    throw new Error(`the hold on ${existing.service} is not ${record.service}'s`);
  if (existing?.deploymentId === record.id) return existing;
  return {
    service: record.service,
    held: true,
    reason: capText(
      `deployment ${record.id} of ${oneLine(record.version)} to ${record.environment} failed (${oneLine(record.sourceStatus)})`,
      CAPS.holdReasonBytes,
    ),
    deploymentId: record.id,
    environment: record.environment,
    version: record.version,
    heldAt: now,
    seniorQuorum: options.seniorQuorum ?? 2,
    approvals: [],
    ...optional('incidentId', options.incidentId ?? (existing?.held ? existing.incidentId : undefined)),
    revision: (existing?.revision ?? 0) + 1,
  };
}
