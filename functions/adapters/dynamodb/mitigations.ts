import * as z from '../../core/zod.ts';
import { RoleSchema, SeveritySchema } from '../../core/vocabulary.ts';
import type { MitigationPlan, MitigationRequest, MitigationState } from '../../core/mitigations/mitigation.ts';
import type { InvocationChange, RunOwner, StoredProgress, WorkflowChange } from '../../core/persistence.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, keys, parseItem, type Table } from './table.ts';

const MitigationStateSchema = z.enum([
  'awaiting_approval',
  'approved',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
  'expired',
]) satisfies z.ZodMiniType<MitigationState>;

const PlanSchema = z.object({
  catalogId: z.string(),
  kind: z.enum(['command', 'automation']),
  document: z.string(),
  documentVersion: z.string(),
  parameters: z.record(z.string(), z.string()),
  targets: z.discriminatedUnion('type', [
    z.object({ type: z.literal('tags'), key: z.string(), values: z.array(z.string()) }),
    z.object({ type: z.literal('resource-group'), name: z.string() }),
    z.object({ type: z.literal('instances'), instanceIds: z.array(z.string()) }),
    z.object({ type: z.literal('resource') }),
  ]),
  rateControl: z.object({ maxConcurrency: z.string(), maxErrors: z.string() }),
  timeoutSeconds: z.number(),
}) satisfies z.ZodMiniType<MitigationPlan>;

/** A mitigation request as stored (`INC#<id>` / `MIT#<id>`); attributes it does not know are kept as they are. */
export const MitigationRequestItem = z.looseObject({
  id: z.string(),
  incidentId: z.string(),
  catalogId: z.string(),
  title: z.string(),
  risk: z.enum(['low', 'medium', 'high']),
  severity: SeveritySchema,
  plan: PlanSchema,
  planHash: z.string(),
  state: MitigationStateSchema,
  requestedBy: z.string(),
  planChangedBy: z.optional(z.array(z.string())),
  requestedAt: z.string(),
  expiresAt: z.string(),
  escalateAt: z.string(),
  escalatedAt: z.optional(z.string()),
  seniorQuorum: z.number(),
  approvals: z.array(z.object({ userId: z.string(), role: RoleSchema, at: z.string(), planHash: z.string() })),
  decidedBy: z.optional(z.array(z.string())),
  decidedAt: z.optional(z.string()),
  reason: z.optional(z.string()),
  cancel: z.optional(
    z.object({ by: z.string(), at: z.string(), failedAt: z.optional(z.string()), endedFirst: z.optional(MitigationStateSchema) }),
  ),
  version: z.number().check(z.int()),
}) satisfies z.ZodMiniType<MitigationRequest>;

const LookupItem = z.object({ incidentId: z.string() });
const REMEMBERED_LOOKUPS = 1_000;
const RunItem = z.object({ incidentId: z.string(), requestId: z.string() }) satisfies z.ZodMiniType<RunOwner>;
const InvocationItem = z.object({ bucket: z.string() });
/** Counters per bucket (numbers), failed instances (a string set), the run's status and the last progress post. */
const ProgressItem = z.looseObject({
  runStatus: z.optional(z.string()),
  lastPostedAt: z.optional(z.string()),
  failedInstances: z.optional(z.set(z.string())),
});

/** The writes of a workflow change's mitigation request (created with its lookup, or changed on its version). */
export function mitigationPuts(change: Pick<WorkflowChange, 'createRequest' | 'updateRequest'>) {
  const writes = [];
  if (change.createRequest) {
    const request = change.createRequest;
    writes.push(
      { Put: { Item: { ...keys.mitigation(request.incidentId, request.id), type: 'mitigation', ...request }, ...IS_NEW } },
      {
        Put: {
          Item: { ...keys.mitigationLookup(request.id), type: 'mitigation-lookup', incidentId: request.incidentId },
          ...IS_NEW,
        },
      },
    );
  }
  if (change.updateRequest) {
    const { request, expectedVersion } = change.updateRequest;
    writes.push({
      Put: {
        Item: { ...keys.mitigation(request.incidentId, request.id), type: 'mitigation', ...request },
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': expectedVersion },
      },
    });
  }
  return writes;
}

/**
 * Mitigation requests (created and changed with their incident, see IncidentRepository.commitChange),
 * the SSM runs that execute them, and their progress: per-instance buckets and counters.
 */
export class MitigationRepository {
  private readonly knownIncidents = new Map<string, string>();

  constructor(private readonly table: Table) {}

