import * as z from '../../core/zod.ts';
import type { AuditEntry } from '../../core/audit/chain.ts';
import { CategorySchema, SeveritySchema } from '../../core/vocabulary.ts';
import {
  ACTIVE_STATUSES,
  INCIDENT_STATUSES,
  incidentIdFor,
  remembersSignal,
  type Incident,
  type IncidentStatus,
} from '../../core/incidents/incident.ts';
import type { CommitResult, CommittedDecision, ProcessedEvent, WorkflowChange } from '../../core/persistence.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { ChangeRecord } from '../../core/signals/change-record.ts';
import type { CommittedHook } from '../lambda/milestone-metrics.ts';
import { auditPut, readAudit } from './audit.ts';
import { FINGERPRINT_CURRENT, fingerprintPointer, withPointer } from './fingerprints.ts';
import { auditPutWithEvents, outboxPuts } from './outbox.ts';
import { mitigationPuts } from './mitigations.ts';
import { IS_NEW, keys, lostRace, parseItem, TABLE, type Table } from './table.ts';

const IncidentStatusSchema = z.enum([
  'open',
  'acknowledged',
  'mitigating',
  'resolved',
  'closed',
]) satisfies z.ZodMiniType<IncidentStatus>;

const ChangeItem = z.object({
  at: z.string(),
  account: z.string(),
  region: z.string(),
  watch: z.string(),
  what: z.string(),
  actor: z.optional(z.string()),
  change: z.optional(z.string()),
  incidentId: z.optional(z.string()),
  deploymentId: z.optional(z.string()),
  service: z.optional(z.string()),
}) satisfies z.ZodMiniType<ChangeRecord>;

/**
 * An incident as stored (`INC#<id>` / `META`), kept under 1 KB in the common case (a write then costs
 * 1 unit, 2 in a transaction): values equal to their default are not stored — firing resources equal
 * to the resources, `lastFiringAt` equal to `lastSeen`, no overflow, no reopen, no mitigations.
 * Attributes it does not know are kept as they are.
 */
const StoredIncident = z.looseObject({
  id: z.string(),
  status: IncidentStatusSchema,
  severity: SeveritySchema,
  category: CategorySchema,
  title: z.string(),
  description: z.optional(z.string()),
  url: z.optional(z.string()),
  fingerprint: z.string(),
  source: z.string(),
  kind: z.string(),
  subject: z.string(),
  account: z.string(),
  region: z.string(),
  channel: z.string(),
  rule: z.nullable(z.string()),
  mitigations: z.optional(z.array(z.string())),
  resources: z.array(z.string()),
  resourcesOmitted: z.optional(z.number().check(z.int())),
  firingResources: z.optional(z.array(z.string())),
  firingOverflow: z.optional(z.boolean()),
  signalCount: z.number(),
  reopenCount: z.optional(z.number()),
  firstSeen: z.string(),
  lastSeen: z.string(),
  lastFiringAt: z.optional(z.string()),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.optional(z.string()),
  acknowledgedBy: z.optional(z.string()),
  resolvedBy: z.optional(z.string()),
  version: z.number().check(z.int()),
  auditSeq: z.number().check(z.int()),
  auditHead: z.string(),
  recentSignals: z.optional(z.array(z.string())),
  /** On a fingerprint's first incident only: the incident the fingerprint points at now, when another one. */
  [FINGERPRINT_CURRENT]: z.optional(z.string()),
});

export const IncidentItem = z.pipe(
  StoredIncident,
  z.transform(
    // The fingerprint's pointer is not the incident's: left out, so an update of the incident never rewrites it.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    ({ mitigations, firingResources, firingOverflow, reopenCount, lastFiringAt, fingerprintCurrent, ...rest }): Incident => ({
      ...rest,
      mitigations: mitigations ?? [],
      firingResources: firingResources ?? rest.resources,
      firingOverflow: firingOverflow ?? false,
      reopenCount: reopenCount ?? 0,
      lastFiringAt: lastFiringAt ?? rest.lastSeen,
    }),
  ),
);

