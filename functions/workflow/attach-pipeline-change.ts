import { DeploymentChangeAttached } from '../core/events/deployment-change-attached.ts';
import { changeRecordOf } from '../core/signals/change-record.ts';
import {
  decidePipelineChange,
  deploymentSearchWindow,
  pipelineOf,
  type WatchPipeline,
  withPipelineContext,
} from '../core/signals/pipeline-changes.ts';
import type { Signal } from '../core/signals/signal.ts';
import type { DeploymentChangesPort, PipelineDeploymentsPort } from './ports/attach-pipeline-change.ts';

export interface PipelineChangeDependencies {
  readonly pipelines: readonly WatchPipeline[];
  readonly deployments: PipelineDeploymentsPort;
  readonly changes: DeploymentChangesPort;
}

export type PipelineChangeResult =
  /** Recorded on the deployment (or, `duplicate`, recorded there by an earlier delivery): no incident. */
  | {
      readonly kind: 'attached' | 'duplicate';
      readonly deploymentId: string;
      readonly service: string;
      readonly pipeline: string;
    }
  /** Classified as usual; a pipeline's change that still pages carries why (attributes and description). */
  | { readonly kind: 'classify'; readonly signal: Signal };

/**
 * A watched change by a configured deployment pipeline during its service's deployment is attached
 * to that deployment (its item, "What changed?" and the announcement in one transaction). The same
 * change with no deployment under way, or one no pipeline should make, goes on to open an incident.
 */
export async function attachPipelineChange(
  signal: Signal,
  signalKey: string,
  deps: PipelineChangeDependencies,
  context: { readonly now: Date; readonly expiresAt: number },
): Promise<PipelineChangeResult> {
  const pipeline = pipelineOf(signal, deps.pipelines);
  if (!pipeline) return { kind: 'classify', signal };
  const window = deploymentSearchWindow(signal, pipeline, context.now);
  const records = await deps.deployments.deploymentsBetween(window.account, window.from, window.to);
  const decision = decidePipelineChange(signal, deps.pipelines, records);
  if (decision.kind === 'not-pipeline') return { kind: 'classify', signal };
  if (decision.kind === 'open') return { kind: 'classify', signal: withPipelineContext(signal, decision) };
  const { deployment } = decision;
  const owner = { deploymentId: deployment.id, service: deployment.service };
  const change = changeRecordOf(signal, owner);
  if (!change) return { kind: 'classify', signal };
  const { incidentId: _none, deploymentId: _id, service: _service, ...shown } = change;
  // Concurrent changes of one deployment race for the next number; the loser reads it again.
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const count = (await deps.changes.countChanges(deployment.id)) + 1;
    const event = DeploymentChangeAttached.build({ ...owner, pipeline: pipeline.name, count, change: shown });
    const result = await deps.changes.attachChange({ ...change, ...owner }, signalKey, count, context.expiresAt, [event]);
    if (result !== 'conflict') return { kind: result, ...owner, pipeline: pipeline.name };
  }
  throw new Error(`gave up attaching a change to ${deployment.id} after ${MAX_ATTEMPTS} conflicts; the delivery will be retried`);
}

const MAX_ATTEMPTS = 20;
