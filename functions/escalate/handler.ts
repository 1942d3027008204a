import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import type { Workflow } from '../workflow/workflow.ts';
import { deployedWorkflow } from '../workflow/environment.ts';

const logger = new Logger();
const metrics = new Metrics({ logger });

/** What the one-time schedule carries (an EventBridge-shaped event). */
export const EscalationDueSchema = z.object({
  'detail-type': z.literal('Mitigation Escalation Due'),
  detail: z.object({ incidentId: z.string().regex(/^INC-[0-9A-F]{10}$/), requestId: z.string().regex(/^MIT-[0-9A-F]{10}$/) }),
});

/** Fired when the CTO's time to answer runs out: hands the request to senior engineers if still undecided. */
export function createEscalateHandler(workflow: () => Workflow) {
  return middy(async (event: z.infer<typeof EscalationDueSchema>) => {
    const outcome = await workflow().escalateRequest(event.detail);
    metrics.addMetric(`escalation_${outcome}`, MetricUnit.Count, 1);
    logger.info('escalation checked', { ...event.detail, outcome });
    return { ...event.detail, outcome };
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(parser({ schema: EscalationDueSchema }));
}

let deployed: Workflow | undefined;
export const handler = createEscalateHandler(() => (deployed ??= deployedWorkflow().workflow));
