/**
 * One normalizer per deployment source (CodePipeline, CodeDeploy, ECS, CloudFormation, custom
 * deploy-notice): each validates its event's detail and drafts a record. Pure.
 */
import * as z from '../zod.ts';
import { CAPS, capIdentifier, capText } from '../caps.ts';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { parseWith } from '../signals/normalize.ts';
import { InvalidEventError, type EventEnvelope } from '../signals/signal.ts';
import { oneLine } from '../slack/text.ts';
import { DeploymentSchema, IsoTime } from './deploy-notice-schema.ts';
import { optional, type DeploymentRecord } from './deployment-record.ts';
import {
  CLOUDFORMATION_STATUSES,
  CODEDEPLOY_STATES,
  CODEPIPELINE_STATES,
  DEPLOYMENT_DETAIL_TYPES,
  DEPLOYMENT_SOURCE,
  ECS_DEPLOYMENT_EVENTS,
  type DeploymentStatus,
} from './deployment-sources.ts';

/** A record before its id, environment (unless the event names it) and resources are settled. */
export type Draft = Omit<
  DeploymentRecord,
  'id' | 'source' | 'account' | 'region' | 'environment' | 'resources' | 'durationSeconds' | 'recordedAt' | 'updatedAt'
> & {
  readonly environment?: string;
  /** What, besides source/account/region, identifies the execution in the record id. */
  readonly key: readonly string[];
  readonly resources?: readonly string[];
};
type Normalizer = (event: EventEnvelope, at: string) => Draft;

// --- CodePipeline --------------------------------------------------------------------------------

/** Optional one-line text, capped (in bytes, with a marker) as it is normalized. */
const Optional = (maxBytes: number, cap: (text: string, maxBytes: number) => string = capText) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((value) => (value === undefined ? undefined : cap(oneLine(value), maxBytes) || undefined)),
  );
const OptionalTime = z.catch(z.optional(IsoTime), undefined);

const PipelineDetail = z.object({
  pipeline: z.string().check(z.regex(SERVICE_NAME_PATTERN, 'is not a pipeline name')),
  'execution-id': z.string().check(z.regex(/^[A-Za-z0-9-]{1,128}$/, 'is not an execution id')),
  state: z.enum(Object.keys(CODEPIPELINE_STATES) as [string, ...string[]]),
  'start-time': OptionalTime,
  'execution-trigger': z.optional(
    z.object({
      'tag-name': Optional(CAPS.versionBytes, capIdentifier),
      'commit-id': Optional(CAPS.commitBytes, capIdentifier),
      'commit-message': Optional(CAPS.commitMessageBytes),
      'author-display-name': Optional(CAPS.actorBytes),
      'author-id': Optional(CAPS.actorBytes),
      'trigger-detail': Optional(CAPS.actorBytes),
    }),
  ),
});

function normalizePipeline(event: EventEnvelope, at: string): Draft {
  const detail = parseWith(PipelineDetail, event.detail, 'detail');
  const status = CODEPIPELINE_STATES[detail.state]!;
  const trigger = detail['execution-trigger'];
  const executionId = detail['execution-id'];
  const commit = trigger?.['commit-id'];
  // `start-time` is the execution's start; a start after this event (as in AWS's samples) is not believable.
  const start =
    detail['start-time'] && Date.parse(detail['start-time']) <= Date.parse(at)
      ? new Date(detail['start-time']).toISOString()
      : undefined;
  return {
    key: [executionId],
    executionId,
    service: detail.pipeline,
    version: trigger?.['tag-name'] ?? (commit && /^[0-9a-f]{40}$/i.test(commit) ? commit.slice(0, 12) : commit) ?? executionId,
    ...(commit ? { commit } : {}),
    ...(trigger?.['commit-message'] ? { commitMessage: trigger['commit-message'] } : {}),
    ...optional('actor', trigger?.['author-display-name'] ?? trigger?.['author-id'] ?? trigger?.['trigger-detail']),
    status,
    sourceStatus: detail.state,
    ...times(status, at, start),
    ...optional(
      'link',
      consoleUrl(
        event.region,
        (r) =>
          `https://${r}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${enc(detail.pipeline)}/executions/${enc(executionId)}/timeline?region=${r}`,
      ),
    ),
  };
}

