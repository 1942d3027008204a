import { ConditionalCheckFailedException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../core/audit/chain.ts';
import { ACTIVE_STATUSES, type Incident, type IncidentStatus, type IngestDecision } from '../core/incidents/incident.ts';
import type { MitigationRequest } from '../core/mitigations/mitigation.ts';
import { chainEntry, GENESIS_HASH } from '../core/audit/chain.ts';
import type { DeploymentRecord } from '../core/deployments/deployment-record.ts';
import type { HoldState } from '../core/deployments/release-hold.ts';
import { TABLE } from './table.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type CommittedDecision = Extract<IngestDecision, { incident: Incident }>;

export const incidentKey = (id: string) => ({ [TABLE.partitionKey]: `INC#${id}`, [TABLE.sortKey]: 'META' });
const lockKey = (fingerprint: string) => ({ [TABLE.partitionKey]: `FP#${fingerprint}`, [TABLE.sortKey]: 'OPEN' });
const eventKey = (signalKey: string) => ({ [TABLE.partitionKey]: `EVT#${signalKey}`, [TABLE.sortKey]: 'SEEN' });
const auditKey = (entry: AuditEntry) => ({
  [TABLE.partitionKey]: `INC#${entry.incidentId}`,
  [TABLE.sortKey]: `AUD#${String(entry.seq).padStart(10, '0')}`,
});
const requestKey = (incidentId: string, requestId: string) => ({
  [TABLE.partitionKey]: `INC#${incidentId}`,
  [TABLE.sortKey]: `MIT#${requestId}`,
});
const requestLookupKey = (requestId: string) => ({ [TABLE.partitionKey]: `MIT#${requestId}`, [TABLE.sortKey]: 'LOOKUP' });
const rosterKey = (userId: string) => ({ [TABLE.partitionKey]: 'ROSTER', [TABLE.sortKey]: `USER#${userId}` });
/** The incident's own message (`SLACK`) or a mitigation request's message in its thread (`SLACK#MIT-…`). */
const slackStateKey = (incidentId: string, requestId?: string) => ({
  [TABLE.partitionKey]: `INC#${incidentId}`,
  [TABLE.sortKey]: requestId ? `SLACK#${requestId}` : 'SLACK',
});
const deploymentKey = (service: string, id: string) => ({ [TABLE.partitionKey]: `DEP#${service}`, [TABLE.sortKey]: id });
const runKey = (runId: string) => ({ [TABLE.partitionKey]: `SSM#${runId}`, [TABLE.sortKey]: 'RUN' });
const progressKey = (incidentId: string, requestId: string) => ({
  [TABLE.partitionKey]: `INC#${incidentId}`,
  [TABLE.sortKey]: `PROG#${requestId}`,
});
const invocationKey = (incidentId: string, requestId: string, instanceId: string) => ({
  [TABLE.partitionKey]: `INC#${incidentId}`,
  [TABLE.sortKey]: `INV#${requestId}#${instanceId}`,
});
const holdKey = (service: string) => ({ [TABLE.partitionKey]: `HOLD#${service}`, [TABLE.sortKey]: 'STATE' });
const KEY_ATTRIBUTES = new Set<string>([
  TABLE.partitionKey,
  TABLE.sortKey,
  TABLE.byStatusIndex.partitionKey,
  TABLE.byStatusIndex.sortKey,
  'type',
]);

/** Why a commit did not happen: the event was already processed, or someone else changed the incident first. */
export type CommitResult = { committed: true } | { committed: false; reason: 'duplicate' | 'conflict' };

/**
 * A change made by a person or a policy: the incident (its audit head at least) moves on by one
 * version, with its new audit entries, and optionally a mitigation request is created or changed.
 * All of it commits together or not at all.
 */
export interface WorkflowChange {
  readonly incident: Incident;
  readonly expectedIncidentVersion: number;
  readonly audit: readonly AuditEntry[];
  readonly createRequest?: MitigationRequest;
  readonly updateRequest?: { readonly request: MitigationRequest; readonly expectedVersion: number };
}

/** Where an incident's Slack message lives and what it last showed; owned by notify. */
export interface SlackState {
  readonly channel: string;
  readonly ts: string;
  readonly renderedVersion: number;
  readonly renderedAt: string;
  /** A refresh is scheduled for this time (coalesced updates). */
  readonly refreshAt?: string;
}

/** What the processed-event marker remembers, so a redelivery can re-announce what the first one did. */
export interface ProcessedEvent {
  readonly incidentId: string;
  readonly outcome: CommittedDecision['outcome'];
}

/** The only code that reads and writes incidents, their locks, audit chains, event markers, mitigation requests, roster state and Slack message state. */
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
    const lock = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: lockKey(fingerprint),
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    const incidentId = lock.Item?.incidentId as string | undefined;
    return incidentId ? this.getIncident(incidentId) : undefined;
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: incidentKey(id), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    );
    return out.Item ? toIncident(out.Item) : undefined;
  }

  async getProcessedEvent(signalKey: string): Promise<ProcessedEvent | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: eventKey(signalKey), ConsistentRead: true }),
    );
    return out.Item?.incidentId
      ? { incidentId: out.Item.incidentId as string, outcome: out.Item.outcome as ProcessedEvent['outcome'] }
      : undefined;
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
          Item: {
            ...eventKey(signalKey),
            type: 'event',
            incidentId: incident.id,
            outcome: decision.outcome,
            [TABLE.ttlAttribute]: markerExpiresAt,
          },
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
      items.push(
        this.incidentWrite(decision.closes.incident, decision.closes.expectedVersion),
        ...decision.closes.audit.map((entry) => this.auditPut(entry)),
      );
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }));
      return { committed: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Reason 0 is the processed-event marker: its condition failing means this is a redelivery.
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { committed: false, reason: 'duplicate' };
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict'))
        return { committed: false, reason: 'conflict' };
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
      // A release hold's chain lives under HOLD#<service>; an incident's under INC#<id>.
      ExpressionAttributeValues: { ':pk': incidentId.startsWith('HOLD#') ? incidentId : `INC#${incidentId}`, ':aud': 'AUD#' },
      ConsistentRead: true,
    });
    return items.map(
      ({ incidentId: id, seq, at, actor, action, data, prevHash, hash }) =>
        ({ incidentId: id, seq, at, actor, action, data, prevHash, hash }) as AuditEntry,
    );
  }

  /** Follows a query's pages (each at most 1 MB) until `limit` items or the end. */
  private async queryAll(
    input: Omit<QueryCommandInput, 'TableName'>,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }

  /** Commits a person's or a policy's change; `conflict` means someone changed it first: re-read and retry. */
  async commitChange(change: WorkflowChange): Promise<CommitResult> {
    const items: TransactItem[] = [
      this.incidentWrite(change.incident, change.expectedIncidentVersion),
      ...change.audit.map((entry) => this.auditPut(entry)),
    ];
    if (change.createRequest) {
      const request = change.createRequest;
      items.push(
        {
          Put: {
            TableName: this.tableName,
            Item: { ...requestKey(request.incidentId, request.id), type: 'mitigation', ...request },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: { ...requestLookupKey(request.id), type: 'mitigation-lookup', incidentId: request.incidentId },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          },
        },
      );
    }
    if (change.updateRequest) {
      const { request, expectedVersion } = change.updateRequest;
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...requestKey(request.incidentId, request.id), type: 'mitigation', ...request },
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        },
      });
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }));
      return { committed: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      if ((error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict'))
        return { committed: false, reason: 'conflict' };
      throw error;
    }
  }

  async getRequest(incidentId: string, requestId: string): Promise<MitigationRequest | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: requestKey(incidentId, requestId), ConsistentRead: true }),
    );
    return out.Item ? (strip(out.Item) as unknown as MitigationRequest) : undefined;
  }

  /** A request by its id alone (slash commands name only the request). */
  async findRequest(requestId: string): Promise<MitigationRequest | undefined> {
    const lookup = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: requestLookupKey(requestId), ConsistentRead: true }),
    );
    const incidentId = lookup.Item?.incidentId as string | undefined;
    return incidentId ? this.getRequest(incidentId, requestId) : undefined;
  }

  async listRequests(incidentId: string): Promise<MitigationRequest[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :mit)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': `INC#${incidentId}`, ':mit': 'MIT#' },
      ConsistentRead: true,
    });
    return items.map((item) => strip(item) as unknown as MitigationRequest);
  }

  /** Members' away-until times, as set from Slack; roles come from the configuration. */
  async getAwayTimes(): Promise<Map<string, string>> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :user)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': 'ROSTER', ':user': 'USER#' },
      ConsistentRead: true,
    });
    return new Map(
      items
        .filter((item) => typeof item.awayUntil === 'string')
        .map((item) => [item.slackUserId as string, item.awayUntil as string]),
    );
  }

  /** Marks a member away until a time, or back (until = undefined). */
  async setAway(userId: string, until: string | undefined, now: string): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...rosterKey(userId),
          type: 'roster',
          slackUserId: userId,
          ...(until ? { awayUntil: until } : {}),
          changedAt: now,
        },
      }),
    );
  }

  async getSlackState(incidentId: string, requestId?: string): Promise<Partial<SlackState> | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: slackStateKey(incidentId, requestId), ConsistentRead: true }),
    );
    return out.Item ? (strip(out.Item) as unknown as SlackState) : undefined;
  }

  /**
   * Claims the right to create an incident's Slack message: only one notify invocation posts it.
   * Returns false when another invocation holds or completed the claim.
   */
  async claimSlackMessage(incidentId: string, now: string, requestId?: string): Promise<boolean> {
    // A claim whose holder died before posting (Slack down, timeout) goes stale after a minute.
    const stale = new Date(Date.parse(now) - 60_000).toISOString();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: slackStateKey(incidentId, requestId),
          UpdateExpression: 'SET #type = :type, claimedAt = :now',
          ConditionExpression: 'attribute_not_exists(#pk) OR (attribute_not_exists(#ts) AND claimedAt < :stale)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#ts': 'ts', '#type': 'type' },
          ExpressionAttributeValues: { ':type': 'slack', ':now': now, ':stale': stale },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Records what was rendered; never moves backwards to an older version. */
  async saveSlackState(incidentId: string, state: Partial<SlackState>, requestId?: string): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(state).map(([name, value], index) => {
      names[`#a${index}`] = name;
      values[`:v${index}`] = value;
      return `#a${index} = :v${index}`;
    });
    const guard =
      state.renderedVersion === undefined ? undefined : 'attribute_not_exists(renderedVersion) OR renderedVersion <= :rendered';
    if (guard) values[':rendered'] = state.renderedVersion;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: slackStateKey(incidentId, requestId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ...(guard ? { ConditionExpression: guard } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * True the first time a key is claimed for an incident, false ever after (within `ttlDays`):
   * notify's thread replies go out once even when EventBridge delivers an event twice.
   */
  async claimOnce(incidentId: string, key: string, now: string, ttlDays = 7): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [TABLE.partitionKey]: `INC#${incidentId}`,
            [TABLE.sortKey]: `ONCE#${key}`,
            type: 'once',
            at: now,
            [TABLE.ttlAttribute]: Math.floor(Date.parse(now) / 1000) + ttlDays * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Claims the one refresh of an incident's message for a coalescing window; false if already claimed. */
  async claimRefresh(incidentId: string, refreshAt: string, now: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: slackStateKey(incidentId),
          UpdateExpression: 'SET refreshAt = :at',
          ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(refreshAt) OR refreshAt <= :now)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          ExpressionAttributeValues: { ':at': refreshAt, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** A deployment record, with the Slack notice it was posted as. */
  async getDeployment(
    service: string,
    id: string,
  ): Promise<(DeploymentRecord & { slackChannel?: string; slackTs?: string }) | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: deploymentKey(service, id), ConsistentRead: true }),
    );
    return out.Item ? (strip(out.Item) as unknown as DeploymentRecord) : undefined;
  }

  /**
   * Writes a merged deployment record, conditional on the record being as it was read (its
   * `updatedAt`), so concurrent deliveries of one execution never overwrite each other.
   */
  async saveDeployment(record: DeploymentRecord, previousUpdatedAt: string | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...deploymentKey(record.service, record.id),
            type: 'deployment',
            // Overloads the byStatus index: deployments per account in time order ("what changed?").
            [TABLE.byStatusIndex.partitionKey]: `DEPLOYMENTS#${record.account}`,
            [TABLE.byStatusIndex.sortKey]: `${record.lastEventAt}#${record.id}`,
            ...record,
          },
          ...(previousUpdatedAt === undefined
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }
            : { ConditionExpression: 'updatedAt = :previous', ExpressionAttributeValues: { ':previous': previousUpdatedAt } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async setDeploymentMessage(service: string, id: string, channel: string, ts: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deploymentKey(service, id),
        UpdateExpression: 'SET slackChannel = :c, slackTs = :t',
        ExpressionAttributeValues: { ':c': channel, ':t': ts },
      }),
    );
  }

  /** Every deployment record of a service. */
  async listDeployments(service: string): Promise<DeploymentRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      ExpressionAttributeValues: { ':pk': `DEP#${service}` },
      ConsistentRead: true,
    });
    return items.map((item) => strip(item) as unknown as DeploymentRecord);
  }

  /** Deployments in an account whose latest event falls in [from, to]. */
  async deploymentsBetween(account: string, from: string, to: string): Promise<DeploymentRecord[]> {
    const items = await this.queryAll({
      IndexName: TABLE.byStatusIndex.name,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': TABLE.byStatusIndex.partitionKey, '#sk': TABLE.byStatusIndex.sortKey },
      ExpressionAttributeValues: { ':pk': `DEPLOYMENTS#${account}`, ':from': from, ':to': `${to}~` },
    });
    return items.map((item) => strip(item) as unknown as DeploymentRecord);
  }

  async getHold(service: string): Promise<(HoldState & { auditSeq?: number; auditHead?: string }) | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: holdKey(service), ConsistentRead: true }));
    return out.Item ? (strip(out.Item) as unknown as HoldState) : undefined;
  }

  /**
   * Saves a release hold, conditional on the revision that was read, with its audit entries on the
   * service's own hash chain (`HOLD#<service>` / `AUD#<seq>`), in one transaction.
   */
  async saveHold(
    hold: HoldState,
    expectedRevision: number | undefined,
    entries: ReadonlyArray<{ action: string; data: Record<string, unknown> }>,
    actor: string,
    now: string,
  ): Promise<boolean> {
    const current = expectedRevision === undefined ? undefined : await this.getHold(hold.service);
    let seq = current?.auditSeq ?? 0;
    let prevHash = current?.auditHead ?? GENESIS_HASH;
    const audit = entries.map(({ action, data }) => {
      const entry = chainEntry({ incidentId: `HOLD#${hold.service}`, seq: ++seq, at: now, actor, action, data, prevHash });
      prevHash = entry.hash;
      return entry;
    });
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...holdKey(hold.service), type: 'hold', ...hold, auditSeq: seq, auditHead: prevHash },
          ...(expectedRevision === undefined
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }
            : {
                ConditionExpression: 'revision = :expected AND auditSeq = :seq',
                ExpressionAttributeValues: { ':expected': expectedRevision, ':seq': current?.auditSeq ?? 0 },
              }),
        },
      },
      ...audit.map((entry) => ({
        Put: {
          TableName: this.tableName,
          Item: {
            [TABLE.partitionKey]: entry.incidentId,
            [TABLE.sortKey]: `AUD#${String(entry.seq).padStart(10, '0')}`,
            type: 'audit',
            ...entry,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        },
      })),
    ];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** Which mitigation request an SSM command or automation execution belongs to. */
  async saveRun(runId: string, run: { incidentId: string; requestId: string }): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...runKey(runId), type: 'ssm-run', ...run } }));
  }

  async getRun(runId: string): Promise<{ incidentId: string; requestId: string } | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }));
    return out.Item ? { incidentId: out.Item.incidentId as string, requestId: out.Item.requestId as string } : undefined;
  }

  /** A request's execution progress: counters per bucket, failed instances, the run's own status. */
  async getProgress(incidentId: string, requestId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: progressKey(incidentId, requestId), ConsistentRead: true }),
    );
    return out.Item ? strip(out.Item) : undefined;
  }

  async getInvocationBucket(incidentId: string, requestId: string, instanceId: string): Promise<string | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: invocationKey(incidentId, requestId, instanceId), ConsistentRead: true }),
    );
    return out.Item?.bucket as string | undefined;
  }

  /**
   * Moves one instance to a new bucket and adjusts the request's counters in one transaction,
   * conditional on the bucket it was read in: duplicate and concurrent status events count once.
   */
  async recordInvocation(input: {
    incidentId: string;
    requestId: string;
    instanceId: string;
    previous: string | undefined;
    bucket: string;
    delta: Readonly<Record<string, number>>;
    failed: boolean;
  }): Promise<boolean> {
    const { incidentId, requestId, instanceId } = input;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const adds = Object.entries(input.delta).map(([bucket, n], i) => {
      names[`#b${i}`] = bucket;
      values[`:d${i}`] = n;
      return `#b${i} :d${i}`;
    });
    // Failed ids are kept for the final summary, in a string set.
    if (input.failed) values[':failed'] = new Set([instanceId]);
    const addClause = [adds.join(', '), input.failed ? 'failedInstances :failed' : ''].filter(Boolean).join(', ');
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...invocationKey(incidentId, requestId, instanceId), type: 'invocation', bucket: input.bucket },
                ...(input.previous === undefined
                  ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }
                  : {
                      ConditionExpression: '#bucket = :previous',
                      ExpressionAttributeNames: { '#bucket': 'bucket' },
                      ExpressionAttributeValues: { ':previous': input.previous },
                    }),
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: progressKey(incidentId, requestId),
                UpdateExpression: `SET #type = :type ADD ${addClause}`,
                ExpressionAttributeNames: { ...names, '#type': 'type' },
                ExpressionAttributeValues: { ...values, ':type': 'progress' },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** Records the run's own (command or automation) status, conditional on the one it replaces. */
  async setRunStatus(incidentId: string, requestId: string, status: string, previous: string | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: progressKey(incidentId, requestId),
          UpdateExpression: 'SET runStatus = :s, #type = :type',
          ConditionExpression: previous === undefined ? 'attribute_not_exists(runStatus)' : 'runStatus = :previous',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':s': status,
            ':type': 'progress',
            ...(previous === undefined ? {} : { ':previous': previous }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Claims the next progress post for a request (at most one per interval); the final one always. */
  async claimProgressPost(incidentId: string, requestId: string, now: string, notBefore: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: progressKey(incidentId, requestId),
          UpdateExpression: 'SET lastPostedAt = :now',
          ConditionExpression: 'attribute_not_exists(lastPostedAt) OR lastPostedAt <= :notBefore',
          ExpressionAttributeValues: { ':now': now, ':notBefore': notBefore },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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
      return {
        Put: {
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        },
      };
    }
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

const OPTIONAL_FIELDS = ['resolvedAt', 'acknowledgedBy', 'resolvedBy', 'description', 'url'] as const;

function strip(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name)));
}

const toIncident = (item: Record<string, unknown>): Incident => strip(item) as unknown as Incident;