  async getRequest(incidentId: string, requestId: string): Promise<MitigationRequest | undefined> {
    return this.table.get(keys.mitigation(incidentId, requestId), MitigationRequestItem);
  }

  /**
   * The incident a request belongs to (slash commands name only the request). The lookup item is
   * written once with the request and never changed, so this container remembers its answers (the
   * last 1,000) and a warm Slack request reads the request, its incident and the roster at once.
   */
  async incidentOf(requestId: string): Promise<string | undefined> {
    const known = this.knownIncidents.get(requestId);
    if (known) return known;
    const lookup = await this.table.get(keys.mitigationLookup(requestId), LookupItem);
    if (!lookup) return undefined;
    if (this.knownIncidents.size >= REMEMBERED_LOOKUPS) this.knownIncidents.delete(this.knownIncidents.keys().next().value!);
    this.knownIncidents.set(requestId, lookup.incidentId);
    return lookup.incidentId;
  }

  /** A request by its id alone. */
  async findRequest(requestId: string): Promise<MitigationRequest | undefined> {
    const incidentId = await this.incidentOf(requestId);
    return incidentId ? this.getRequest(incidentId, requestId) : undefined;
  }

  async listRequests(incidentId: string): Promise<MitigationRequest[]> {
    const items = await this.table.queryPrefix(keys.incidentPartition(incidentId), 'MIT#');
    return items.map((item) => parseItem(MitigationRequestItem, item));
  }

  /** Which mitigation request an SSM command or automation execution belongs to. */
  async saveRun(runId: string, run: RunOwner): Promise<void> {
    await this.table.put({ ...keys.run(runId), type: 'ssm-run', ...run });
  }

  async getRun(runId: string): Promise<RunOwner | undefined> {
    return this.table.get(keys.run(runId), RunItem);
  }

  /** A request's execution progress: counters per bucket, failed instances, the run's own status. */
  async getProgress(incidentId: string, requestId: string): Promise<StoredProgress | undefined> {
    return this.table.get(keys.progress(incidentId, requestId), ProgressItem);
  }

  async getInvocationBucket(incidentId: string, requestId: string, instanceId: string): Promise<string | undefined> {
    return (await this.table.get(keys.invocation(incidentId, requestId, instanceId), InvocationItem))?.bucket;
  }

  /**
   * Moves one instance to a new bucket and adjusts the request's counters in one transaction,
   * conditional on the bucket it was read in: duplicate and concurrent status events count once.
   */
  async recordInvocation(input: InvocationChange): Promise<boolean> {
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
    const result = await this.table.transact([
      {
        Put: {
          Item: { ...keys.invocation(incidentId, requestId, instanceId), type: 'invocation', bucket: input.bucket },
          ...(input.previous === undefined
            ? IS_NEW
            : {
                ConditionExpression: '#bucket = :previous',
                ExpressionAttributeNames: { '#bucket': 'bucket' },
                ExpressionAttributeValues: { ':previous': input.previous },
              }),
        },
      },
      {
        Update: {
          Key: keys.progress(incidentId, requestId),
          UpdateExpression: `SET #type = :type ADD ${addClause}`,
          ExpressionAttributeNames: { ...names, '#type': 'type' },
          ExpressionAttributeValues: { ...values, ':type': 'progress' },
        },
      },
    ]);
    return result.applied;
  }

  /** Records the run's own (command or automation) status, conditional on the one it replaces. */
  async setRunStatus(incidentId: string, requestId: string, status: string, previous: string | undefined): Promise<boolean> {
    return this.table.conditional({
      update: {
        Key: keys.progress(incidentId, requestId),
        UpdateExpression: 'SET runStatus = :s, #type = :type',
        ConditionExpression: previous === undefined ? 'attribute_not_exists(runStatus)' : 'runStatus = :previous',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':s': status,
          ':type': 'progress',
          ...(previous === undefined ? {} : { ':previous': previous }),
        },
      },
    });
  }

  /** Claims the next progress post for a request (at most one per interval); the final one always. */
  async claimProgressPost(
    incidentId: string,
    requestId: string,
    now: string,
    notBefore: string,
    events: readonly BusEvent[],
  ): Promise<boolean> {
    const result = await this.table.transact([
      {
        Update: {
          Key: keys.progress(incidentId, requestId),
          UpdateExpression: 'SET lastPostedAt = :now',
          ConditionExpression: 'attribute_not_exists(lastPostedAt) OR lastPostedAt <= :notBefore',
          ExpressionAttributeValues: { ':now': now, ':notBefore': notBefore },
        },
      },
      ...outboxPuts(events),
    ]);
    return result.applied;
  }
}
