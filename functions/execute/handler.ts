import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../core/zod.ts';
import { MitigationApproved } from '../core/events/mitigation-approved.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedExecution } from '../compose/execution.ts';
import type { Execution } from '../workflow/execution.ts';

const MitigationApprovedEvent = z.object({
  'detail-type': z.literal(MitigationApproved.detailType),
  detail: MitigationApproved.schema,
});

/** On `Mitigation Approved`: re-verify, move to running, then call Systems Manager (once). */
export function createExecuteHandler(execution: () => Execution) {
  return houseHandler({
    schema: MitigationApprovedEvent,
    handle: async (event) => {
      const result = await execution().onApproved(event.detail);
      metrics.addMetric(`execute_${result.outcome}`, MetricUnit.Count, 1);
      logger.info('mitigation approved event handled', { ...event.detail, ...result });
      return result;
    },
  });
}

export const handler = createExecuteHandler(deployedExecution);
