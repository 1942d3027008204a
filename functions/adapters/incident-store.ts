import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type QueryCommandInput, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../core/audit.ts';
import { ACTIVE_STATUSES, type Incident, type IncidentStatus, type IngestDecision } from '../core/incident.ts';
import { TABLE } from './table.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type CommittedDecision = Extract<IngestDecision, { incident: Incident }>;

export const incidentKey = (id: string) => ({ [TABLE.partitionKey]: `INC#${id}`, [TABLE.sortKey]: 'META' });
const lockKey = (fingerprint: string) => ({ [TABLE.partitionKey]: `FP#${fingerprint}`, [TABLE.sortKey]: 'OPEN' });
const eventKey = (signalKey: string) => ({ [TABLE.partitionKey]: `EVT#${signalKey}`, [TABLE.sortKey]: 'SEEN' });
const auditKey = (entry: AuditEntry) => ({ [TABLE.partitionKey]: `INC#${entry.incidentId}`, [TABLE.sortKey]: `AUD#${String(entry.seq).padStart(10, '0')}` });
const KEY_ATTRIBUTES = new Set<string>([TABLE.partitionKey, TABLE.sortKey, TABLE.byStatusIndex.partitionKey, TABLE.byStatusIndex.sortKey, 'type']);

/** Why a commit did not happen: the event was already processed, or someone else changed the incident first. */
export type CommitResult = { committed: true } | { committed: false; reason: 'duplicate' | 'conflict' };

/** What the processed-event marker remembers, so a redelivery can re-announce what the first one did. */
export interface ProcessedEvent {
  readonly incidentId: string;
  readonly outcome: CommittedDecision['outcome'];
}

/** The only code that reads and writes incidents, their fingerprint locks, audit chains and event markers. */
export class IncidentStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** The incident a fingerprint currently points at (open, or resolved and still inside its reopen window). */
  async findByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    const lock = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: lockKey(fingerprint), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    const incidentId = lock.Item?.incidentId as string | undefined;
    return incidentId ? this.getIncident(incidentId) : undefined;
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: incidentKey(id), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    return out.Item ? toIncident(out.Item) : undefined;
  }

  async getProcessedEvent(signalKey: string): Promise<ProcessedEvent | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: eventKey(signalKey), ConsistentRead: true }));
    return out.Item?.incidentId ? { incidentId: out.Item.incidentId as string, outcome: out.Item.outcome as ProcessedEvent['outcome'] } : undefined;
  }

  /**
   * Applies a decision in one transaction: the incident change (conditional on its version), the
   * fingerprint lock, the audit entries and the processed-event marker. Either all of it is written
   * or none of it.
   */
  async commit(decision: CommittedDecision, signalKey: string, markerExpiresAt: number): Promise<CommitResult> {
    const { incident } = decision;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...eventKey(signalKey), type: 'event', incidentId: incident.id, outcome: decision.outcome, [TABLE.ttlAttribute]: markerExpiresAt },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        },
      },
      this.incidentWrite(incident, decision.expectedVersion),
      ...decision.audit.map((entry) => this.auditPut(entry)),
    ];
    if (decision.outcome === 'opened') {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...lockKey(incident.fingerprint), type: 'fingerprint-lock', incidentId: incident.id },
          ...(decision.replaces
            ? { ConditionExpression: 'incidentId = :previous', ExpressionAttributeValues: { ':previous': decision.replaces } }
            : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }),
        },
      });
    }
    if (decision.closes) {
      items.push(this.incidentWrite(decision.closes.incident, decision.closes.expectedVersion), ...decision.closes.audit.map((entry) => this.auditPut(entry)));
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }));
      return { committed: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Reason 0 is the processed-event marker: its condition failing means this is a redelivery.
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { committed: false, reason: 'duplicate' };
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) return { committed: false, reason: 'conflict' };
      throw error;
    }
  }

  /** Incidents in the given statuses, newest first. */
  async listIncidents(statuses: readonly IncidentStatus[] = ACTIVE_STATUSES, limit = 50): Promise<Incident[]> {
    const perStatus = await Promise.all(
      statuses.map((status) =>
        this.queryAll(
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
      .map(toIncident)
      .sort((a, b) => (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : 0))
      .slice(0, limit);
  }

  /** An incident's whole audit chain, in order. */
  async getAudit(incidentId: string): Promise<AuditEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :aud)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': `INC#${incidentId}`, ':aud': 'AUD#' },
      ConsistentRead: true,
    });
    return items.map(({ incidentId: id, seq, at, actor, action, data, prevHash, hash }) => ({ incidentId: id, seq, at, actor, action, data, prevHash, hash }) as AuditEntry);
  }

  /** Follows a query's pages (each at most 1 MB) until `limit` items or the end. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit = Number.POSITIVE_INFINITY): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }

  private incidentWrite(incident: Incident, expectedVersion: number): TransactItem {
    const item = {
      ...incidentKey(incident.id),
      type: 'incident',
      [TABLE.byStatusIndex.partitionKey]: `STATUS#${incident.status}`,
      [TABLE.byStatusIndex.sortKey]: `${incident.openedAt}#${incident.id}`,
      ...incident,
    };
    if (expectedVersion === 0) {
      return { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } } };
    }
    // An update of the fields this incident has, so attributes other functions own (the Slack message,
    // say) survive; REMOVE clears what the new state no longer has (resolvedAt on reopen).
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion };
    const sets: string[] = [];
    for (const [index, [name, value]] of Object.entries(item).filter(([name]) => name !== TABLE.partitionKey && name !== TABLE.sortKey).entries()) {
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
        TableName: this.tableName,
        Key: incidentKey(incident.id),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  private auditPut(entry: AuditEntry): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...auditKey(entry), type: 'audit', ...entry },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      },
    };
  }
}

const OPTIONAL_FIELDS = ['resolvedAt', 'description', 'url'] as const;

function toIncident(item: Record<string, unknown>): Incident {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name))) as unknown as Incident;
}