// --- CodeDeploy ----------------------------------------------------------------------------------

const CodeDeployDetail = z.object({
  application: z.string().check(z.regex(SERVICE_NAME_PATTERN, 'is not an application name')),
  deploymentId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,128}$/, 'is not a deployment id')),
  deploymentGroup: Optional(CAPS.groupBytes, capIdentifier),
  state: z.enum(Object.keys(CODEDEPLOY_STATES) as [string, ...string[]]),
});

function normalizeCodeDeploy(event: EventEnvelope, at: string): Draft {
  const detail = parseWith(CodeDeployDetail, event.detail, 'detail');
  const status = CODEDEPLOY_STATES[detail.state]!;
  return {
    key: [detail.deploymentId],
    executionId: detail.deploymentId,
    service: detail.application,
    ...optional('group', detail.deploymentGroup),
    version: detail.deploymentId,
    status,
    sourceStatus: detail.state,
    ...times(status, at),
    ...optional(
      'link',
      consoleUrl(
        event.region,
        (r) => `https://${r}.console.aws.amazon.com/codesuite/codedeploy/deployments/${enc(detail.deploymentId)}?region=${r}`,
      ),
    ),
  };
}

// --- ECS -----------------------------------------------------------------------------------------

const EcsDetail = z.object({
  eventName: z.enum(Object.keys(ECS_DEPLOYMENT_EVENTS) as [string, ...string[]]),
  deploymentId: z.string().check(z.regex(/^[A-Za-z0-9/_.-]{1,255}$/, 'is not a deployment id')),
  reason: Optional(CAPS.reasonBytes),
});
/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>` (or the old form without the cluster). */
const ECS_SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[^:]*:[^:]*:service\/(?:([A-Za-z0-9_-]{1,255})\/)?([A-Za-z0-9_-]{1,255})$/;

function normalizeEcs(event: EventEnvelope, at: string): Draft {
  const detail = parseWith(EcsDetail, event.detail, 'detail');
  const arn = event.resources.find((r) => ECS_SERVICE_ARN.test(r));
  if (!arn) throw new InvalidEventError('resources', 'names no ECS service ARN');
  const [, cluster, service] = ECS_SERVICE_ARN.exec(arn)!;
  const status = ECS_DEPLOYMENT_EVENTS[detail.eventName]!;
  return {
    key: [arn, detail.deploymentId],
    executionId: detail.deploymentId,
    service: service!,
    ...optional('group', cluster),
    version: detail.deploymentId,
    status,
    sourceStatus: detail.eventName,
    ...optional('reason', detail.reason),
    ...times(status, at),
    ...optional(
      'link',
      consoleUrl(
        event.region,
        (r) =>
          `https://${r}.console.aws.amazon.com/ecs/v2/clusters/${enc(cluster ?? 'default')}/services/${enc(service!)}/deployments?region=${r}`,
      ),
    ),
    resources: [arn],
  };
}

// --- CloudFormation ------------------------------------------------------------------------------

/** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>` (AWS's samples leave out the uuid). */
const STACK_ARN = /^arn:aws[a-z-]*:cloudformation:([a-z0-9-]*):[^:]*:stack\/([A-Za-z][A-Za-z0-9-]{0,127})(?:\/[A-Za-z0-9-]+)?$/;

const CloudFormationDetail = z.object({
  'stack-id': z.string().check(z.regex(STACK_ARN, 'is not a CloudFormation stack ARN')),
  'status-details': z.object({
    status: z.enum(Object.keys(CLOUDFORMATION_STATUSES) as [string, ...string[]]),
    'status-reason': Optional(CAPS.reasonBytes),
  }),
  // Part of the record's key: cut with a digest, so two long tokens never pair the wrong events.
  'client-request-token': Optional(CAPS.executionIdBytes, capIdentifier),
});

