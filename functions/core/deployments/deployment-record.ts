/**
 * The one record every deployment event becomes. Its id depends only on the source's own execution
 * id (never on the status), so the STARTED and SUCCEEDED events of one run merge into one record.
 * Pure.
 */
import type { DeploymentStatus } from './deployment-sources.ts';

/** One deployment (one pipeline execution, CodeDeploy deployment, ECS deployment, stack operation or CI run). */
export interface DeploymentRecord {
  /** `DEP-` and 12 hex digits: a hash of the source, account, region and the source's own execution id. */
  readonly id: string;
  /** The EventBridge source: `aws.codepipeline`, `aws.codedeploy`, `aws.ecs`, `aws.cloudformation`, `firebreak.deploy`. */
  readonly source: string;
  /** The source's own id: pipeline execution id, CodeDeploy/ECS deployment id, stack id (+ token or time), run id or version. */
  readonly executionId: string;
  /** Pipeline name, CodeDeploy application, ECS service, stack name, or the custom event's service. */
  readonly service: string;
  /** CodeDeploy deployment group or ECS cluster. */
  readonly group?: string;
  readonly environment: string;
  /** Git tag, commit or execution id (CodePipeline), deployment id (CodeDeploy, ECS), stack status (CloudFormation), or as sent. */
  readonly version: string;
  /** A commit sha or, for custom events, free text. Untrusted: escape it. */
  readonly commit?: string;
  readonly commitMessage?: string;
  /** Work items named explicitly (`deploy-notice --issue`): `#12`, `owner/repo#12`, `PAY-123`. */
  readonly workItems?: readonly string[];
  /** Who: the commit author (CodePipeline), or as sent. Untrusted free text, not a Slack id. */
  readonly actor?: string;
  readonly status: DeploymentStatus;
  /** The source's own word for it: SUCCEEDED, FAILURE, SERVICE_DEPLOYMENT_FAILED, UPDATE_ROLLBACK_COMPLETE, failed... */
  readonly sourceStatus: string;
  /** Why, when the source says (ECS, CloudFormation). Untrusted. */
  readonly reason?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationSeconds?: number;
  /** Source time of the event that set the current status: the merge orders events by it. */
  readonly lastEventAt: string;
  /** Console (or CI) link: https only. */
  readonly link?: string;
  /** ARNs of what was deployed (pipeline, deployment group, ECS service, stack). */
  readonly resources: readonly string[];
  readonly account: string;
  readonly region: string;
  /** Set by mergeDeployment: first recorded, last changed (Firebreak's clock). */
  readonly recordedAt?: string;
  readonly updatedAt?: string;
}

/** The record with `durationSeconds` recomputed from its start and end. */
export function withDuration<T extends DeploymentRecord>(record: T): T {
  const { durationSeconds: _previous, ...rest } = record;
  const duration =
    rest.startedAt && rest.finishedAt ? (Date.parse(rest.finishedAt) - Date.parse(rest.startedAt)) / 1000 : undefined;
  return (duration !== undefined && duration >= 0 ? { ...rest, durationSeconds: Math.round(duration) } : rest) as T;
}

/** `{ [key]: value }`, or nothing when the value is missing or empty. */
export const optional = <K extends string, V>(key: K, value: V | undefined | null | ''): { [P in K]?: V } =>
  value === undefined || value === null || value === '' ? {} : ({ [key]: value } as { [P in K]: V });
