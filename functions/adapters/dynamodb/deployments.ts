import * as z from '../../core/zod.ts';
import type { StoredDeployment } from '../../core/persistence.ts';
import type { DeploymentRecord } from '../../core/deployments/deployment-record.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import { outboxPuts } from './outbox.ts';
import { IS_NEW, keys, parseItem, TABLE, type Table } from './table.ts';

/** A deployment record as stored (`DEP#<service>` / `<id>`); attributes it does not know are kept as they are. */
export const DeploymentItem = z.looseObject({
  id: z.string(),
  source: z.string(),
  executionId: z.string(),
  service: z.string(),
  group: z.optional(z.string()),
  environment: z.string(),
  version: z.string(),
  commit: z.optional(z.string()),
  commitMessage: z.optional(z.string()),
  workItems: z.optional(z.array(z.string())),
  actor: z.optional(z.string()),
  status: z.enum(['started', 'succeeded', 'failed', 'stopped']),
  sourceStatus: z.string(),
  reason: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  durationSeconds: z.optional(z.number()),
  lastEventAt: z.string(),
  link: z.optional(z.string()),
  resources: z.array(z.string()),
  account: z.string(),
  region: z.string(),
  recordedAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  slackChannel: z.optional(z.string()),
  slackTs: z.optional(z.string()),
}) satisfies z.ZodMiniType<StoredDeployment>;

/** Deployment records: per service in time order, and per account through the byStatus index ("what changed?"). */
export class DeploymentRepository {
  constructor(private readonly table: Table) {}

  /** A deployment record, with the Slack notice it was posted as. */
  async getDeployment(service: string, id: string): Promise<StoredDeployment | undefined> {
    return this.table.get(keys.deployment(service, id), DeploymentItem);
  }

  /**
   * Writes a merged deployment record, conditional on the record being as it was read (its
   * `updatedAt`), so concurrent deliveries of one execution never overwrite each other.
   */
  async saveDeployment(
    record: StoredDeployment,
    previousUpdatedAt: string | undefined,
    events: readonly BusEvent[] = [],
  ): Promise<boolean> {
    const put = {
      Item: {
        ...keys.deployment(record.service, record.id),
        type: 'deployment',
        // Overloads the byStatus index: deployments per account in time order ("what changed?").
        [TABLE.byStatusIndex.partitionKey]: `DEPLOYMENTS#${record.account}`,
        [TABLE.byStatusIndex.sortKey]: `${record.lastEventAt}#${record.id}`,
        ...record,
      },
      ...(previousUpdatedAt === undefined
        ? IS_NEW
        : { ConditionExpression: 'updatedAt = :previous', ExpressionAttributeValues: { ':previous': previousUpdatedAt } }),
    };
    // Events (the tracker's work items) commit with the record; without any, one conditional put costs less.
    if (events.length === 0) return this.table.conditional({ put });
    return (await this.table.transact([{ Put: put }, ...outboxPuts(events)])).applied;
  }

  async setDeploymentMessage(service: string, id: string, channel: string, ts: string): Promise<void> {
    await this.table.update({
      Key: keys.deployment(service, id),
      UpdateExpression: 'SET slackChannel = :c, slackTs = :t',
      ExpressionAttributeValues: { ':c': channel, ':t': ts },
    });
  }

  /** Every deployment record of a service. */
  async listDeployments(service: string): Promise<StoredDeployment[]> {
    const items = await this.table.query({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      ExpressionAttributeValues: { ':pk': keys.deploymentPartition(service) },
      ConsistentRead: true,
    });
    return items.map((item) => parseItem(DeploymentItem, item));
  }

  /** Deployments in an account whose latest event falls in [from, to]. */
  async deploymentsBetween(account: string, from: string, to: string): Promise<DeploymentRecord[]> {
    const items = await this.table.query({
      IndexName: TABLE.byStatusIndex.name,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': TABLE.byStatusIndex.partitionKey, '#sk': TABLE.byStatusIndex.sortKey },
      ExpressionAttributeValues: { ':pk': `DEPLOYMENTS#${account}`, ':from': from, ':to': `${to}~` },
    });
    return items.map((item) => parseItem(DeploymentItem, item));
  }
}
