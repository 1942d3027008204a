import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../core/zod.ts';
import { IncidentOpened } from '../core/events/incident-opened.ts';
import { MitigationFailed } from '../core/events/mitigation-failed.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedWorkflow } from '../compose/workflow.ts';
import { proposeMitigations, proposeRollback } from '../workflow/propose-mitigations.ts';
import type { Workflow } from '../workflow/workflow.ts';

const ProposeEvent = z.discriminatedUnion('detail-type', [
  z.object({ 'detail-type': z.literal(IncidentOpened.detailType), detail: IncidentOpened.schema }),
  z.object({ 'detail-type': z.literal(MitigationFailed.detailType), detail: MitigationFailed.schema }),
]);

/**
 * On `Incident Opened`: the mitigations its classification proposed become requests. On `Mitigation
 * Failed` naming a rollback: the rollback becomes a request.
 */
export function createProposeHandler(workflow: () => Workflow) {
  return houseHandler({
    schema: ProposeEvent,
    handle: async (event) => {
      const detail = event.detail;
      const result =
        'mitigations' in detail
          ? await proposeMitigations(detail, workflow())
          : detail.rollback
            ? await proposeRollback({ incidentId: detail.incidentId, rollback: detail.rollback }, workflow())
            : { incidentId: detail.incidentId, proposed: [] };
      metrics.addMetric('mitigations_proposed', MetricUnit.Count, result.proposed.length);
      logger.info('mitigations proposed', result);
      return result;
    },
  });
}

export const handler = createProposeHandler(deployedWorkflow);
