/**
 * Deployments: the events that tell us something was released, the one record they become, release
 * holds after a failure, and the incident a failed deployment opens. Pure: no I/O, no SDKs; time is
 * always an input.
 *
 * Sources (patterns in {@link deploymentRules}, used by the stack and the local bus alike):
 * - CodePipeline pipeline executions, CodeDeploy deployments, ECS service deployments and
 *   CloudFormation stack operations on the default bus;
 * - a custom `Deployment` event with source `firebreak.deploy` on the firebreak bus, for any other CI
 *   system (what `firebreak deploy-notice` publishes; the detail is {@link DeploymentSchema}).
 *
 * Every event becomes a {@link DeploymentRecord} whose id depends only on the source's own
 * execution id (never on the status), so the STARTED and SUCCEEDED events of one run merge into one
 * record ({@link mergeDeployment}); the merge is independent of delivery order.
 */
import { z } from 'zod';
import { canonicalJson, sha256 } from '../audit/chain.ts';
import { fingerprint, type Classification, type ClassifierConfig } from '../signals/classify.ts';
import {
  DeploymentsConfigSchema,
  ENVIRONMENT_PATTERN,
  type DeploymentsConfig,
  type Role,
  type Severity,
  type SeverityHint,
} from '../config.ts';

export { DeploymentsConfigSchema, ENVIRONMENT_PATTERN, type DeploymentsConfig };
import { FIREBREAK_BUS_NAME } from '../events/bus.ts';
import { type IngestRule } from '../events/ingest-rules.ts';
import { isAway, type RosterMember } from '../mitigations/mitigation.ts';
import { assertEventSize, parseWith } from '../signals/normalize.ts';
import {
  EventEnvelopeSchema,
  InvalidEventError,
  UnsupportedSourceError,
  type EventEnvelope,
  type Signal,
} from '../signals/signal.ts';
import { code, formatTime, mention, oneLine } from '../slack/text.ts';

// ---------------------------------------------------------------------------------------------
// Sources and patterns
// ---------------------------------------------------------------------------------------------

/** Source of the custom deployment events CI systems put on the firebreak bus. */
export const DEPLOYMENT_SOURCE = 'firebreak.deploy';

export const DEPLOYMENT_DETAIL_TYPES = {
  codePipeline: 'CodePipeline Pipeline Execution State Change',
  codeDeploy: 'CodeDeploy Deployment State-change Notification',
  ecs: 'ECS Deployment State Change',
  cloudFormation: 'CloudFormation Stack Status Change',
  custom: 'Deployment',
} as const;

export type DeploymentStatus = 'started' | 'succeeded' | 'failed' | 'stopped';

/** How people call each source. */
export const SOURCE_NAMES: Readonly<Record<string, string>> = {
  'aws.codepipeline': 'CodePipeline',
  'aws.codedeploy': 'CodeDeploy',
  'aws.ecs': 'ECS',
  'aws.cloudformation': 'CloudFormation',
  [DEPLOYMENT_SOURCE]: 'CI',
};

/**
 * CodePipeline execution states. STOPPING is left out (STOPPED follows); a superseded or cancelled
 * execution never finishes, so it closes the record as `stopped` (no hold, no incident).
 */
export const CODEPIPELINE_STATES: Readonly<Record<string, DeploymentStatus>> = {
  STARTED: 'started',
  RESUMED: 'started',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  STOPPED: 'stopped',
  SUPERSEDED: 'stopped',
  CANCELED: 'stopped',
};

/** CodeDeploy deployment states. READY (blue/green waiting to reroute traffic) is not a result. */
export const CODEDEPLOY_STATES: Readonly<Record<string, DeploymentStatus>> = {
  START: 'started',
  SUCCESS: 'succeeded',
  FAILURE: 'failed',
  STOP: 'stopped',
};

export const ECS_DEPLOYMENT_EVENTS: Readonly<Record<string, DeploymentStatus>> = {
  SERVICE_DEPLOYMENT_IN_PROGRESS: 'started',
  SERVICE_DEPLOYMENT_COMPLETED: 'succeeded',
  SERVICE_DEPLOYMENT_FAILED: 'failed',
};

/**
 * CloudFormation stack statuses worth a notice: only the end of a create, update or import.
 * A stack event carries no operation id (`client-request-token` is usually empty), so an
 * IN_PROGRESS event cannot be paired reliably with the end of the same operation: starts are left
 * out rather than leaving records "in progress" forever. The `*_IN_PROGRESS` steps of a rollback
 * are left out too: the ROLLBACK/UPDATE_ROLLBACK `_COMPLETE` or `_FAILED` that follows is the
 * failure. DELETE_* is not a deployment. A rollback that completed is still a failed deployment:
 * what was meant to ship did not.
 */
