import * as z from 'zod';
import type { AuditEntry } from '../../core/audit/chain.ts';
import { CategorySchema, SeveritySchema } from '../../core/config.ts';
import { ACTIVE_STATUSES, INCIDENT_STATUSES, type Incident, type IncidentStatus } from '../../core/incidents/incident.ts';
import type { CommitResult, CommittedDecision, ProcessedEvent, WorkflowChange } from '../../core/persistence.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { CommittedHook } from '../lambda/milestone-metrics.ts';
import { auditPut, readAudit } from './audit.ts';
import { outboxPuts } from './outbox.ts';
import { mitigationPuts } from './mitigations.ts';
import { IS_NEW, keys, lostRace, parseItem, TABLE, type Table } from './table.ts';

const IncidentStatusSchema = z.enum([
  'open',
  'acknowledged',
  'mitigating',
  'resolved',
  'closed',
]) satisfies z.ZodType<IncidentStatus>;

/** An incident as stored (`INC#<id>` / `META`); attributes it does not know are kept as they are. */
export const IncidentItem = z.looseObject({
  id: z.string(),
  status: IncidentStatusSchema,
  severity: SeveritySchema,
  category: CategorySchema,
  title: z.string(),
  description: z.string().optional(),
  url: z.string().optional(),
  fingerprint: z.string(),
  source: z.string(),
  kind: z.string(),
  subject: z.string(),
  account: z.string(),
  region: z.string(),
  channel: z.string(),
  rule: z.string().nullable(),
  mitigations: z.array(z.string()),
  resources: z.array(z.string()),
  resourcesOmitted: z.number().int().optional(),
  firingResources: z.array(z.string()),
  firingOverflow: z.boolean(),
  signalCount: z.number(),
  reopenCount: z.number(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  lastFiringAt: z.string(),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().optional(),
  acknowledgedBy: z.string().optional(),
  resolvedBy: z.string().optional(),
  version: z.number().int(),
  auditSeq: z.number().int(),
  auditHead: z.string(),
}) satisfies z.ZodType<Incident>;

const LockItem = z.object({ incidentId: z.string() });
const ProcessedEventItem = z.object({
  incidentId: z.string(),
  outcome: z.enum(['opened', 'updated', 'resolved', 'reopened']),
}) satisfies z.ZodType<ProcessedEvent>;

/** Optional incident fields an update removes when the new state no longer has them (resolvedAt on reopen). */
const OPTIONAL_FIELDS = ['resolvedAt', 'acknowledgedBy', 'resolvedBy', 'description', 'url', 'resourcesOmitted'] as const;

/** Incidents, their fingerprint locks, processed-event markers and audit chains. */
export class IncidentRepository {
  /** `onCommitted` sees each incident and the audit entries a successful commit wrote (the milestone metrics). */
  constructor(
    private readonly table: Table,
    private readonly onCommitted?: CommittedHook,
  ) {}

  async getIncident(id: string): Promise<Incident | undefined> {
    return this.table.get(keys.incident(id), IncidentItem);
  }

  /** The incident a fingerprint currently points at (open, or resolved and still inside its reopen window). */
  async findByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    const lock = await this.table.get(keys.fingerprintLock(fingerprint), LockItem);
    return lock ? this.getIncident(lock.incidentId) : undefined;
  }

  async getProcessedEvent(signalKey: string, consistency: 'strong' | 'eventual' = 'strong'): Promise<ProcessedEvent | undefined> {
    return this.table.get(keys.processedEvent(signalKey), ProcessedEventItem, consistency);
  }

  /** Incidents in the given statuses, newest first. */
  async listIncidents(statuses: readonly IncidentStatus[] = ACTIVE_STATUSES, limit = 50): Promise<Incident[]> {
    const perStatus = await Promise.all(
      statuses.map((status) =>
        this.table.query(
          {
            IndexName: TABLE.byStatusIndex.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': TABLE.byStatusIndex.partitionKey },
            ExpressionAttributeValues: { ':pk': `STATUS#${status}` },
            ScanIndexForward: false,
          },
          limit,
        ),
      ),
    );
    return perStatus
      .flat()
      .map((item) => parseItem(IncidentItem, item))
      .sort((a, b) => (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : 0))
      .slice(0, limit);
  }

  /** Every incident opened at or after `since` (ISO), whatever its status now, oldest first. */
  async listOpenedSince(since: string): Promise<Incident[]> {
    const perStatus = await Promise.all(
      INCIDENT_STATUSES.map((status) =>
        this.table.query({
          IndexName: TABLE.byStatusIndex.name,
          KeyConditionExpression: '#pk = :pk AND #sk >= :since',
          ExpressionAttributeNames: { '#pk': TABLE.byStatusIndex.partitionKey, '#sk': TABLE.byStatusIndex.sortKey },
          ExpressionAttributeValues: { ':pk': `STATUS#${status}`, ':since': since },
        }),
      ),
    );
    return perStatus
      .flat()
      .map((item) => parseItem(IncidentItem, item))
      .sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0));
  }

  /** An incident's whole audit chain, in order. */
  async getAudit(incidentId: string): Promise<AuditEntry[]> {
    return readAudit(this.table, incidentId);
  }

  /**
   * Applies a decision in one transaction: the incident change (conditional on its version), the
   * fingerprint lock, the audit entries, the processed-event marker and the events announcing it
   * (the outbox). Either all of it is written or none of it.
   */
  async commit(
    decision: CommittedDecision,
    signalKey: string,
    markerExpiresAt: number,
    events: readonly BusEvent[],
  ): Promise<CommitResult> {
    const { incident } = decision;
    const marker = {
      ...keys.processedEvent(signalKey),
      type: 'event',
      incidentId: incident.id,
      outcome: decision.outcome,
      [TABLE.ttlAttribute]: markerExpiresAt,
    };
    const result = await this.table.transact([
      // First, so that reason 0 failing its condition means this delivery is a redelivery.
      { Put: { Item: marker, ...IS_NEW } },
      incidentWrite(incident, decision.expectedVersion),
      ...decision.audit.map(auditPut),
      ...(decision.outcome === 'opened'
        ? [
            {
              Put: {
                Item: { ...keys.fingerprintLock(incident.fingerprint), type: 'fingerprint-lock', incidentId: incident.id },
                ...(decision.replaces
                  ? {
                      ConditionExpression: 'incidentId = :previous',
                      ExpressionAttributeValues: { ':previous': decision.replaces },
                    }
                  : IS_NEW),
              },
            },
          ]
        : []),
      ...(decision.closes
        ? [incidentWrite(decision.closes.incident, decision.closes.expectedVersion), ...decision.closes.audit.map(auditPut)]
        : []),
      ...outboxPuts(events),
    ]);
    if (result.applied) {
      this.onCommitted?.(incident, decision.audit);
      if (decision.closes) this.onCommitted?.(decision.closes.incident, decision.closes.audit);
      return { committed: true };
    }
    if (result.reasons[0] === 'ConditionalCheckFailed') return { committed: false, reason: 'duplicate' };
    if (lostRace(result.reasons)) return { committed: false, reason: 'conflict' };
    throw new Error(`commit of ${incident.id} cancelled: ${result.reasons.join(', ')}`);
  }

  /** Commits a person's or a policy's change; `conflict` means someone changed it first: re-read and retry. */
  async commitChange(change: WorkflowChange): Promise<CommitResult> {
    const result = await this.table.transact([
      incidentWrite(change.incident, change.expectedIncidentVersion),
      ...change.audit.map(auditPut),
      ...mitigationPuts(change),
      ...outboxPuts(change.events),
    ]);
    if (result.applied) {
      this.onCommitted?.(change.incident, change.audit);
      return { committed: true };
    }
    if (lostRace(result.reasons)) return { committed: false, reason: 'conflict' };
    throw new Error(`change of ${change.incident.id} cancelled: ${result.reasons.join(', ')}`);
  }
}

/** A new incident's put, or an update conditional on the version that was read. */
function incidentWrite(incident: Incident, expectedVersion: number) {
  const item = {
    ...keys.incident(incident.id),
    type: 'incident',
    [TABLE.byStatusIndex.partitionKey]: `STATUS#${incident.status}`,
    [TABLE.byStatusIndex.sortKey]: `${incident.openedAt}#${incident.id}`,
    ...incident,
  };
  if (expectedVersion === 0) return { Put: { Item: item, ...IS_NEW } };
  // An update of the fields this incident has, so attributes other functions own (the Slack message,
  // say) survive; REMOVE clears what the new state no longer has (resolvedAt on reopen).
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion };
  const sets: string[] = [];
  for (const [index, [name, value]] of Object.entries(item)
    .filter(([name]) => name !== TABLE.partitionKey && name !== TABLE.sortKey)
    .entries()) {
    names[`#a${index}`] = name;
    values[`:v${index}`] = value;
    sets.push(`#a${index} = :v${index}`);
  }
  const removes = OPTIONAL_FIELDS.filter((field) => incident[field] === undefined).map((field) => {
    names[`#r_${field}`] = field;
    return `#r_${field}`;
  });
  return {
    Update: {
      Key: keys.incident(incident.id),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
