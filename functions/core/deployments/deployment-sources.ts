/**
 * Where deployment events come from: the sources, their detail types and status words, and the
 * rules (patterns) that route them to the deployments function, used by the stack and the local bus
 * alike. CodePipeline, CodeDeploy, ECS and CloudFormation publish on the default bus; any other CI
 * system publishes a custom `Deployment` event with source `firebreak.deploy` on the firebreak bus
 * (what `firebreak deploy-notice` publishes). Pure.
 */
import { FIREBREAK_BUS_NAME } from '../events/bus.ts';
import type { IngestRule } from '../events/ingest-rules.ts';

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
