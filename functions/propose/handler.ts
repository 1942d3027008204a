import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { IncidentOpened } from '../core/events/incident-opened.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedWorkflow } from '../compose/workflow.ts';
import { proposeMitigations } from '../workflow/propose-mitigations.ts';
import type { Workflow } from '../workflow/workflow.ts';

const IncidentOpenedEvent = z.object({ 'detail-type': z.literal(IncidentOpened.detailType), detail: IncidentOpened.schema });

/** On `Incident Opened`: the mitigations its classification proposed become requests. */
export function createProposeHandler(workflow: () => Workflow) {
  return houseHandler({
    schema: IncidentOpenedEvent,
    handle: async (event) => {
      const result = await proposeMitigations(event.detail, workflow());
      metrics.addMetric('mitigations_proposed', MetricUnit.Count, result.proposed.length);
      logger.info('mitigations proposed', result);
      return result;
    },
  });
}

export const handler = createProposeHandler(deployedWorkflow);