export const CLOUDFORMATION_STATUSES: Readonly<Record<string, DeploymentStatus>> = {
  CREATE_COMPLETE: 'succeeded',
  UPDATE_COMPLETE: 'succeeded',
  IMPORT_COMPLETE: 'succeeded',
  CREATE_FAILED: 'failed',
  UPDATE_FAILED: 'failed',
  ROLLBACK_COMPLETE: 'failed',
  ROLLBACK_FAILED: 'failed',
  UPDATE_ROLLBACK_COMPLETE: 'failed',
  UPDATE_ROLLBACK_FAILED: 'failed',
  IMPORT_ROLLBACK_COMPLETE: 'failed',
  IMPORT_ROLLBACK_FAILED: 'failed',
};

/**
 * The rules that feed the deployments function, as data (same shape as ingest's rules): the stack
 * builds them, the local bus applies them. None of them matches what ingest takes, nor
 * Firebreak's own events (`source: "firebreak"`).
 */
export function deploymentRules(): IngestRule[] {
  return [
    {
      id: 'CodePipelineExecution',
      bus: 'default',
      description: 'CodePipeline pipeline executions: started, resumed, succeeded, failed, stopped, superseded, cancelled',
      pattern: {
        source: ['aws.codepipeline'],
        'detail-type': [DEPLOYMENT_DETAIL_TYPES.codePipeline],
        detail: { state: Object.keys(CODEPIPELINE_STATES) },
      },
    },
    {
      id: 'CodeDeployDeployment',
      bus: 'default',
      description: 'CodeDeploy deployments: start, success, failure, stop',
      pattern: {
        source: ['aws.codedeploy'],
        'detail-type': [DEPLOYMENT_DETAIL_TYPES.codeDeploy],
        detail: { state: Object.keys(CODEDEPLOY_STATES) },
      },
    },
    {
      id: 'EcsServiceDeployment',
      bus: 'default',
      description: 'ECS service deployments: in progress, completed, failed',
      pattern: {
        source: ['aws.ecs'],
        'detail-type': [DEPLOYMENT_DETAIL_TYPES.ecs],
        detail: { eventName: Object.keys(ECS_DEPLOYMENT_EVENTS) },
      },
    },
    {
      id: 'CloudFormationStackResult',
      bus: 'default',
      description: 'CloudFormation stack creates, updates and imports that completed, failed or rolled back',
      pattern: {
        source: ['aws.cloudformation'],
        'detail-type': [DEPLOYMENT_DETAIL_TYPES.cloudFormation],
        detail: { 'status-details': { status: Object.keys(CLOUDFORMATION_STATUSES) } },
      },
    },
    {
      id: 'CustomDeployment',
      bus: 'firebreak',
      description: `Deployment events from any CI system (firebreak deploy-notice), source ${DEPLOYMENT_SOURCE} on the ${FIREBREAK_BUS_NAME} bus`,
      pattern: { source: [DEPLOYMENT_SOURCE], 'detail-type': [DEPLOYMENT_DETAIL_TYPES.custom] },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The custom event and the configuration
// ---------------------------------------------------------------------------------------------

/** What the CLI and Slack commands accept as a service name (any source's); keys and commands use it. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9._@-]{1,255}$/;
/** The custom event's (stricter) service name. */
export const CUSTOM_SERVICE_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/** One line of text: no control characters (C0, DEL, C1), so it is safe in a terminal and a Slack field. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SingleLine = /^[^\u0000-\u001f\u007f-\u009f]*$/;
const IsoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date and time, such as 2026-03-01T10:00:00Z' });
const EnvironmentName = z.string().regex(ENVIRONMENT_PATTERN, 'must be 1-32 lower-case letters, digits and dashes');

/**
 * The detail of a custom `Deployment` event (source `firebreak.deploy`, firebreak bus). The CLI
 * validates with it before publishing; the deployments function validates again on receipt.
 */
export const DeploymentSchema = z
  .object({
    service: z.string().regex(CUSTOM_SERVICE_PATTERN, 'must be 1-100 letters, digits, ".", "_" or "-"'),
    version: z.string().trim().min(1).max(100).regex(SingleLine, 'must be one line without control characters'),
    environment: EnvironmentName,
    status: z.enum(['started', 'succeeded', 'failed']),
    /** Free text: a commit sha or message. Always shown escaped. */
    commit: z.string().trim().min(1).max(200).optional(),
    actor: z.string().trim().min(1).max(100).regex(SingleLine, 'must be one line without control characters').optional(),
    url: z
      .url({ protocol: /^https$/, message: 'must be an https URL' })
      .max(2000)
      .optional(),
    /**
     * Identifies one run, so that its started and finished events pair up even when the same
     * version is deployed again (e.g. `${{ github.run_id }}-${{ github.run_attempt }}`). Default:
     * service, environment and version.
     */
    runId: z
      .string()
      .regex(/^[A-Za-z0-9._:/-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", ":", "/" or "-"')
      .optional(),
    startedAt: IsoTime.optional(),
    finishedAt: IsoTime.optional(),
  })
  .strict()
  .superRefine((detail, ctx) => {
    if (detail.status === 'started' && detail.finishedAt)
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'a started deployment has not finished' });
    if (detail.startedAt && detail.finishedAt && Date.parse(detail.finishedAt) < Date.parse(detail.startedAt)) {
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'is before startedAt' });
    }
  });
export type DeploymentDetail = z.infer<typeof DeploymentSchema>;

/**
 * The `deployments` section of the configuration (for `lib/config.ts` to embed).
 *
 * - `environments`: ordered rules naming the environment of deployments from AWS sources (custom
 *   events name their own). The first rule whose matchers all match wins; each matcher is optional
 *   but a rule needs at least one: `service` (case-insensitive regex on the service name), `group`
 *   (regex on the CodeDeploy deployment group or the ECS cluster), `accounts` (account ids).
 * - `defaultEnvironment`: when no rule matches (`production`: unknown means treat as production).
 * - `incidentSeverity`: the severity of the incident a failed deployment opens, per environment;
 *   a failure in an environment not listed opens no incident (its notice is still posted).
 * - `holdEnvironments`: environments whose failures put the service on a release hold; every
 *   environment when unset.
 */
export const DEFAULT_DEPLOYMENTS_CONFIG: DeploymentsConfig = DeploymentsConfigSchema.parse({});

/** What an environment is decided from, for deployments from AWS sources. */
export interface DeploymentContext {
  readonly service: string;
  /** CodeDeploy deployment group or ECS cluster, when the source has one. */
  readonly group?: string;
  readonly source: string;
  readonly account: string;
  readonly region: string;
}

/** Names the environment a deployment went to; must return a name matching ENVIRONMENT_PATTERN. */
export type EnvironmentOf = (context: DeploymentContext) => string;

/** Compiles the configured rules once (per cold start) into an {@link EnvironmentOf}. */
export function environmentResolver(
  config: Pick<DeploymentsConfig, 'environments' | 'defaultEnvironment'> = DEFAULT_DEPLOYMENTS_CONFIG,
): EnvironmentOf {
  const rules = config.environments.map((rule) => ({
    environment: rule.environment,
    service: rule.service === undefined ? undefined : new RegExp(rule.service, 'i'),
    group: rule.group === undefined ? undefined : new RegExp(rule.group, 'i'),
    accounts: rule.accounts,
  }));
  return (context) =>
    rules.find(
      (rule) =>
        (!rule.service || rule.service.test(context.service)) &&
        (!rule.group || (context.group !== undefined && rule.group.test(context.group))) &&
        (!rule.accounts || rule.accounts.includes(context.account)),
    )?.environment ?? config.defaultEnvironment;
}

// ---------------------------------------------------------------------------------------------
// The record
// ---------------------------------------------------------------------------------------------

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

export interface NormalizeDeploymentOptions {
  /** Names the environment of deployments from AWS sources; default: everything is `production`. */
  readonly environmentOf?: EnvironmentOf;
}

/** Validates a raw delivery (size, envelope) and normalizes it. Throws InvalidEventError naming the field. */
export function normalizeDeploymentEvent(
  raw: unknown,
  options: NormalizeDeploymentOptions = {},
): { envelope: EventEnvelope; record: DeploymentRecord } {
  assertEventSize(raw);
  const envelope = parseWith(EventEnvelopeSchema, raw, '');
  return { envelope, record: normalizeDeployment(envelope, options) };
}

/**
 * One deployment record from an envelope that passed EventEnvelopeSchema. The record's id depends
 * on the execution, never on the status. Throws InvalidEventError naming the field, or
 * UnsupportedSourceError for an event no deployment rule routes here.
 */
export function normalizeDeployment(envelope: EventEnvelope, options: NormalizeDeploymentOptions = {}): DeploymentRecord {
  const normalizer = NORMALIZERS[`${envelope.source}|${envelope['detail-type']}`];
  if (!normalizer) throw new UnsupportedSourceError(envelope.source, envelope['detail-type']);
  const at = isoTime(envelope.time, 'time');
  const environmentOf = options.environmentOf ?? (() => DEFAULT_DEPLOYMENTS_CONFIG.defaultEnvironment);
  const draft = normalizer(envelope, at);
  const environment =
    draft.environment ??
    environmentOf({
      service: draft.service,
      source: envelope.source,
      account: envelope.account,
      region: envelope.region,
      ...(draft.group ? { group: draft.group } : {}),
    });
  if (!ENVIRONMENT_PATTERN.test(environment))
    throw new InvalidEventError(
      'environment',
      `"${environment.slice(0, 40)}" from the environment mapping is not 1-32 lower-case letters, digits and dashes`,
    );
  return record(envelope, { ...draft, environment });
}

type Draft = Omit<
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

const Optional = (max: number) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined ? undefined : oneLine(value).slice(0, max) || undefined));
const OptionalTime = IsoTime.optional().catch(undefined);