function normalizeCloudFormation(event: EventEnvelope, at: string): Draft {
  const detail = parseWith(CloudFormationDetail, event.detail, 'detail');
  const stackId = detail['stack-id'];
  const [, stackRegion, stackName] = STACK_ARN.exec(stackId)!;
  const { status: sourceStatus, 'status-reason': reason } = detail['status-details'];
  const status = CLOUDFORMATION_STATUSES[sourceStatus]!;
  // No operation id: the client request token pairs the events of one operation when the caller
  // set one; otherwise each result is its own deployment, identified by its time.
  const token = detail['client-request-token'];
  const operation = token ? `token:${token}` : `at:${at}`;
  return {
    key: [stackId, operation],
    executionId: `${stackId}#${operation}`,
    service: stackName!,
    version: sourceStatus,
    status,
    sourceStatus,
    ...optional('reason', reason),
    ...times(status, at),
    // The stack lives where its ARN says, even when the event names another region (as in one AWS sample).
    ...optional(
      'link',
      consoleUrl(
        stackRegion || event.region,
        (r) => `https://${r}.console.aws.amazon.com/cloudformation/home?region=${r}#/stacks/stackinfo?stackId=${enc(stackId)}`,
      ),
    ),
    resources: [stackId],
  };
}

// --- Custom (firebreak deploy-notice) -------------------------------------------------------------

function normalizeCustom(event: EventEnvelope, at: string): Draft {
  const detail = parseWith(DeploymentSchema, event.detail, 'detail');
  const startedAt = detail.startedAt ? new Date(detail.startedAt).toISOString() : undefined;
  const finishedAt = detail.finishedAt ? new Date(detail.finishedAt).toISOString() : undefined;
  const executionId = detail.runId ?? detail.version;
  return {
    // Without a run id, one version deployed to one environment is one deployment.
    key: [detail.service, detail.environment, detail.runId ? `run:${detail.runId}` : `version:${detail.version}`],
    executionId,
    service: detail.service,
    environment: detail.environment,
    version: detail.version,
    ...optional('commit', detail.commit),
    ...optional('actor', detail.actor),
    ...(detail.issues ? { workItems: [...new Set(detail.issues)] } : {}),
    status: detail.status,
    sourceStatus: detail.status,
    ...(detail.status === 'started' ? times('started', startedAt ?? at) : times(detail.status, finishedAt ?? at, startedAt)),
    ...optional('link', detail.url),
  };
}

const NORMALIZERS: Record<string, Normalizer> = {
  [`aws.codepipeline|${DEPLOYMENT_DETAIL_TYPES.codePipeline}`]: normalizePipeline,
  [`aws.codedeploy|${DEPLOYMENT_DETAIL_TYPES.codeDeploy}`]: normalizeCodeDeploy,
  [`aws.ecs|${DEPLOYMENT_DETAIL_TYPES.ecs}`]: normalizeEcs,
  [`aws.cloudformation|${DEPLOYMENT_DETAIL_TYPES.cloudFormation}`]: normalizeCloudFormation,
  [`${DEPLOYMENT_SOURCE}|${DEPLOYMENT_DETAIL_TYPES.custom}`]: normalizeCustom,
};

/** The normalizer for a source and detail type, or undefined when no deployment rule routes it here. */
export const deploymentNormalizer = (source: string, detailType: string): Normalizer | undefined =>
  NORMALIZERS[`${source}|${detailType}`];

/** The times of an event with this status: a start for `started`, an end (and a believable start) otherwise. A start after the event is not believable. */
function times(
  status: DeploymentStatus,
  at: string,
  startedAt?: string,
): Pick<DeploymentRecord, 'startedAt' | 'finishedAt' | 'lastEventAt'> {
  if (status === 'started') return { startedAt: startedAt && startedAt <= at ? startedAt : at, lastEventAt: at };
  return { ...(startedAt && startedAt <= at ? { startedAt } : {}), finishedAt: at, lastEventAt: at };
}

const enc = encodeURIComponent;

/** A console URL, only for a region that looks like one (the region ends up in the host name). */
function consoleUrl(region: string, build: (region: string) => string): string | undefined {
  return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region) ? build(region) : undefined;
}