/** Attributes left out when they hold their default (see `StoredIncident`); an update removes them then. */
const DEFAULTED_FIELDS = ['mitigations', 'firingResources', 'firingOverflow', 'reopenCount', 'lastFiringAt', 'type'] as const;

function storedIncident(incident: Incident): Record<string, unknown> {
  const { mitigations, firingResources, firingOverflow, reopenCount, lastFiringAt, ...rest } = incident;
  const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  return {
    ...rest,
    ...(mitigations.length ? { mitigations } : {}),
    ...(sameList(firingResources, incident.resources) ? {} : { firingResources }),
    ...(firingOverflow ? { firingOverflow } : {}),
    ...(reopenCount ? { reopenCount } : {}),
    ...(lastFiringAt === incident.lastSeen ? {} : { lastFiringAt }),
  };
}

const LockItem = z.object({ incidentId: z.string() });
const ProcessedEventItem = z.object({
  incidentId: z.string(),
  outcome: z.enum(['opened', 'updated', 'resolved', 'reopened']),
}) satisfies z.ZodMiniType<ProcessedEvent>;

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

  /**
   * The incident a fingerprint currently points at (open, or resolved and still inside its reopen
   * window): its first incident, whose id derives from the fingerprint, or the one that first incident
   * points at. A fingerprint whose first incident predates derived ids has a lock item instead.
   */
  async findByFingerprint(fingerprint: string, hint: { firstIncidentAbsent?: boolean } = {}): Promise<Incident | undefined> {
    const first = hint.firstIncidentAbsent
      ? undefined
      : await this.table.get(keys.incident(incidentIdFor(fingerprint)), StoredIncident);
    if (first) {
      const current = first[FINGERPRINT_CURRENT];
      return current ? this.getIncident(current) : parseItem(IncidentItem, first);
    }
    const lock = await this.table.get(keys.fingerprintLock(fingerprint), LockItem);
    return lock ? this.getIncident(lock.incidentId) : undefined;
  }

  /** The signal's marker and the fingerprint's first incident, both eventually consistent (see the port). */
  async findEarlierDelivery(signalKey: string, fingerprint: string | undefined) {
    const [processed, first] = await Promise.all([
      this.getProcessedEvent(signalKey, 'eventual'),
      fingerprint === undefined ? undefined : this.table.get(keys.incident(incidentIdFor(fingerprint)), IncidentItem, 'eventual'),
    ]);
    // Only the opening digest, kept for good: a recent one is left to the strong path, which writes its missing marker.
    const opening = !processed && first && remembersSignal(first, signalKey) === 'opening';
    const seen: ProcessedEvent | undefined =
      processed ?? (first && opening ? { incidentId: first.id, outcome: 'opened' } : undefined);
    return { ...(seen ? { processed: seen } : {}), firstIncidentAbsent: !first };
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

  /** Watched changes in an account between `from` and `to` (ISO times), at most `limit`, oldest first. */
  async changesBetween(account: string, from: string, to: string, limit = 50): Promise<ChangeRecord[]> {
    const items = await this.table.query(
      {
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': `CHG#${account}`, ':from': from, ':to': `${to}~` },
        Limit: limit,
      },
      limit,
    );
    return items.map((item) => parseItem(ChangeItem, item));
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
   * Applies a decision in one transaction: the incident change (conditional on its version, and
   * recording the signal's digest), its audit entries carrying the events announcing it (the outbox
   * in the audit entry) and, for an incident replacing another, the fingerprint's pointer; either all
   * of it is written or none of it. A new incident is two items (4 write units while each is under
   * 1 KB): its conditional put is the fingerprint's claim (the id derives from the fingerprint) and
   * remembers the opening signal's digest for good, so it needs no processed-event marker. Any other
   * change's marker follows as a single write (1 unit instead of 2 inside the transaction): a
   * redelivery racing this one, or retried after a crash before the marker, finds the digest on the
   * incident and is a duplicate.
   */
  async commit(
    decision: CommittedDecision,
    signalKey: string,
    markerExpiresAt: number,
    events: readonly BusEvent[],
    change?: ChangeRecord,
  ): Promise<CommitResult> {
    const { incident } = decision;
    const marker = processedMarker(signalKey, incident.id, decision.outcome, markerExpiresAt);
    if (decision.coalesced) return this.commitRepeat(decision, marker);
    const { audit } = decision;
    const closes = decision.closes && incidentWrite(decision.closes.incident, decision.closes.expectedVersion);
    const pointer = decision.replaces ? await fingerprintPointer(this.table, incident, decision.replaces) : undefined;
    // The fingerprint's first incident may be the one closed: one operation per item in a transaction.
    const pointerOnClosed = pointer?.onFirst !== undefined && pointer.onFirst === decision.closes?.incident.id;
    const result = await this.table.transact([
      incidentWrite(incident, decision.expectedVersion),
      ...audit.map((entry, index) => (index === audit.length - 1 ? auditPutWithEvents(entry, events) : auditPut(entry))),
      ...(audit.length === 0 ? outboxPuts(events) : []),
      ...(pointer && !pointerOnClosed ? [pointer.write] : []),
      ...(closes && decision.closes
        ? [
            pointerOnClosed ? withPointer(closes, incident.id, decision.replaces!) : closes,
            ...decision.closes.audit.map(auditPut),
          ]
        : []),
      // Its own key per delivery (a redelivery rewrites the same item): no contention, no growth past its TTL.
      ...(change
        ? [
            {
              Put: {
                Item: {
                  ...keys.change(change.account, change.at, signalKey),
                  type: 'change',
                  ...change,
                  [TABLE.ttlAttribute]: markerExpiresAt,
                },
              },
            },
          ]
        : []),
    ]);
    if (result.applied) {
      if (decision.outcome !== 'opened') await this.table.put(marker);
      this.onCommitted?.(incident, decision.audit);
      if (decision.closes) this.onCommitted?.(decision.closes.incident, decision.closes.audit);
      return { committed: true };
    }
    if (lostRace(result.reasons)) return { committed: false, reason: 'conflict' };
    throw new Error(`commit of ${incident.id} cancelled: ${result.reasons.join(', ')}`);
  }

  /**
   * A coalesced repeat (no audit entry, nothing to announce): one conditional update of the incident,
   * which records the signal's digest, then the processed-event marker, as two single writes (1 unit
   * each while the incident stays under 1 KB) instead of a transaction (2 units per item). A crash
   * between the two leaves the digest on the incident: the retried delivery is found there, and its
   * marker written then (`markProcessed`).
   */
  private async commitRepeat(decision: CommittedDecision, marker: Record<string, unknown>): Promise<CommitResult> {
    const { Update } = incidentWrite(decision.incident, decision.expectedVersion);
    if (!Update || !(await this.table.conditional({ update: Update }))) return { committed: false, reason: 'conflict' };
    await this.table.put(marker);
    return { committed: true };
  }

  /** Writes the marker of a signal found recorded on its incident (its first delivery may have crashed before its marker). */
  async markProcessed(signalKey: string, incidentId: string, markerExpiresAt: number): Promise<void> {
    await this.table.put(processedMarker(signalKey, incidentId, 'updated', markerExpiresAt));
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

function processedMarker(signalKey: string, incidentId: string, outcome: ProcessedEvent['outcome'], expiresAt: number) {
  return { ...keys.processedEvent(signalKey), type: 'event', incidentId, outcome, [TABLE.ttlAttribute]: expiresAt };
}

/** A new incident's put, or an update conditional on the version that was read. */
function incidentWrite(incident: Incident, expectedVersion: number) {
  const item: Record<string, unknown> = {
    ...keys.incident(incident.id),
    [TABLE.byStatusIndex.partitionKey]: `STATUS#${incident.status}`,
    [TABLE.byStatusIndex.sortKey]: `${incident.openedAt}#${incident.id}`,
    ...storedIncident(incident),
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
  const removes = [...OPTIONAL_FIELDS, ...DEFAULTED_FIELDS]
    .filter((field) => item[field] === undefined)
    .map((field) => {
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
