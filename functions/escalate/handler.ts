import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../core/zod.ts';
import { MitigationEscalationDue } from '../core/events/mitigation-escalation-due.ts';
import { MitigationExpiryDue } from '../core/events/mitigation-expiry-due.ts';
import { SilenceExpiryDue } from '../core/events/silence-expiry-due.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedWorkflow } from '../compose/workflow.ts';
import type { Workflow } from '../workflow/workflow.ts';

/** What a one-time schedule carries (an EventBridge-shaped event): an escalation or an expiry that fell due. */
const ScheduledTimerSchema = z.discriminatedUnion('detail-type', [
  z.object({ 'detail-type': z.literal(MitigationEscalationDue.detailType), detail: MitigationEscalationDue.schema }),
  z.object({ 'detail-type': z.literal(MitigationExpiryDue.detailType), detail: MitigationExpiryDue.schema }),
  z.object({ 'detail-type': z.literal(SilenceExpiryDue.detailType), detail: SilenceExpiryDue.schema }),
]);

/**
 * Escalate / expire, fired by a request's one-time schedules: when the CTO's time to answer runs
 * out, hands the request to senior engineers if still undecided; when its approval window ends,
 * expires it if still undecided.
 */
export function createEscalateHandler(workflow: () => Workflow) {
  return houseHandler({
    schema: ScheduledTimerSchema,
    handle: async (event) => {
      const detail = event.detail;
      if ('silenceId' in detail) {
        const outcome = await workflow().expireSilence(detail);
        metrics.addMetric(`silence_expiry_${outcome}`, MetricUnit.Count, 1);
        logger.info('silence expiry checked', { ...detail, outcome });
        return { ...detail, outcome };
      }
      if (event['detail-type'] === MitigationExpiryDue.detailType) {
        const outcome = await workflow().expireRequest(detail);
        metrics.addMetric(`expiry_${outcome}`, MetricUnit.Count, 1);
        logger.info('expiry checked', { ...detail, outcome });
        return { ...detail, outcome };
      }
      const outcome = await workflow().escalateRequest(detail);
      metrics.addMetric(`escalation_${outcome}`, MetricUnit.Count, 1);
      logger.info('escalation checked', { ...detail, outcome });
      return { ...detail, outcome };
    },
  });
}

export const handler = createEscalateHandler(deployedWorkflow);
