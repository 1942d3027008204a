import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { chainHeads } from '../core/audit/digest.ts';
import { auditHeadFromImage, type EntryHead } from '../adapters/dynamodb/audit-chains.ts';
import { deployedNotary } from '../adapters/deployed/notary.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { notarize, type NotaryDependencies } from '../workflow/notarize.ts';

/**
 * The notary: the table's stream, filtered to new audit entries and batched for a few minutes by
 * its event source mapping, becomes one signed digest of the chain heads that batch moved. A
 * failure fails the whole batch, which Lambda retries (the same heads signed again are harmless).
 */
export function createNotaryHandler(dependencies: () => NotaryDependencies) {
  return middy(async (event: DynamoDBStreamEvent, _context: Context) => {
    const entries: EntryHead[] = [];
    for (const record of event.Records) {
      try {
        entries.push(auditHeadFromImage(record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined));
      } catch (error) {
        // Not signed: `audit verify` reports it from the table. Blocking the shard would stop every chain's notarization.
        metrics.addMetric('audit_entry_unreadable', MetricUnit.Count, 1);
        logger.error('an inserted audit key is not an audit entry; not signed', {
          sequenceNumber: record.dynamodb?.SequenceNumber,
          reason: (error as Error).message.slice(0, 300),
        });
      }
    }
    const digest = await notarize(chainHeads(entries), dependencies());
    if (digest) {
      metrics.addMetric('audit_digests_signed', MetricUnit.Count, 1);
      metrics.addMetric('audit_heads_signed', MetricUnit.Count, digest.digest.heads.length);
      logger.info('digest signed', { digestSeq: digest.digest.seq, heads: digest.digest.heads.length });
    }
    return { digestSeq: digest?.digest.seq ?? null };
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

export const handler = createNotaryHandler(deployedNotary);
