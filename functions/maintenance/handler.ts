import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SSMClient } from '@aws-sdk/client-ssm';
import * as z from '../core/zod.ts';
import { PatchBatchApproved } from '../core/events/patch-batch-approved.ts';
import { PatchBatchChanged } from '../core/events/patch-batch-changed.ts';
import type { DeployedWindow } from '../core/maintenance/patch-batch.ts';
import { parseWindowStatus, WINDOW_STATUS_DETAIL_TYPES } from '../core/maintenance/window-status.ts';
import { houseHandler } from '../adapters/lambda/house-handler.ts';
import { logger, metrics } from '../adapters/lambda/observability.ts';
import { deployedSlackSecret } from '../adapters/deployed/slack.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import { PatchBatchRepository } from '../adapters/dynamodb/patch-batches.ts';
import { requireEnv } from '../adapters/environment.ts';
import { AwsMaintenanceWindowGateway } from '../adapters/maintenance-window-gateway.ts';
import { SlackPoster } from '../adapters/slack-poster.ts';
import { deployedWorkflow, deployedWorkflowDependencies } from '../compose/workflow.ts';
import { showPatchBatch, type PatchBatchSlackDependencies } from '../workflow/patch-batch-slack.ts';
import { recordWindowStatus, registerApprovedBatch } from '../workflow/patch-windows.ts';

const MaintenanceEvent = z.union([
  z.object({
    source: z.literal('firebreak'),
    'detail-type': z.literal(PatchBatchChanged.detailType),
    detail: PatchBatchChanged.schema,
  }),
  z.object({
    source: z.literal('firebreak'),
    'detail-type': z.literal(PatchBatchApproved.detailType),
    detail: PatchBatchApproved.schema,
  }),
  z.looseObject({ source: z.literal('aws.ssm'), 'detail-type': z.enum(WINDOW_STATUS_DETAIL_TYPES) }),
]);

/** Where the stack put each window: `{ "<id>": { "windowId": "mw-…", "targetId": "…" } }`. */
export const DeployedWindowsSchema = z.record(z.string(), z.object({ windowId: z.string(), targetId: z.string() }));

/**
 * Patch batches: `Patch Batch Changed` renders the batch in Slack, `Patch Batch Approved` registers
 * its `AWS-RunPatchBaseline` task in the window, and the window's SSM status events move the batch.
 */
export function createMaintenanceHandler(dependencies: () => Promise<PatchBatchSlackDependencies>) {
  return houseHandler({
    schema: MaintenanceEvent,
    handle: async (event) => {
      const deps = await dependencies();
      let outcome: string;
      if (event['detail-type'] === PatchBatchChanged.detailType) {
        const { batchId, state } = PatchBatchChanged.parse(event.detail);
        outcome = (await showPatchBatch(batchId, deps, state)).action;
      } else if (event['detail-type'] === PatchBatchApproved.detailType) {
        const batch = await registerApprovedBatch(PatchBatchApproved.parse(event.detail).batchId, deps);
        outcome = batch ? 'registered' : 'already_registered';
      } else {
        const batch = await recordWindowStatus(parseWindowStatus(event), deps);
        outcome = batch ? `batch_${batch.state}` : 'ignored';
      }
      metrics.addMetric(`maintenance_${outcome.replace(/\W+/g, '_')}`, MetricUnit.Count, 1);
      logger.info('maintenance event handled', { detailType: event['detail-type'], outcome });
      return { outcome };
    },
  });
}

let deployed: Promise<PatchBatchSlackDependencies> | undefined;
async function deployedMaintenance(): Promise<PatchBatchSlackDependencies> {
  const deps = deployedWorkflowDependencies();
  const secret = await deployedSlackSecret();
  const workflow = deployedWorkflow();
  const windows: Record<string, DeployedWindow> = DeployedWindowsSchema.parse(JSON.parse(requireEnv('MAINTENANCE_WINDOWS')));
  return {
    batches: new PatchBatchRepository(deployedTable()),
    tasks: new AwsMaintenanceWindowGateway(new SSMClient({})),
    config: deps.config,
    deployed: windows,
    now: deps.now,
    roster: () => workflow.roster(),
    slack: new SlackPoster({ token: secret.botToken }),
    channel: deps.config.slack.channels.default,
  };
}
export const handler = createMaintenanceHandler(() => (deployed ??= deployedMaintenance()));
