import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Classification } from '../core/signals/classify.ts';
import { assertEventSize } from '../core/signals/normalize.ts';
import { EventEnvelopeSchema } from '../core/signals/signal.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedConfig } from '../adapters/deployed/config.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import { IncidentRepository } from '../adapters/dynamodb/incidents.ts';
import { DeploymentRepository } from '../adapters/dynamodb/deployments.ts';
import { DeploymentChangeRepository } from '../adapters/dynamodb/deployment-changes.ts';
import { SigninFailureRepository } from '../adapters/dynamodb/signin-failures.ts';
import { milestoneMetricsEmitter } from '../adapters/lambda/milestone-metrics.ts';
import { ingestDependencies, ingestEnvelope, type IngestDependencies, type SignalOutcome } from '../workflow/record-signal.ts';
import { proposePatchFindings, type ProposeFindingDependencies } from '../workflow/patch-windows.ts';
import { PatchBatchRepository } from '../adapters/dynamodb/patch-batches.ts';

export type IngestResult = {
  eventId: string;
  outcomes: Array<
    Pick<SignalOutcome, 'outcome' | 'incidentId' | 'deploymentId' | 'reason' | 'changes'> &
      Pick<Classification, 'rule' | 'severity' | 'category'>
  >;
};

/** Monitoring and security events: normalize, classify, deduplicate, commit and announce each signal. */
export function createIngestHandler(
  dependencies: () => IngestDependencies,
  /** Non-critical patch findings wait for a maintenance window (none configured: nothing to do). */
  patchWindows?: () => ProposeFindingDependencies | undefined,
) {
  return houseHandler({
    schema: EventEnvelopeSchema,
    // Checked before parsing, so an oversized event is refused whether or not it parses.
    precheck: assertEventSize,
    handle: async (event): Promise<IngestResult> => {
      const outcomes = await ingestEnvelope(event, dependencies());
      const windows = patchWindows?.();
      const batched = windows ? await proposePatchFindings(outcomes, windows) : [];
      if (batched.length) logger.info('patch findings batched', { eventId: event.id, batches: batched });
      for (const outcome of outcomes) {
        metrics.addMetric(`signal_${outcome.outcome}`, MetricUnit.Count, 1);
        // Titles and resources can carry IPs and user names: log only ids and the decision.
        logger.info('signal processed', {
          eventId: event.id,
          source: outcome.signal.source,
          kind: outcome.signal.kind,
          fingerprint: outcome.classification.fingerprint,
          rule: outcome.classification.rule,
          severity: outcome.classification.severity,
          outcome: outcome.outcome,
          incidentId: outcome.incidentId,
          deploymentId: outcome.deploymentId,
          reason: outcome.reason,
          retries: outcome.retries,
        });
      }
      return {
        eventId: event.id,
        outcomes: outcomes.map(({ outcome, incidentId, deploymentId, reason, changes, classification }) => ({
          outcome,
          incidentId,
          deploymentId,
          reason,
          changes,
          rule: classification.rule,
          severity: classification.severity,
          category: classification.category,
        })),
      };
    },
  });
}

let deployed: IngestDependencies | undefined;
function deployedIngest(): IngestDependencies {
  const config = deployedConfig();
  const table = deployedTable();
  return ingestDependencies(
    config,
    {
      incidents: new IncidentRepository(table, milestoneMetricsEmitter()),
      signinFailures: new SigninFailureRepository(table),
      deployments: new DeploymentRepository(table),
      deploymentChanges: new DeploymentChangeRepository(table),
    },
    () => new Date(),
  );
}
let deployedWindows: ProposeFindingDependencies | undefined;
function deployedPatchWindows(): ProposeFindingDependencies | undefined {
  const config = deployedConfig();
  if (config.maintenance.windows.length === 0) return undefined;
  return (deployedWindows ??= { batches: new PatchBatchRepository(deployedTable()), config, now: () => new Date() });
}
export const handler = createIngestHandler(() => (deployed ??= deployedIngest()), deployedPatchWindows);
