import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../core/zod.ts';
import { MitigationApproved } from '../core/events/mitigation-approved.ts';
import { MitigationCancelRequested } from '../core/events/mitigation-cancel-requested.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedExecution } from '../compose/execution.ts';
import type { Execution } from '../workflow/execution.ts';

const ExecuteEvent = z.discriminatedUnion('detail-type', [
  z.object({ 'detail-type': z.literal(MitigationApproved.detailType), detail: MitigationApproved.schema }),
  z.object({ 'detail-type': z.literal(MitigationCancelRequested.detailType), detail: MitigationCancelRequested.schema }),
]);

/**
 * On `Mitigation Approved`: re-verify, move to running, then call Systems Manager (once). On
 * `Mitigation Cancel Requested`: stop the run, then end the request as cancelled (once).
 */
export function createExecuteHandler(execution: () => Execution) {
  return houseHandler({
    schema: ExecuteEvent,
    handle: async (event) => {
      const { detail } = event;
      // The union is parsed by detail-type and unknown keys are stripped: only an approval carries a plan hash.
      if (!('planHash' in detail)) {
        const result = await execution().onCancelRequested(detail);
        metrics.addMetric(`cancel_${result.outcome.replace(' ', '_')}`, MetricUnit.Count, 1);
        logger.info('mitigation cancel requested event handled', { ...detail, ...result });
        return result;
      }
      const result = await execution().onApproved(detail);
      metrics.addMetric(`execute_${result.outcome}`, MetricUnit.Count, 1);
      logger.info('mitigation approved event handled', { ...detail, ...result });
      return result;
    },
  });
}

export const handler = createExecuteHandler(deployedExecution);