const PipelineDetail = z.object({
  pipeline: z.string().regex(SERVICE_NAME_PATTERN, 'is not a pipeline name'),
  'execution-id': z.string().regex(/^[A-Za-z0-9-]{1,128}$/, 'is not an execution id'),
  state: z.enum(Object.keys(CODEPIPELINE_STATES) as [string, ...string[]]),
  'start-time': OptionalTime,
  'execution-trigger': z
    .object({
      'tag-name': Optional(100),
      'commit-id': Optional(200),
      'commit-message': Optional(500),
      'author-display-name': Optional(100),
      'author-id': Optional(100),
      'trigger-detail': Optional(200),
    })
    .optional(),
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
  application: z.string().regex(SERVICE_NAME_PATTERN, 'is not an application name'),
  deploymentId: z.string().regex(/^[A-Za-z0-9-]{1,128}$/, 'is not a deployment id'),
  deploymentGroup: Optional(128),
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
  deploymentId: z.string().regex(/^[A-Za-z0-9/_.-]{1,255}$/, 'is not a deployment id'),
  reason: Optional(500),
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
  'stack-id': z.string().regex(STACK_ARN, 'is not a CloudFormation stack ARN'),
  'status-details': z.object({
    status: z.enum(Object.keys(CLOUDFORMATION_STATUSES) as [string, ...string[]]),
    'status-reason': Optional(500),
  }),
  'client-request-token': Optional(128),
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

const MAX_RESOURCES = 10;

function record(event: EventEnvelope, draft: Draft & { environment: string }): DeploymentRecord {
  const { key, resources, ...rest } = draft;
  const id = `DEP-${sha256(canonicalJson([event.source, event.account, event.region, ...key]))
    .slice(0, 12)
    .toUpperCase()}`;
  const allResources = [...new Set([...(resources ?? []), ...event.resources].map((r) => r.trim()).filter(Boolean))].slice(
    0,
    MAX_RESOURCES,
  );
  return withDuration({
    id,
    source: event.source,
    ...rest,
    resources: allResources,
    account: event.account,
    region: event.region,
  });
}

/** The times of an event with this status: a start for `started`, an end (and a believable start) otherwise. A start after the event is not believable. */
function times(
  status: DeploymentStatus,
  at: string,
  startedAt?: string,
): Pick<DeploymentRecord, 'startedAt' | 'finishedAt' | 'lastEventAt'> {
  if (status === 'started') return { startedAt: startedAt && startedAt <= at ? startedAt : at, lastEventAt: at };
  return { ...(startedAt && startedAt <= at ? { startedAt } : {}), finishedAt: at, lastEventAt: at };
}

function withDuration<T extends DeploymentRecord>(record: T): T {
  const { durationSeconds: _previous, ...rest } = record;
  const duration =
    rest.startedAt && rest.finishedAt ? (Date.parse(rest.finishedAt) - Date.parse(rest.startedAt)) / 1000 : undefined;
  return (duration !== undefined && duration >= 0 ? { ...rest, durationSeconds: Math.round(duration) } : rest) as T;
}

const optional = <K extends string, V>(key: K, value: V | undefined | null | ''): { [P in K]?: V } =>
  value === undefined || value === null || value === '' ? {} : ({ [key]: value } as { [P in K]: V });

const enc = encodeURIComponent;

/** A console URL, only for a region that looks like one (the region ends up in the host name). */
function consoleUrl(region: string, build: (region: string) => string): string | undefined {
  return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region) ? build(region) : undefined;
}

/** Strict: a date that does not exist (2022-04-31) is refused, not rolled over to the next month. */
function isoTime(value: string, field: string): string {
  if (!IsoTime.safeParse(value).success)
    throw new InvalidEventError(field, `"${value.slice(0, 40)}" is not a real ISO 8601 date and time`);
  return new Date(Date.parse(value)).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Merging the events of one deployment
// ---------------------------------------------------------------------------------------------

export type DeploymentChange = 'created' | 'updated' | 'unchanged';

/** Events at the same time: the more final, then the worse status wins, so the order of delivery does not matter. */
const STATUS_RANK: Record<DeploymentStatus, number> = { started: 0, succeeded: 1, stopped: 2, failed: 3 };

const BOOKKEEPING = ['recordedAt', 'updatedAt'] as const;

/**
 * Folds one event's record into the stored one (same id). The status is that of the latest event
 * by source time (ties: failed > stopped > succeeded > started), so a STARTED delivered late after
 * SUCCEEDED never moves the status back, while a RESUMED execution (a STARTED newer than the
 * failure) does. The start is the earliest seen, the end that of the winning event; optional facts
 * (commit, actor, link...) are kept from whichever event had them. The result does not depend on
 * the order of delivery. A duplicate returns `unchanged` and the stored record itself.
 */
export function mergeDeployment(
  existing: DeploymentRecord | undefined,
  incoming: DeploymentRecord,
  now: string,
): { record: DeploymentRecord; change: DeploymentChange; previousStatus?: DeploymentStatus } {
  if (!existing) return { record: withDuration({ ...strip(incoming), recordedAt: now, updatedAt: now }), change: 'created' };
  if (existing.id !== incoming.id) throw new Error(`cannot merge deployment ${incoming.id} into ${existing.id}`);
  const incomingWins =
    incoming.lastEventAt > existing.lastEventAt ||
    (incoming.lastEventAt === existing.lastEventAt && STATUS_RANK[incoming.status] > STATUS_RANK[existing.status]);
  const [winner, loser] = incomingWins ? [incoming, existing] : [existing, incoming];
  const startedAt = [existing.startedAt, incoming.startedAt].filter((t): t is string => !!t).sort()[0];
  const finishedAt = winner.status === 'started' ? undefined : winner.finishedAt;
  const merged: DeploymentRecord = withDuration({
    // Identity stays as first recorded.
    id: existing.id,
    source: existing.source,
    executionId: existing.executionId,
    service: existing.service,
    environment: existing.environment,
    account: existing.account,
    region: existing.region,
    version: winner.version,
    status: winner.status,
    sourceStatus: winner.sourceStatus,
    lastEventAt: winner.lastEventAt,
    ...optional('group', winner.group ?? loser.group),
    ...optional('commit', winner.commit ?? loser.commit),
    ...optional('commitMessage', winner.commitMessage ?? loser.commitMessage),
    ...optional('actor', winner.actor ?? loser.actor),
    ...optional('link', winner.link ?? loser.link),
    // A reason belongs to its status: a success after a resumed failure does not keep the failure's reason.
    ...optional('reason', winner.reason),
    ...(startedAt && (!finishedAt || startedAt <= finishedAt) ? { startedAt } : {}),
    ...optional('finishedAt', finishedAt),
    resources: [...new Set([...existing.resources, ...incoming.resources])].slice(0, MAX_RESOURCES),
  });
  if (canonicalJson(merged) === canonicalJson(strip(existing)))
    return { record: existing, change: 'unchanged', previousStatus: existing.status };
  return {
    record: { ...merged, recordedAt: existing.recordedAt ?? now, updatedAt: now },
    change: 'updated',
    previousStatus: existing.status,
  };
}

function strip(record: DeploymentRecord): DeploymentRecord {
  const copy: Record<string, unknown> = { ...record };
  for (const key of BOOKKEEPING) delete copy[key];
  return copy as unknown as DeploymentRecord;
}

/** The merge made this deployment fail (not a repeat of a failure already recorded). */
export const becameFailed = (result: {
  record: DeploymentRecord;
  change: DeploymentChange;
  previousStatus?: DeploymentStatus;
}): boolean => result.change !== 'unchanged' && result.record.status === 'failed' && result.previousStatus !== 'failed';

// ---------------------------------------------------------------------------------------------
// Release holds
// ---------------------------------------------------------------------------------------------

export interface HoldApproval {
  readonly userId: string;
  readonly role: Role;
  readonly at: string;
}

/** A service's release hold. Stored per service; `revision` guards concurrent writes. */
export interface HoldState {
  readonly service: string;
  readonly held: boolean;
  /** Built from validated fields only (ids, version, environment, the source's status word). */
  readonly reason: string;
  /** The failed deployment that put the hold; approvals count only for the hold they were given on. */
  readonly deploymentId: string;
  readonly environment: string;
  readonly version: string;
  readonly heldAt: string;
  /** Senior approvals needed while the CTO is away (by default `policy.seniorQuorum.high`). */
  readonly seniorQuorum: number;
  readonly approvals: readonly HoldApproval[];
  /** The release incident the failure opened, when there is one (audit, links). */
  readonly incidentId?: string;
  /** Slack user ids: the CTO, or the senior engineers whose approvals reached the quorum. */
  readonly liftedBy?: readonly string[];
  readonly liftedAt?: string;
  readonly revision: number;
}

export interface HoldOptions {
  /** The service's current hold, if any. */
  readonly existing?: HoldState;
  /** Default 2 (the default `policy.seniorQuorum.high`); pass the configured value. */
  readonly seniorQuorum?: number;
  /** Environments whose failures hold the service (config `deployments.holdEnvironments`); all when unset. */
  readonly holdEnvironments?: readonly string[];
  readonly incidentId?: string;
}

/**
 * The hold a failed deployment puts on its service, or undefined when the record is not a failure
 * or its environment does not hold. A failure that already is the hold's reason (a redelivery, even
 * after the hold was lifted) returns `options.existing` itself, unchanged. A new failure while held
 * re-arms the hold for that deployment: approvals given for the earlier failure no longer count.
 */
export function holdAfterFailure(record: DeploymentRecord, now: string, options: HoldOptions = {}): HoldState | undefined {
  if (record.status !== 'failed') return undefined;
  if (options.holdEnvironments && !options.holdEnvironments.includes(record.environment)) return undefined;
  const { existing } = options;
  if (existing && existing.service !== record.service)
    throw new Error(`the hold on ${existing.service} is not ${record.service}'s`);
  if (existing?.deploymentId === record.id) return existing;
  return {
    service: record.service,
    held: true,
    reason: `deployment ${record.id} of ${oneLine(record.version)} to ${record.environment} failed (${oneLine(record.sourceStatus)})`,
    deploymentId: record.id,
    environment: record.environment,
    version: record.version,
    heldAt: now,
    seniorQuorum: options.seniorQuorum ?? 2,
    approvals: [],
    ...optional('incidentId', options.incidentId ?? (existing?.held ? existing.incidentId : undefined)),
    revision: (existing?.revision ?? 0) + 1,
  };
}

export type ReleaseRefusal =
  'other_workspace' | 'not_on_roster' | 'wrong_role' | 'not_held' | 'self_approval' | 'cto_available' | 'already_approved';

export type ReleaseDecision =
  | { readonly allowed: false; readonly refusal: ReleaseRefusal; readonly message: string }
  | {
      readonly allowed: true;
      readonly outcome: 'approval_recorded' | 'lifted';
      readonly hold: HoldState;
      readonly message: string;
    };

export interface ReleaseApprovalInput {
  readonly hold: HoldState | undefined;
  readonly actor: { readonly userId: string; readonly teamId: string };
  readonly workspaceTeamId: string;
  /** The actor's roster entry, if any. */
  readonly member: RosterMember | undefined;
  readonly cto: RosterMember;
  readonly now: string;
  /** Slack user id of whoever asked for the release: they cannot count as its approver. */
  readonly requestedBy?: string;
}

/**
 * `/firebreak release approve <service>`, with the mitigation rules: the CTO lifts a hold alone.
 * Senior engineers may approve only while the CTO is away (`/firebreak away`) or is the one who
 * asked for the release (separation of duties takes the CTO out); then `hold.seniorQuorum` distinct
 * seniors lift it, one person counting once. Responders never can; whoever asked for the release
 * cannot approve it. The message is safe Slack mrkdwn. Every attempt should be audited by the caller.
 */
export function decideReleaseApproval(input: ReleaseApprovalInput): ReleaseDecision {
  const { hold, actor, member, cto, now } = input;
  const refuse = (refusal: ReleaseRefusal, message: string): ReleaseDecision => ({ allowed: false, refusal, message });
  if (actor.teamId !== input.workspaceTeamId)
    return refuse('other_workspace', 'This request comes from another Slack workspace.');
  if (!member || member.slackUserId !== actor.userId)
    return refuse('not_on_roster', 'You are not on the Firebreak roster, so you cannot approve releases.');
  if (!hold?.held) {
    const service = hold ? code(hold.service, 255) : 'This service';
    const lifted = hold?.liftedAt
      ? ` (lifted at ${formatTime(hold.liftedAt)}${hold.liftedBy?.length ? ` by ${hold.liftedBy.map(mention).join(', ')}` : ''})`
      : '';
    return refuse('not_held', `${service} is not on a release hold${lifted}: it may deploy.`);
  }
  const service = code(hold.service, 255);
  if (member.role === 'responder')
    return refuse('wrong_role', `Only the CTO or, while the CTO is away, senior engineers can approve a release of ${service}.`);
  const requestedByActor = input.requestedBy === member.slackUserId;
  if (requestedByActor && member.role === 'senior')
    return refuse(
      'self_approval',
      `You asked for this release of ${service}, so someone else has to approve it (separation of duties).`,
    );

  const approval: HoldApproval = { userId: member.slackUserId, role: member.role, at: now };
  if (member.role === 'cto') {
    if (requestedByActor)
      return refuse(
        'self_approval',
        `You asked for this release of ${service}; ${hold.seniorQuorum} senior engineers have to approve it (separation of duties).`,
      );
    return {
      allowed: true,
      outcome: 'lifted',
      message: `Release hold on ${service} lifted by the CTO ${mention(member.slackUserId)}.`,
      hold: lift(hold, [...hold.approvals, approval], [member.slackUserId], now),
    };
  }

  const ctoUnavailable = isAway(cto, now) || input.requestedBy === cto.slackUserId;
  if (!ctoUnavailable)
    return refuse(
      'cto_available',
      `The CTO ${mention(cto.slackUserId)} is available and lifts release holds; senior engineers can approve only while the CTO is away.`,
    );
  const seniors = new Set(hold.approvals.filter((a) => a.role === 'senior').map((a) => a.userId));
  if (seniors.has(member.slackUserId))
    return refuse(
      'already_approved',
      `You already approved the release of ${service}; another senior engineer has to approve too.`,
    );
  seniors.add(member.slackUserId);
  const approvals = [...hold.approvals, approval];
  if (seniors.size >= hold.seniorQuorum) {
    const by = [...seniors];
    return {
      allowed: true,
      outcome: 'lifted',
      message: `Release hold on ${service} lifted by senior engineers ${by.map(mention).join(' and ')}.`,
      hold: lift(hold, approvals, by, now),
    };
  }
  return {
    allowed: true,
    outcome: 'approval_recorded',
    message: `Approval by ${mention(member.slackUserId)} recorded: ${seniors.size} of ${hold.seniorQuorum} senior approvals to lift the hold on ${service}.`,
    hold: { ...hold, approvals, revision: hold.revision + 1 },
  };
}

function lift(hold: HoldState, approvals: readonly HoldApproval[], by: readonly string[], now: string): HoldState {
  return { ...hold, held: false, approvals, liftedBy: by, liftedAt: now, revision: hold.revision + 1 };
}

export interface ReleaseCheck {
  /** `firebreak release check` exits 0 when allowed, 1 otherwise. */
  readonly allowed: boolean;
  /** One line of plain text for a terminal. */
  readonly reason: string;
  /** Plain-text names (and roles) of who can lift the hold now; empty when allowed. */
  readonly whoCanLift: string[];
}

/** May `service` deploy? For `firebreak release check <service>` and pipelines gating on it. */
export function releaseCheck(input: {
  readonly service: string;
  readonly hold: HoldState | undefined;
  readonly cto: RosterMember;
  readonly seniors: readonly RosterMember[];
  readonly now: string;
}): ReleaseCheck {
  const { service, hold, cto, now } = input;
  if (!hold) return { allowed: true, reason: plain(`${service} is not on a release hold.`), whoCanLift: [] };
  if (!hold.held) {
    const by = hold.liftedBy?.length ? ` by ${hold.liftedBy.map((id) => nameOf(id, input)).join(' and ')}` : '';
    return {
      allowed: true,
      reason: plain(`The release hold on ${service} was lifted${by}${hold.liftedAt ? ` at ${formatTime(hold.liftedAt)}` : ''}.`),
      whoCanLift: [],
    };
  }
  const ctoAway = isAway(cto, now);
  const seniors = input.seniors.filter((s) => !isAway(s, now));
  const given = new Set(hold.approvals.filter((a) => a.role === 'senior').map((a) => a.userId)).size;
  const whoCanLift = [`${plainName(cto.name)} (CTO${ctoAway ? `, away until ${formatTime(cto.awayUntil ?? '')}` : ''})`];
  let how: string;
  if (ctoAway) {
    whoCanLift.push(...seniors.map((s) => `${plainName(s.name)} (senior engineer)`));
    how = `the CTO alone, or ${hold.seniorQuorum} senior engineers while the CTO is away (${given} of ${hold.seniorQuorum} so far)`;
  } else {
    how = `the CTO alone (senior engineers only while the CTO is away${given ? `; ${given} of ${hold.seniorQuorum} senior approvals so far` : ''})`;
  }
  return {
    allowed: false,
    reason: plain(
      `${service} is on a release hold since ${formatTime(hold.heldAt)}: ${hold.reason}. Lift it with /firebreak release approve ${service}: ${how}.`,
    ),
    whoCanLift,
  };
}

/** Text for a terminal: one line, no C0 or C1 control characters (no escape sequences). */
const plain = (text: string): string => oneLine(text).replace(/[\u0080-\u009f]/g, ' ');
const plainName = (name: string): string => plain(name).slice(0, 80);
const nameOf = (userId: string, roster: { cto: RosterMember; seniors: readonly RosterMember[] }): string =>
  plainName([roster.cto, ...roster.seniors].find((m) => m.slackUserId === userId)?.name ?? userId);

// ---------------------------------------------------------------------------------------------
// Incidents
// ---------------------------------------------------------------------------------------------

/** Source and kind of the signals a failed deployment feeds into ingest. */
export const DEPLOYMENT_SIGNAL = { source: DEPLOYMENT_SOURCE, kind: 'deployment-failed' } as const;

export interface FailedDeploymentIncident {
  /** A signal for the existing ingest path: source `firebreak.deploy`, kind `deployment-failed`, subject `<service>/<environment>`. */
  readonly signal: Signal;
  readonly title: string;
  readonly severity: Severity;
  readonly category: 'release';
  readonly subject: string;
  readonly resources: readonly string[];
}

const HINT_OF: Record<Severity, SeverityHint> = { SEV1: 'critical', SEV2: 'high', SEV3: 'medium', SEV4: 'low' };

/**
 * The release incident a failed deployment opens, or undefined when it is not a failure or its
 * environment has no incident severity (config `deployments.incidentSeverity`: production SEV2,
 * staging SEV4 by default). Repeated failures of one service in one environment share a subject, so
 * they count on one open incident.
 */
export function incidentForFailedDeployment(
  record: DeploymentRecord,
  config: Pick<DeploymentsConfig, 'incidentSeverity'> = DEFAULT_DEPLOYMENTS_CONFIG,
): FailedDeploymentIncident | undefined {
  if (record.status !== 'failed') return undefined;
  const severity = config.incidentSeverity[record.environment];
  if (!severity) return undefined;
  const subject = `${record.service}/${record.environment}`;
  const title = `Deployment of ${record.service} ${oneLine(record.version)} to ${record.environment} failed`.slice(0, 300);
  const resources = [...new Set([...record.resources, record.id])];
  const description = `${SOURCE_NAMES[record.source] ?? record.source} reported ${oneLine(record.sourceStatus)}${record.reason ? `: ${oneLine(record.reason)}` : '.'}`;
  const signal: Signal = {
    source: DEPLOYMENT_SIGNAL.source,
    kind: DEPLOYMENT_SIGNAL.kind,
    subject,
    title,
    description,
    account: record.account,
    region: record.region,
    resources,
    severityHint: HINT_OF[severity],
    observedAt: record.finishedAt ?? record.lastEventAt,
    state: 'firing',
    attributes: {
      service: record.service,
      environment: record.environment,
      version: oneLine(record.version),
      deploymentId: record.id,
      deploymentSource: record.source,
      sourceStatus: oneLine(record.sourceStatus),
      severity,
    },
    ...optional('url', record.link),
  };
  return { signal, title, severity, category: 'release', subject, resources };
}

/**
 * The classification ingest should use for a failed deployment's signal: severity by environment,
 * category `release`, the `release` channel if configured (else the default), the configured
 * fingerprint. Pass it as ingest's `classify` for this signal instead of the rule classifier.
 */
export function failedDeploymentClassification(
  incident: FailedDeploymentIncident,
  config: Pick<ClassifierConfig, 'slack' | 'dedup'>,
  mitigations: readonly string[] = [],
): Classification {
  return {
    rule: `deployment failure (${incident.signal.attributes.environment ?? 'unknown'} is ${incident.severity})`,
    suppressed: false,
    severity: incident.severity,
    category: 'release',
    channel: config.slack.channels.release ?? config.slack.channels.default,
    mitigations,
    fingerprint: fingerprint(incident.signal, config.dedup.fingerprint),
  };
}

/**
 * A successful deployment of a service to an environment that opens incidents, as a recovery of its
 * release incident: feeding it to ingest resolves an open `deployment-failed` incident for the same
 * service and environment (nothing happens when none is open). Undefined otherwise.
 */
export function recoveryForDeployment(
  record: DeploymentRecord,
  config: Pick<DeploymentsConfig, 'incidentSeverity'> = DEFAULT_DEPLOYMENTS_CONFIG,
): Signal | undefined {
  if (record.status !== 'succeeded' || !config.incidentSeverity[record.environment]) return undefined;
  const subject = `${record.service}/${record.environment}`;
  return {
    source: DEPLOYMENT_SIGNAL.source,
    kind: DEPLOYMENT_SIGNAL.kind,
    subject,
    title: `Deployment of ${record.service} ${oneLine(record.version)} to ${record.environment} succeeded`.slice(0, 300),
    account: record.account,
    region: record.region,
    // A recovery clears the resources it names: the incident's resources are those of failed deployments of this subject.
    resources: [],
    severityHint: 'informational',
    observedAt: record.finishedAt ?? record.lastEventAt,
    state: 'recovered',
    attributes: {
      service: record.service,
      environment: record.environment,
      version: oneLine(record.version),
      deploymentId: record.id,
    },
    ...optional('url', record.link),
  };
}

// ---------------------------------------------------------------------------------------------
// What changed?
// ---------------------------------------------------------------------------------------------

/** What `recentDeployments` needs of an incident (an Incident, or the IncidentEventDetail notify receives). */
export interface IncidentWindow {
  readonly account: string;
  /** When Firebreak opened it. */
  readonly openedAt?: string;
  /** When the source first saw the problem. */
  readonly firstSeen?: string;
  readonly subject?: string;
  readonly resources?: readonly string[];
}

/**
 * The deployments to the same account, or to the same service (the incident's subject is the
 * service or `<service>/<environment>`, or they share a resource), that were under way in the
 * `windowMinutes` before the incident: from `windowMinutes` before it was first seen until it
 * opened. Newest first.
 */
export function recentDeployments(
  records: readonly DeploymentRecord[],
  incident: IncidentWindow,
  windowMinutes = 60,
): DeploymentRecord[] {
  const first = incident.firstSeen ?? incident.openedAt;
  const end = incident.openedAt ?? incident.firstSeen;
  if (!first || !end) return [];
  const windowEnd = Math.max(Date.parse(first), Date.parse(end));
  const windowStart = Math.min(Date.parse(first), Date.parse(end)) - windowMinutes * 60_000;
  if (Number.isNaN(windowStart) || Number.isNaN(windowEnd)) return [];
  const resources = new Set(incident.resources ?? []);
  const related = (r: DeploymentRecord) =>
    r.account === incident.account ||
    incident.subject === r.service ||
    incident.subject?.startsWith(`${r.service}/`) === true ||
    r.resources.some((resource) => resources.has(resource));
  const inWindow = (r: DeploymentRecord) => {
    const start = Date.parse(r.startedAt ?? r.finishedAt ?? r.lastEventAt);
    // Still running: it is changing things right now.
    const finish = r.status === 'started' ? Infinity : Date.parse(r.finishedAt ?? r.lastEventAt);
    return start <= windowEnd && finish >= windowStart;
  };
  return records
    .filter((r) => related(r) && inWindow(r))
    .sort((a, b) => (deploymentTime(b) < deploymentTime(a) ? -1 : deploymentTime(b) > deploymentTime(a) ? 1 : 0));
}

/** When a deployment happened, for sorting and display: its end, else its start. */
export const deploymentTime = (r: Pick<DeploymentRecord, 'finishedAt' | 'startedAt' | 'lastEventAt'>): string =>
  r.finishedAt ?? r.startedAt ?? r.lastEventAt;
