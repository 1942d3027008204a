import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { MitigationEscalationDue } from '../core/events/mitigation-escalation-due.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedWorkflow } from '../compose/workflow.ts';
import type { Workflow } from '../workflow/workflow.ts';

/** What the one-time schedule carries (an EventBridge-shaped event). */
const EscalationDueSchema = z.object({
  'detail-type': z.literal(MitigationEscalationDue.detailType),
  detail: MitigationEscalationDue.schema,
});

/** Fired when the CTO's time to answer runs out: hands the request to senior engineers if still undecided. */
export function createEscalateHandler(workflow: () => Workflow) {
  return houseHandler({
    schema: EscalationDueSchema,
    handle: async (event) => {
      const outcome = await workflow().escalateRequest(event.detail);
      metrics.addMetric(`escalation_${outcome}`, MetricUnit.Count, 1);
      logger.info('escalation checked', { ...event.detail, outcome });
      return { ...event.detail, outcome };
    },
  });
}

export const handler = createEscalateHandler(deployedWorkflow);
