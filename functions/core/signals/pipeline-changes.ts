/**
 * A change made by a service's deployment pipeline while that service is being deployed belongs to
 * the deployment, not to an incident: the configuration names each pipeline's principals, and this
 * decides, from the change and the deployments recorded around it, whether to attach it. Pure.
 */
import { CAPS, capText } from '../caps.ts';
import type { DeploymentRecord } from '../deployments/deployment-record.ts';
import type { Signal } from './signal.ts';
// The schema lives with the configuration's (watch-config.ts): ingest needs only its type.
import type { WatchPipeline } from './watch-config.ts';
export type { WatchPipeline };

/**
 * Changes a deployment pipeline has no business making: they open an incident even during a
 * deployment (a pipeline's credentials used to cover tracks or escalate look exactly like this).
 */
export const NEVER_ATTACHED_WATCHES: readonly string[] = [
  'root.used',
  'iam.admin-policy-attached',
  'iam.permissions-boundary-removed',
  'logging.cloudtrail-stopped',
  'detection.guardduty-disabled',
  'detection.securityhub-disabled',
  'detection.config-stopped',
  'organizations.left',
  'organizations.policy-changed',
  's3.public-access-block-removed',
  's3.bucket-policy-public',
  's3.bucket-acl-public',
  'kms.key-disabled',
];

export type PipelineChangeDecision =
  /** Not a successful watched change by a configured pipeline: classified as usual. */
  | { readonly kind: 'not-pipeline' }
  /** A pipeline's change during its service's deployment: recorded on the deployment, no incident. */
  | { readonly kind: 'attach'; readonly pipeline: WatchPipeline; readonly deployment: DeploymentRecord }
  /** A pipeline's change that still opens an incident, and why (shown on it). */
  | { readonly kind: 'open'; readonly pipeline: WatchPipeline; readonly reason: 'never-attached' | 'no-deployment' };

/** The first pipeline whose principals made this change, if it is a successful watched CloudTrail change. */
export function pipelineOf(signal: Signal, pipelines: readonly WatchPipeline[]): WatchPipeline | undefined {
  const { watch, eventName, errorCode } = signal.attributes;
  if (!signal.source.startsWith('aws.') || !watch || !eventName || errorCode) return undefined;
  return pipelines.find(
    (pipeline) =>
      matches(pipeline.principalArn, signal.attributes.principalArn) &&
      matches(pipeline.sessionIssuer, signal.attributes.sessionIssuer),
  );
}

const matches = (pattern: string | undefined, value: string | undefined) =>
  pattern === undefined || (value !== undefined && new RegExp(pattern).test(value));

/** The account and time span to read deployments from, for a pipeline's change made at `at`. */
export function deploymentSearchWindow(
  signal: Signal,
  pipeline: WatchPipeline,
  now: Date,
): { account: string; from: string; to: string } {
  const at = Date.parse(signal.observedAt);
  return {
    account: pipeline.deploymentAccount ?? signal.account,
    // A deployment's latest event is its start while it runs and its end after: both fall in here.
    from: new Date(at - pipeline.maxDeploymentMinutes * 60_000).toISOString(),
    to: new Date(Math.max(now.getTime(), at + pipeline.graceMinutes * 60_000)).toISOString(),
  };
}

/**
 * Whether a pipeline's change belongs to a deployment of its service: one that started at or
 * before the change (a minute of clock skew allowed) and had not finished more than the grace
 * before it — or, never finished, started less than `maxDeploymentMinutes` before it. The latest
 * such deployment wins.
 */
export function decidePipelineChange(
  signal: Signal,
  pipelines: readonly WatchPipeline[],
  deployments: readonly DeploymentRecord[],
): PipelineChangeDecision {
  const pipeline = pipelineOf(signal, pipelines);
  if (!pipeline) return { kind: 'not-pipeline' };
  if (NEVER_ATTACHED_WATCHES.includes(signal.attributes.watch!) || signal.attributes.principalType === 'Root') {
    return { kind: 'open', pipeline, reason: 'never-attached' };
  }
  const at = Date.parse(signal.observedAt);
  const underWay = deployments
    .filter((d) => d.service === pipeline.service && d.startedAt !== undefined)
    .filter((d) => {
      const started = Date.parse(d.startedAt!);
      const until =
        d.status === 'started' || d.finishedAt === undefined
          ? started + pipeline.maxDeploymentMinutes * 60_000
          : Date.parse(d.finishedAt) + pipeline.graceMinutes * 60_000;
      return started - 60_000 <= at && at <= until;
    })
    .sort((a, b) => (a.startedAt! < b.startedAt! ? 1 : a.startedAt! > b.startedAt! ? -1 : 0));
  const deployment = underWay[0];
  return deployment ? { kind: 'attach', pipeline, deployment } : { kind: 'open', pipeline, reason: 'no-deployment' };
}

/**
 * The signal of a pipeline's change that still opens an incident, saying why: attributes rules can
 * match (`pipeline`, `pipelineContext`) and a first sentence in the description (kept under its cap).
 */
export function withPipelineContext(signal: Signal, decision: Extract<PipelineChangeDecision, { kind: 'open' }>): Signal {
  const { pipeline, reason } = decision;
  const why =
    reason === 'no-deployment'
      ? `Made by the deployment pipeline "${pipeline.name}" while no deployment of ${pipeline.service} was under way.`
      : `Made by the deployment pipeline "${pipeline.name}": a change no pipeline should make, so it pages even during a deployment.`;
  return {
    ...signal,
    attributes: {
      ...signal.attributes,
      pipeline: pipeline.name.slice(0, 200),
      pipelineContext: reason === 'no-deployment' ? 'outside a deployment' : 'never attached',
    },
    description: capText(signal.description ? `${why} ${signal.description}` : why, CAPS.descriptionBytes),
  };
}
