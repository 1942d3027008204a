/** Shared fixtures of the deployments tests: events, records and a roster. */
import { expect } from 'vitest';
import { DEPLOYMENT_SOURCE } from '../../../functions/core/deployments/deployment-sources.ts';
import { type DeploymentRecord } from '../../../functions/core/deployments/deployment-record.ts';
import type { RosterMember } from '../../../functions/core/approval/roster.ts';
import { EventEnvelopeSchema, InvalidEventError, type EventEnvelope } from '../../../functions/core/signals/signal.ts';
import { fixture } from '../../support.ts';
import type { Json } from '../helpers.ts';

export const DEPLOYMENT_FIXTURES = {
  CodePipelineExecution: [
    'codepipeline-pipeline-execution-succeeded.json',
    'codepipeline-pipeline-execution-failed.json',
    'codepipeline-pipeline-execution-succeeded-gittags.json',
    'codepipeline-pipeline-execution-failed-gittags.json',
  ],
  CodeDeployDeployment: [
    'codedeploy-deployment-success.json',
    'codedeploy-deployment-failure-derived.json',
    'codedeploy-deployment-failure-aws-solutions.json',
  ],
  EcsServiceDeployment: ['ecs-deployment-completed.json', 'ecs-deployment-failed.json'],
  CloudFormationStackResult: [
    'cloudformation-stack-status-change-create-complete.json',
    'cloudformation-stack-status-change-create-complete-ebref.json',
  ],
} as const;

export const INGEST_FIXTURES = [
  'cloudwatch-alarm-state-change-alarm.json',
  'cloudwatch-alarm-state-change-ok-derived.json',
  'cloudwatch-alarm-state-change-ok-canary.json',
  'guardduty-finding-ec2-high-wrapped.json',
  'guardduty-finding-ec2-low-awsdocs-wrapped.json',
  'securityhub-findings-imported-afsbp-critical-wrapped.json',
  'securityhub-findings-imported-guardduty-ec2-wrapped.json',
  'inspector2-finding-ec2-package-vulnerability-active.json',
  'inspector2-finding-ec2-package-vulnerability-closed.json',
  'health-ec2-issue.json',
  'ec2-instance-state-change-terminated.json',
  'ssm-command-status-change-success.json',
  'ssm-automation-execution-status-change-success.json',
];

/** A custom `Deployment` event as `firebreak deploy-notice` publishes it. */
export function customEvent(detail: Record<string, unknown>, overrides: Record<string, unknown> = {}): EventEnvelope {
  return EventEnvelopeSchema.parse({
    version: '0',
    id: '0d6e1f52-0000-4000-8000-000000000001',
    'detail-type': 'Deployment',
    source: DEPLOYMENT_SOURCE,
    account: '123456789012',
    time: '2026-03-01T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { service: 'checkout', version: '1.4.2', environment: 'production', status: 'started', ...detail },
    ...overrides,
  });
}

/** A deep copy of a fixture, to edit. */
export const editable = (name: string): Json => structuredClone(fixture(name)) as Json;
export const at = (name: string, time: string): EventEnvelope => ({ ...editable(name), time });

export function invalid(fn: () => unknown): InvalidEventError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return error as InvalidEventError;
  }
  throw new Error('expected an InvalidEventError, nothing was thrown');
}

/** A deployment record; override what a test needs. */
export function dep(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: 'DEP-000000000001',
    source: DEPLOYMENT_SOURCE,
    executionId: '1.4.2',
    service: 'checkout',
    environment: 'production',
    version: '1.4.2',
    status: 'succeeded',
    sourceStatus: 'succeeded',
    startedAt: '2026-03-01T09:50:00.000Z',
    finishedAt: '2026-03-01T09:55:00.000Z',
    durationSeconds: 300,
    lastEventAt: '2026-03-01T09:55:00.000Z',
    resources: [],
    account: '123456789012',
    region: 'eu-west-1',
    ...overrides,
  };
}

export const NOW = '2026-03-01T10:00:00.000Z';
export const CTO: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };
export const SENIOR1: RosterMember = { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' };
export const SENIOR2: RosterMember = { slackUserId: 'U0SENIOR002', name: 'Mateo Alvarez', role: 'senior' };
export const SENIOR3: RosterMember = { slackUserId: 'U0SENIOR003', name: 'Grace Lindqvist', role: 'senior' };
export const RESPONDER: RosterMember = { slackUserId: 'U0RESPOND01', name: 'Sam Whitfield', role: 'responder' };
export const AWAY_CTO: RosterMember = { ...CTO, awayUntil: '2026-03-01T18:00:00.000Z' };
