import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../core/zod.ts';
import { FREEZE_EVENTS } from '../core/events/subscriptions.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedConfig } from '../adapters/deployed/config.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import { DeployFreezeRepository } from '../adapters/dynamodb/freezes.ts';
import { IncidentRepository } from '../adapters/dynamodb/incidents.ts';
import { followIncident, type DeployFreezeDependencies } from '../workflow/deploy-freeze.ts';

const FreezeEvent = z.object({
  'detail-type': z.enum(FREEZE_EVENTS.map((contract) => contract.detailType) as [string, ...string[]]),
  detail: FREEZE_EVENTS[0].schema,
});

/** On every incident announcement: the deploy freeze of its scope follows the incident as it is now. */
export function createFreezeHandler(dependencies: () => DeployFreezeDependencies) {
  return houseHandler({
    schema: FreezeEvent,
    handle: async (event) => {
      const outcome = await followIncident(event.detail.incidentId, dependencies());
      for (const { change } of outcome.scopes) if (change !== 'none') metrics.addMetric(`freeze_${change}`, MetricUnit.Count, 1);
      logger.info('deploy freeze followed the incident', { ...outcome });
      return outcome;
    },
  });
}

let deployed: DeployFreezeDependencies | undefined;
export const handler = createFreezeHandler(
  () =>
    (deployed ??= {
      freezes: new DeployFreezeRepository(deployedTable()),
      incidents: new IncidentRepository(deployedTable()),
      config: deployedConfig(),
      now: () => new Date(),
    }),
);
