import { BUCKET_CAP } from '../../core/signals/signin-bursts.ts';
import { keys, TABLE, type Table } from './table.ts';

/**
 * Failed sign-ins counted per key and minute, shared by every ingest instance: each failure is one
 * conditional update that adds its delivery's id to the minute's set and its count, so a redelivery
 * never counts twice; a window's total is one query over at most `windowMinutes` small items.
 */
export class SigninFailureRepository {
  constructor(private readonly table: Table) {}

  /** Counts one failure; false when it was counted before (a redelivery) or the minute is full. */
  async countFailure(burstKey: string, minute: string, signalKey: string, expiresAt: number): Promise<boolean> {
    return this.table.conditional({
      update: {
        Key: keys.signinFailures(burstKey, minute),
        UpdateExpression: 'ADD failures :one, signals :signal SET #type = :type, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(signals) OR (NOT contains(signals, :id) AND size(signals) < :cap)',
        ExpressionAttributeNames: { '#type': 'type', '#ttl': TABLE.ttlAttribute },
        ExpressionAttributeValues: {
          ':one': 1,
          ':signal': new Set([signalKey]),
          ':id': signalKey,
          ':cap': BUCKET_CAP,
          ':type': 'signin-failures',
          ':ttl': expiresAt,
        },
      },
    });
  }

  /** The failures counted for a key in the minutes [first, last]. */
  async failuresBetween(burstKey: string, first: string, last: string): Promise<number> {
    const items = await this.table.query({
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
      ProjectionExpression: 'failures',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': `SIGNINFAIL#${burstKey}`, ':first': first, ':last': last },
      ConsistentRead: true,
    });
    return items.reduce((sum, item) => sum + (typeof item.failures === 'number' ? item.failures : 0), 0);
  }
}
