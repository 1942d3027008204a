import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import type { Execution } from '../workflow/execution.ts';
import { deployedExecution } from '../workflow/execution-environment.ts';

const logger = new Logger();
const metrics = new Metrics({ logger });

export const MitigationApprovedSchema = z.object({
  'detail-type': z.literal('Mitigation Approved'),
  detail: z.object({
    incidentId: z.string().regex(/^INC-[0-9A-F]{10}$/),
    requestId: z.string().regex(/^MIT-[0-9A-F]{10}$/),
    planHash: z.string().regex(/^[0-9a-f]{64}$/),
  }),
});

/** On `Mitigation Approved`: re-verify, move to running, then call Systems Manager (once). */
export function createExecuteHandler(execution: () => Execution) {
  return middy(async (event: z.infer<typeof MitigationApprovedSchema>) => {
    const result = await execution().onApproved(event.detail);
    metrics.addMetric(`execute_${result.outcome}`, MetricUnit.Count, 1);
    logger.info('mitigation approved event handled', { ...event.detail, ...result });
    return result;
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(parser({ schema: MitigationApprovedSchema }));
}

let deployed: Execution | undefined;
export const handler = createExecuteHandler(() => (deployed ??= deployedExecution()));
