import { describe, expect, it } from 'vitest';
import { becameFailed, mergeDeployment } from '../../functions/core/deployments/merge-deployment.ts';
import { decideReleaseApproval, type ReleaseApprovalInput } from '../../functions/core/deployments/release-approval.ts';
import { DEFAULT_DEPLOYMENTS_CONFIG, environmentResolver } from '../../functions/core/deployments/deployment-environments.ts';
import {
  DEPLOYMENT_DETAIL_TYPES,
  DEPLOYMENT_SOURCE,
  deploymentRules,
} from '../../functions/core/deployments/deployment-sources.ts';
import { DeploymentSchema } from '../../functions/core/deployments/deploy-notice-schema.ts';
import { DeploymentsConfigSchema } from '../../functions/core/config.ts';
import {
  failedDeploymentClassification,
  incidentForFailedDeployment,
  recoveryForDeployment,
} from '../../functions/core/deployments/release-incident.ts';
import { holdAfterFailure, type HoldState } from '../../functions/core/deployments/release-hold.ts';
import { normalizeDeployment, normalizeDeploymentEvent } from '../../functions/core/deployments/normalize-deployment.ts';
import { recentDeployments } from '../../functions/core/deployments/what-changed.ts';
import { releaseCheck } from '../../functions/core/deployments/release-check.ts';
import { type DeploymentRecord } from '../../functions/core/deployments/deployment-record.ts';
import { FIREBREAK_SOURCE, ingestRules } from '../../functions/core/events/patterns.ts';
import type { RosterMember } from '../../functions/core/approval/roster.ts';
import {
  EventEnvelopeSchema,
  InvalidEventError,
  UnsupportedSourceError,
  type EventEnvelope,
} from '../../functions/core/signals/signal.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import { exampleConfig, fixture } from '../support.ts';
import { buildConfig, type Json } from './helpers.ts';

const DEPLOYMENT_FIXTURES = {
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

const INGEST_FIXTURES = [
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
function customEvent(detail: Record<string, unknown>, overrides: Record<string, unknown> = {}): EventEnvelope {
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
const editable = (name: string): Json => structuredClone(fixture(name)) as Json;
const at = (name: string, time: string): EventEnvelope => ({ ...editable(name), time });

function invalid(fn: () => unknown): InvalidEventError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return error as InvalidEventError;
  }
  throw new Error('expected an InvalidEventError, nothing was thrown');
}

/** A deployment record; override what a test needs. */
function dep(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
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

const NOW = '2026-03-01T10:00:00.000Z';
const CTO: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };
const SENIOR1: RosterMember = { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' };
const SENIOR2: RosterMember = { slackUserId: 'U0SENIOR002', name: 'Mateo Alvarez', role: 'senior' };
const SENIOR3: RosterMember = { slackUserId: 'U0SENIOR003', name: 'Grace Lindqvist', role: 'senior' };
const RESPONDER: RosterMember = { slackUserId: 'U0RESPOND01', name: 'Sam Whitfield', role: 'responder' };
const AWAY_CTO: RosterMember = { ...CTO, awayUntil: '2026-03-01T18:00:00.000Z' };

describe('deploymentRules', () => {
  const rules = deploymentRules();
  const byId = Object.fromEntries(rules.map((r) => [r.id, r]));

  it('has unique ids and descriptions; AWS sources on the default bus, the custom event on the firebreak bus', () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const rule of rules) expect(rule.description.length).toBeGreaterThan(0);
    expect(byId.CustomDeployment).toMatchObject({
      bus: 'firebreak',
      pattern: { source: ['firebreak.deploy'], 'detail-type': ['Deployment'] },
    });
    for (const rule of rules.filter((r) => r.id !== 'CustomDeployment')) {
      expect(rule.bus).toBe('default');
      expect((rule.pattern.source as string[])[0]).toMatch(/^aws\./);
    }
  });

  it('routes every published deployment sample to exactly its rule', () => {
    for (const [id, names] of Object.entries(DEPLOYMENT_FIXTURES)) {
      for (const name of names)
        expect(
          rules.filter((r) => matchesPattern(r.pattern, fixture(name))).map((r) => r.id),
          name,
        ).toEqual([id]);
    }
    expect(rules.filter((r) => matchesPattern(r.pattern, customEvent({}))).map((r) => r.id)).toEqual(['CustomDeployment']);
  });

  it('takes none of what ingest takes, and ingest takes none of the deployments', () => {
    for (const name of INGEST_FIXTURES)
      expect(
        rules.filter((r) => matchesPattern(r.pattern, fixture(name))),
        name,
      ).toEqual([]);
    const ingest = ingestRules(exampleConfig());
    for (const name of [...Object.values(DEPLOYMENT_FIXTURES).flat()])
      expect(
        ingest.filter((r) => matchesPattern(r.pattern, fixture(name))),
        name,
      ).toEqual([]);
    expect(ingest.filter((r) => matchesPattern(r.pattern, customEvent({})))).toEqual([]);
  });

  it("never listens to Firebreak's own events or to monitors", () => {
    for (const event of [
      { source: FIREBREAK_SOURCE, 'detail-type': 'Incident Opened', detail: {} },
      { source: FIREBREAK_SOURCE, 'detail-type': 'Deployment', detail: {} },
      { source: 'firebreak.monitor.ci', 'detail-type': 'Deployment', detail: {} },
      { source: 'firebreak.deploy', 'detail-type': 'Monitor Alert', detail: {} },
    ]) {
      expect(
        rules.filter((r) => matchesPattern(r.pattern, event)),
        JSON.stringify(event),
      ).toEqual([]);
    }
  });

  it('leaves out states that are not a result worth a notice', () => {
    const with_ = (name: string, edit: (e: Json) => void) => {
      const event = editable(name);
      edit(event);
      return rules.filter((r) => matchesPattern(r.pattern, event));
    };
    expect(with_('codepipeline-pipeline-execution-failed.json', (e) => (e.detail.state = 'STOPPING'))).toEqual([]);
    expect(with_('codepipeline-pipeline-execution-failed.json', (e) => (e.detail.state = 'STARTED'))).toHaveLength(1);
    expect(with_('codedeploy-deployment-success.json', (e) => (e.detail.state = 'READY'))).toEqual([]);
    expect(with_('codedeploy-deployment-success.json', (e) => (e.detail.state = 'START'))).toHaveLength(1);
    for (const status of [
      'CREATE_IN_PROGRESS',
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'DELETE_COMPLETE',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    ]) {
      expect(
        with_('cloudformation-stack-status-change-create-complete.json', (e) => (e.detail['status-details'].status = status)),
        status,
      ).toEqual([]);
    }
    for (const status of [
      'UPDATE_COMPLETE',
      'UPDATE_ROLLBACK_COMPLETE',
      'UPDATE_ROLLBACK_FAILED',
      'ROLLBACK_COMPLETE',
      'CREATE_FAILED',
    ]) {
      expect(
        with_('cloudformation-stack-status-change-create-complete.json', (e) => (e.detail['status-details'].status = status)),
        status,
      ).toHaveLength(1);
    }
    expect(with_('ecs-deployment-completed.json', (e) => (e.detail.eventName = 'SERVICE_DEPLOYMENT_IN_PROGRESS'))).toHaveLength(
      1,
    );
    expect(with_('ecs-deployment-completed.json', (e) => (e.detail.eventName = 'SERVICE_STEADY_STATE'))).toEqual([]);
    expect(DEPLOYMENT_DETAIL_TYPES.custom).toBe('Deployment');
  });
});

describe('normalizeDeployment: CodePipeline', () => {
  it('turns a tagged SUCCEEDED execution into a finished record with its tag, commit, author and duration', () => {
    expect(normalizeDeployment(fixture('codepipeline-pipeline-execution-succeeded-gittags.json'))).toEqual({
      id: expect.stringMatching(/^DEP-[0-9A-F]{12}$/),
      source: 'aws.codepipeline',
      executionId: 'e17b5773-cc0d-4db2-9ad7-594c73888de8',
      service: 'BuildFromTag',
      environment: 'production',
      version: 'gitlab-v4.2.1',
      // As published: the literal "`commit_ID`"; kept as text and escaped wherever it is shown.
      commit: '`commit_ID`',
      commitMessage: 'Update file README.md',
      actor: 'Mary Major',
      status: 'succeeded',
      sourceStatus: 'SUCCEEDED',
      startedAt: '2023-10-26T13:49:39.208Z',
      finishedAt: '2023-10-26T13:50:53.000Z',
      durationSeconds: 74,
      lastEventAt: '2023-10-26T13:50:53.000Z',
      link: 'https://eu-central-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/BuildFromTag/executions/e17b5773-cc0d-4db2-9ad7-594c73888de8/timeline?region=eu-central-1',
      resources: ['arn:aws:codepipeline:eu-central-1:123456789012:BuildFromTag'],
      account: '123456789012',
      region: 'eu-central-1',
    });
  });

  it('uses the execution id as the version without a tag, and ignores a start-time after the event (as in the samples)', () => {
    const record = normalizeDeployment(fixture('codepipeline-pipeline-execution-failed.json'));
    expect(record).toMatchObject({
      service: 'myPipeline',
      version: '12345678-1234-5678-abcd-12345678abcd',
      status: 'failed',
      sourceStatus: 'FAILED',
      finishedAt: '2020-01-31T18:55:43.000Z',
      region: 'us-west-2',
    });
    expect(record.startedAt).toBeUndefined();
    expect(record.durationSeconds).toBeUndefined();
    expect(record.commit).toBeUndefined();
  });

  it('gives the events of one execution one id, whatever their status, and other regions their own', () => {
    const failed = normalizeDeployment(fixture('codepipeline-pipeline-execution-failed.json'));
    const failedTags = normalizeDeployment(fixture('codepipeline-pipeline-execution-failed-gittags.json'));
    const succeededElsewhere = normalizeDeployment(fixture('codepipeline-pipeline-execution-succeeded.json'));
    expect(failedTags.id).toBe(failed.id);
    // Same execution id and event id as published, but another region: another execution.
    expect(succeededElsewhere.id).not.toBe(failed.id);
    const started = normalizeDeployment({
      ...at('codepipeline-pipeline-execution-failed.json', '2020-01-31T18:40:00Z'),
      detail: { ...editable('codepipeline-pipeline-execution-failed.json').detail, state: 'STARTED' },
    });
    expect(started).toMatchObject({
      id: failed.id,
      status: 'started',
      startedAt: '2020-01-31T18:40:00.000Z',
      lastEventAt: '2020-01-31T18:40:00.000Z',
    });
    expect(started.finishedAt).toBeUndefined();
  });

  it('maps every state: resumed is a start, superseded and cancelled are stopped', () => {
    const state = (s: string) => {
      const event = editable('codepipeline-pipeline-execution-failed.json');
      event.detail.state = s;
      return normalizeDeployment(event).status;
    };
    expect(['STARTED', 'RESUMED', 'SUCCEEDED', 'FAILED', 'STOPPED', 'SUPERSEDED', 'CANCELED'].map(state)).toEqual([
      'started',
      'started',
      'succeeded',
      'failed',
      'stopped',
      'stopped',
      'stopped',
    ]);
    expect(invalid(() => state('STOPPING')).field).toBe('detail.state');
  });

  it('shortens a full commit sha into the version when there is no tag', () => {
    const event = editable('codepipeline-pipeline-execution-succeeded-gittags.json');
    delete event.detail['execution-trigger']['tag-name'];
    event.detail['execution-trigger']['commit-id'] = '0123456789abcdef0123456789abcdef01234567';
    expect(normalizeDeployment(event)).toMatchObject({
      version: '0123456789ab',
      commit: '0123456789abcdef0123456789abcdef01234567',
    });
  });

  it('names the field that is wrong', () => {
    const event = editable('codepipeline-pipeline-execution-failed.json');
    delete event.detail.pipeline;
    expect(invalid(() => normalizeDeployment(event)).field).toBe('detail.pipeline');
    const bad = editable('codepipeline-pipeline-execution-failed.json');
    bad.detail.pipeline = 'my pipeline <!channel>';
    expect(invalid(() => normalizeDeployment(bad)).field).toBe('detail.pipeline');
  });
});

describe('normalizeDeployment: CodeDeploy', () => {
  it('turns the SUCCESS sample into a record of the application, its deployment group and deployment id', () => {
    expect(normalizeDeployment(fixture('codedeploy-deployment-success.json'))).toEqual({
      id: expect.stringMatching(/^DEP-[0-9A-F]{12}$/),
      source: 'aws.codedeploy',
      executionId: 'd-123456789',
      service: 'myApplication',
      group: 'myDeploymentGroup',
      environment: 'production',
      version: 'd-123456789',
      status: 'succeeded',
      sourceStatus: 'SUCCESS',
      finishedAt: '2016-06-30T22:06:31.000Z',
      lastEventAt: '2016-06-30T22:06:31.000Z',
      link: 'https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-123456789?region=us-east-1',
      resources: [
        'arn:aws:codedeploy:us-east-1:123456789012:application:myApplication',
        'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:myApplication/myDeploymentGroup',
      ],
      account: '123456789012',
      region: 'us-east-1',
    });
  });

  it('keeps the shared id of the derived FAILURE and the "someId" sample apart where they differ', () => {
    const success = normalizeDeployment(fixture('codedeploy-deployment-success.json'));
    const failure = normalizeDeployment(fixture('codedeploy-deployment-failure-derived.json'));
    const someId = normalizeDeployment(fixture('codedeploy-deployment-failure-aws-solutions.json'));
    expect(failure).toMatchObject({ id: success.id, status: 'failed', sourceStatus: 'FAILURE' });
    expect(someId).toMatchObject({
      executionId: 'someId',
      service: 'MyDemoApplication',
      group: 'MyDemoDeploymentGroup',
      account: 'xxxxxxxxxxxx',
      status: 'failed',
    });
    expect(someId.id).not.toBe(success.id);
  });

  it('maps START and STOP', () => {
    const state = (s: string) =>
      normalizeDeployment({
        ...editable('codedeploy-deployment-success.json'),
        detail: { ...editable('codedeploy-deployment-success.json').detail, state: s },
      }).status;
    expect(['START', 'SUCCESS', 'FAILURE', 'STOP'].map(state)).toEqual(['started', 'succeeded', 'failed', 'stopped']);
  });
});

describe('normalizeDeployment: ECS', () => {
  it('takes the service and cluster from the service ARN, and the reason', () => {
    const completed = normalizeDeployment(fixture('ecs-deployment-completed.json'));
    const failed = normalizeDeployment(fixture('ecs-deployment-failed.json'));
    expect(failed).toEqual({
      id: completed.id,
      source: 'aws.ecs',
      executionId: 'ecs-svc/123',
      service: 'servicetest',
      group: 'default',
      environment: 'production',
      version: 'ecs-svc/123',
      status: 'failed',
      sourceStatus: 'SERVICE_DEPLOYMENT_FAILED',
      reason: 'ECS deployment circuit breaker: task failed to start.',
      finishedAt: '2020-05-23T12:31:14.000Z',
      lastEventAt: '2020-05-23T12:31:14.000Z',
      link: 'https://us-west-2.console.aws.amazon.com/ecs/v2/clusters/default/services/servicetest/deployments?region=us-west-2',
      resources: ['arn:aws:ecs:us-west-2:111122223333:service/default/servicetest'],
      account: '111122223333',
      region: 'us-west-2',
    });
    expect(completed).toMatchObject({ status: 'succeeded', reason: 'ECS deployment deploymentID completed.' });
  });

  it('reads the old service ARN form without a cluster, and refuses an event without a service ARN', () => {
    const old = editable('ecs-deployment-completed.json');
    old.resources = ['arn:aws:ecs:us-west-2:111122223333:service/servicetest'];
    const record = normalizeDeployment(old);
    expect(record.service).toBe('servicetest');
    expect(record.group).toBeUndefined();
    const none = editable('ecs-deployment-completed.json');
    none.resources = ['arn:aws:ecs:us-west-2:111122223333:cluster/default'];
    expect(invalid(() => normalizeDeployment(none)).field).toBe('resources');
  });
});

describe('normalizeDeployment: CloudFormation', () => {
  it('turns CREATE_COMPLETE into a finished record of the stack, identified by its time without a request token', () => {
    expect(normalizeDeployment(fixture('cloudformation-stack-status-change-create-complete.json'))).toEqual({
      id: expect.stringMatching(/^DEP-[0-9A-F]{12}$/),
      source: 'aws.cloudformation',
      executionId: 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack#at:2017-12-22T18:43:48.000Z',
      service: 'teststack',
      environment: 'production',
      version: 'CREATE_COMPLETE',
      status: 'succeeded',
      sourceStatus: 'CREATE_COMPLETE',
      finishedAt: '2017-12-22T18:43:48.000Z',
      lastEventAt: '2017-12-22T18:43:48.000Z',
      link: 'https://us-west-1.console.aws.amazon.com/cloudformation/home?region=us-west-1#/stacks/stackinfo?stackId=arn%3Aaws%3Acloudformation%3Aus-west-1%3A111122223333%3Astack%2Fteststack',
      resources: ['arn:aws:cloudformation:us-west-1:111122223333:stack/teststack'],
      account: '111122223333',
      region: 'us-west-1',
    });
  });

  it('refuses the published time "2022-04-31", a day that does not exist, instead of rolling it over to May', () => {
    const error = invalid(() => normalizeDeployment(fixture('cloudformation-stack-status-change-create-complete-ebref.json')));
    expect(error.field).toBe('time');
    expect(error.reason).toContain('2022-04-31');
  });

  it('links to the region of the stack ARN when the event names another region', () => {
    const record = normalizeDeployment(
      at('cloudformation-stack-status-change-create-complete-ebref.json', '2022-04-30T17:00:00Z'),
    );
    expect(record).toMatchObject({ service: 'teststack', region: 'us-east-1', status: 'succeeded' });
    expect(record.link).toContain('https://us-west-1.console.aws.amazon.com/cloudformation/home?region=us-west-1#');
  });

  it('pairs the events of one operation by their client request token, and treats a completed rollback as a failure', () => {
    const event = (status: string, time: string) => {
      const e = editable('cloudformation-stack-status-change-create-complete.json');
      e.time = time;
      e.detail['status-details'] = { status, 'status-reason': 'Resource handler returned message: "Invalid request"' };
      e.detail['client-request-token'] = 'Console-UpdateStack-1f2e3d4c';
      return normalizeDeployment(e);
    };
    const failed = event('UPDATE_FAILED', '2026-03-01T10:00:00Z');
    const rolledBack = event('UPDATE_ROLLBACK_COMPLETE', '2026-03-01T10:04:00Z');
    expect(rolledBack.id).toBe(failed.id);
    expect(rolledBack).toMatchObject({
      status: 'failed',
      version: 'UPDATE_ROLLBACK_COMPLETE',
      reason: 'Resource handler returned message: "Invalid request"',
    });
    // Without a token, two results of the same stack are two deployments.
    const a = normalizeDeployment(at('cloudformation-stack-status-change-create-complete.json', '2026-03-01T10:00:00Z'));
    const b = normalizeDeployment(at('cloudformation-stack-status-change-create-complete.json', '2026-03-01T11:00:00Z'));
    expect(a.id).not.toBe(b.id);
  });
});

describe('normalizeDeployment: custom Deployment events', () => {
  it('pairs started and succeeded of one version into one id, and takes times from the detail when given', () => {
    const started = normalizeDeployment(
      customEvent(
        { status: 'started', commit: 'a1b2c3d', actor: 'alice', url: 'https://ci.example.com/runs/42' },
        { time: '2026-03-01T09:50:00Z' },
      ),
    );
    const succeeded = normalizeDeployment(
      customEvent(
        { status: 'succeeded', startedAt: '2026-03-01T09:50:00Z', finishedAt: '2026-03-01T09:54:30Z' },
        { time: '2026-03-01T09:54:31Z' },
      ),
    );
    expect(succeeded.id).toBe(started.id);
    expect(started).toMatchObject({
      source: 'firebreak.deploy',
      service: 'checkout',
      environment: 'production',
      version: '1.4.2',
      commit: 'a1b2c3d',
      actor: 'alice',
      link: 'https://ci.example.com/runs/42',
      status: 'started',
      startedAt: '2026-03-01T09:50:00.000Z',
    });
    expect(succeeded).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-03-01T09:50:00.000Z',
      finishedAt: '2026-03-01T09:54:30.000Z',
      durationSeconds: 270,
      lastEventAt: '2026-03-01T09:54:30.000Z',
    });
  });

  it('uses the environment it names, not the mapping', () => {
    const record = normalizeDeployment(customEvent({ environment: 'staging' }), { environmentOf: () => 'production' });
    expect(record.environment).toBe('staging');
  });

  it('keeps runs of the same version apart by run id, and environments apart', () => {
    const base = normalizeDeployment(customEvent({}));
    expect(normalizeDeployment(customEvent({ runId: '9001-1' })).id).not.toBe(base.id);
    expect(normalizeDeployment(customEvent({ runId: '9001-2' })).id).not.toBe(
      normalizeDeployment(customEvent({ runId: '9001-1' })).id,
    );
    expect(normalizeDeployment(customEvent({ environment: 'staging' })).id).not.toBe(base.id);
    expect(normalizeDeployment(customEvent({}, { account: '210987654321' })).id).not.toBe(base.id);
    // Another delivery (new event id) of the same run is the same deployment.
    expect(normalizeDeployment(customEvent({}, { id: 'another-delivery' })).id).toBe(base.id);
  });

  it('names the field of a bad detail', () => {
    expect(invalid(() => normalizeDeployment(customEvent({ service: '<!channel>' }))).field).toBe('detail.service');
    expect(invalid(() => normalizeDeployment(customEvent({ status: 'rolled-back' }))).field).toBe('detail.status');
    expect(invalid(() => normalizeDeployment(customEvent({ extra: 1 }))).field).toBe('detail');
  });
});

describe('DeploymentSchema (what deploy-notice sends)', () => {
  const ok = { service: 'checkout', version: '1.4.2', environment: 'production', status: 'succeeded' };
  const problem = (detail: Record<string, unknown>) => {
    const result = DeploymentSchema.safeParse({ ...ok, ...detail });
    return result.success ? undefined : result.error.issues[0]!.path.join('.');
  };

  it('accepts a minimal and a full notice', () => {
    expect(problem({})).toBeUndefined();
    expect(
      problem({
        commit: 'Fix checkout <https://evil.example|click> <!channel>',
        actor: 'alice',
        url: 'https://github.com/acme/shop/actions/runs/1',
        runId: '9001-1',
        startedAt: '2026-03-01T09:50:00+01:00',
        finishedAt: '2026-03-01T08:55:00Z',
      }),
    ).toBeUndefined();
  });

  it('refuses mentions, links, spaces and over-long names in service names', () => {
    for (const service of [
      '<!channel>',
      'checkout<https://evil|x>',
      'check out',
      '@here',
      'a'.repeat(101),
      '',
      'checkout\n',
      'café',
    ])
      expect(problem({ service }), service).toBe('service');
    expect(problem({ service: 'a'.repeat(100) })).toBeUndefined();
    expect(problem({ service: 'shop.checkout_api-v2' })).toBeUndefined();
  });

  it('refuses bad environments, statuses, versions and free text over its bound', () => {
    for (const environment of ['Production', 'prod env', 'a'.repeat(33), '<!here>', ''])
      expect(problem({ environment }), environment).toBe('environment');
    for (const status of ['rolled-back', 'SUCCEEDED', '']) expect(problem({ status }), status).toBe('status');
    expect(problem({ version: 'v'.repeat(101) })).toBe('version');
    expect(problem({ version: '   ' })).toBe('version');
    expect(problem({ commit: 'c'.repeat(201) })).toBe('commit');
    expect(problem({ actor: 'a'.repeat(101) })).toBe('actor');
    expect(problem({ runId: 'run 1' })).toBe('runId');
    expect(problem({ version: '1.0\n<!channel>' })).toBe('version');
    expect(problem({ actor: 'eve\u001b[2J' })).toBe('actor');
    expect(problem({ actor: 'eve\u009b2J' })).toBe('actor');
    // A commit message may span lines; it is shown on one line, escaped.
    expect(problem({ commit: 'Fix checkout\n\nCloses #12' })).toBeUndefined();
  });

  it('takes https links only', () => {
    for (const url of ['http://ci.example.com/1', 'javascript:alert(1)', 'ci.example.com/1', 'ftp://ci.example.com'])
      expect(problem({ url }), url).toBe('url');
  });

  it('takes real ISO times only, in order, and no end for a deployment still running', () => {
    expect(problem({ startedAt: '2022-04-31T17:00:00Z' })).toBe('startedAt');
    expect(problem({ startedAt: 'yesterday' })).toBe('startedAt');
    expect(problem({ startedAt: '2026-03-01T10:00:00Z', finishedAt: '2026-03-01T09:00:00Z' })).toBe('finishedAt');
    expect(problem({ status: 'started', finishedAt: '2026-03-01T09:00:00Z' })).toBe('finishedAt');
  });

  it('refuses unknown fields (a typo in a CI step fails loudly)', () => {
    expect(problem({ enviroment: 'staging' })).toBe('');
  });
});

describe('normalizeDeploymentEvent and environments', () => {
  it('validates the envelope and its size first', () => {
    expect(invalid(() => normalizeDeploymentEvent({ ...customEvent({}), source: undefined })).field).toBe('source');
    const huge = customEvent({});
    expect(invalid(() => normalizeDeploymentEvent({ ...huge, resources: ['x'.repeat(300 * 1024)] })).field).toBe('(event)');
    expect(normalizeDeploymentEvent(fixture('ecs-deployment-failed.json')).record.service).toBe('servicetest');
  });

  it('refuses a source no deployment rule routes here', () => {
    expect(() => normalizeDeployment(fixture('cloudwatch-alarm-state-change-alarm.json'))).toThrow(UnsupportedSourceError);
  });

  it('builds no console link for a region that is not one', () => {
    const event = editable('codedeploy-deployment-success.json');
    event.region = 'evil.example.com/x#';
    expect(normalizeDeployment(event).link).toBeUndefined();
  });

  it('names environments by the first matching rule on service, group or account, else the default', () => {
    const config = DeploymentsConfigSchema.parse({
      environments: [
        { environment: 'staging', service: '-(staging|stg)$' },
        { environment: 'staging', group: '^staging' },
        { environment: 'dev', accounts: ['222233334444'] },
        { environment: 'production', service: '^payments', accounts: ['123456789012'] },
      ],
      defaultEnvironment: 'production',
    });
    const environmentOf = environmentResolver(config);
    const ctx = { source: 'aws.codedeploy', account: '123456789012', region: 'us-east-1' };
    expect(environmentOf({ ...ctx, service: 'checkout-STAGING' })).toBe('staging');
    expect(environmentOf({ ...ctx, service: 'checkout', group: 'staging-blue' })).toBe('staging');
    expect(environmentOf({ ...ctx, service: 'checkout', account: '222233334444' })).toBe('dev');
    expect(environmentOf({ ...ctx, service: 'checkout' })).toBe('production');
    const ecs = normalizeDeployment(fixture('ecs-deployment-failed.json'), {
      environmentOf: environmentResolver(
        DeploymentsConfigSchema.parse({ environments: [{ environment: 'qa', group: '^default$' }] }),
      ),
    });
    expect(ecs.environment).toBe('qa');
    expect(normalizeDeployment(fixture('ecs-deployment-failed.json')).environment).toBe('production');
  });

  it('passes the context to a custom mapping and refuses a name that is not an environment', () => {
    const seen: unknown[] = [];
    const record = normalizeDeployment(fixture('codedeploy-deployment-success.json'), {
      environmentOf: (context) => {
        seen.push(context);
        return context.group === 'myDeploymentGroup' ? 'blue' : 'production';
      },
    });
    expect(record.environment).toBe('blue');
    expect(seen).toEqual([
      {
        service: 'myApplication',
        group: 'myDeploymentGroup',
        source: 'aws.codedeploy',
        account: '123456789012',
        region: 'us-east-1',
      },
    ]);
    expect(
      invalid(() =>
        normalizeDeployment(fixture('codedeploy-deployment-success.json'), { environmentOf: () => 'Prod <!channel>' }),
      ).field,
    ).toBe('environment');
  });

  it('validates the configuration section', () => {
    expect(DeploymentsConfigSchema.safeParse({ environments: [{ environment: 'staging' }] }).success).toBe(false);
    expect(DeploymentsConfigSchema.safeParse({ environments: [{ environment: 'staging', service: '(' }] }).success).toBe(false);
    expect(DeploymentsConfigSchema.safeParse({ incidentSeverity: { production: 'SEV9' } }).success).toBe(false);
    expect(DeploymentsConfigSchema.safeParse({ holdEnvironments: [] }).success).toBe(false);
    expect(DEFAULT_DEPLOYMENTS_CONFIG).toEqual({
      environments: [],
      defaultEnvironment: 'production',
      incidentSeverity: { production: 'SEV2', staging: 'SEV4' },
    });
  });
});

describe('mergeDeployment', () => {
  const started = normalizeDeployment(
    customEvent({ status: 'started', commit: 'a1b2c3d', actor: 'alice' }, { time: '2026-03-01T09:50:00Z' }),
  );
  const succeeded = normalizeDeployment(
    customEvent({ status: 'succeeded', url: 'https://ci.example.com/runs/42' }, { time: '2026-03-01T09:54:00Z' }),
  );
  const failed = normalizeDeployment(customEvent({ status: 'failed' }, { time: '2026-03-01T09:54:00Z' }));

  it("creates a record, stamped with Firebreak's clock", () => {
    const result = mergeDeployment(undefined, started, NOW);
    expect(result.change).toBe('created');
    expect(result.previousStatus).toBeUndefined();
    expect(result.record).toMatchObject({ ...started, recordedAt: NOW, updatedAt: NOW });
  });

  it('merges started then succeeded into one record with its duration and the facts of both', () => {
    const first = mergeDeployment(undefined, started, '2026-03-01T09:50:01.000Z').record;
    const result = mergeDeployment(first, succeeded, NOW);
    expect(result.change).toBe('updated');
    expect(result.previousStatus).toBe('started');
    expect(result.record).toMatchObject({
      id: started.id,
      status: 'succeeded',
      startedAt: '2026-03-01T09:50:00.000Z',
      finishedAt: '2026-03-01T09:54:00.000Z',
      durationSeconds: 240,
      commit: 'a1b2c3d',
      actor: 'alice',
      link: 'https://ci.example.com/runs/42',
      recordedAt: '2026-03-01T09:50:01.000Z',
      updatedAt: NOW,
    });
  });

  it('changes nothing for a duplicate, and returns the stored record itself', () => {
    const stored = mergeDeployment(mergeDeployment(undefined, started, NOW).record, succeeded, NOW).record;
    const again = mergeDeployment(stored, succeeded, '2026-03-01T11:00:00.000Z');
    expect(again.change).toBe('unchanged');
    expect(again.record).toBe(stored);
    expect(mergeDeployment(stored, started, '2026-03-01T11:00:00.000Z').change).toBe('unchanged');
  });

  it('does not move the status back for a STARTED delivered after SUCCEEDED, but takes its start', () => {
    const stored = mergeDeployment(undefined, succeeded, NOW).record;
    expect(stored.startedAt).toBeUndefined();
    const late = mergeDeployment(stored, started, '2026-03-01T10:01:00.000Z');
    expect(late.change).toBe('updated');
    expect(late.record).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-03-01T09:50:00.000Z',
      finishedAt: '2026-03-01T09:54:00.000Z',
      durationSeconds: 240,
      commit: 'a1b2c3d',
    });
    expect(becameFailed(late)).toBe(false);
  });

  it('lets a resumed execution (a start newer than the failure) and its success supersede the failure, in any delivery order', () => {
    const pipeline = (state: string, time: string) => {
      const event = editable('codepipeline-pipeline-execution-failed-gittags.json');
      event.detail.state = state;
      event.detail['start-time'] = '2026-03-01T09:00:00Z';
      event.time = time;
      return normalizeDeployment(event);
    };
    const events = [
      pipeline('STARTED', '2026-03-01T09:00:00Z'),
      pipeline('FAILED', '2026-03-01T09:10:00Z'),
      pipeline('RESUMED', '2026-03-01T09:20:00Z'),
      pipeline('SUCCEEDED', '2026-03-01T09:30:00Z'),
    ];
    const fold = (order: number[]) =>
      order.reduce<DeploymentRecord | undefined>((record, i) => mergeDeployment(record, events[i]!, NOW).record, undefined)!;
    const expected = fold([0, 1, 2, 3]);
    expect(expected).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-03-01T09:00:00.000Z',
      finishedAt: '2026-03-01T09:30:00.000Z',
      durationSeconds: 1800,
      sourceStatus: 'SUCCEEDED',
    });
    for (const order of [
      [3, 2, 1, 0],
      [1, 3, 0, 2],
      [2, 0, 3, 1],
      [1, 0, 2, 3],
    ])
      expect(fold(order), order.join()).toEqual(expected);
    const resumed = mergeDeployment(fold([0, 1]), events[2]!, NOW);
    expect(resumed.record.status).toBe('started');
    expect(resumed.record.finishedAt).toBeUndefined();
  });

  it('settles contradicting results at the same time on the failure, whichever arrives first (the CodeDeploy samples)', () => {
    const success = normalizeDeployment(fixture('codedeploy-deployment-success.json'));
    const failure = normalizeDeployment(fixture('codedeploy-deployment-failure-derived.json'));
    const a = mergeDeployment(mergeDeployment(undefined, success, NOW).record, failure, NOW);
    const b = mergeDeployment(mergeDeployment(undefined, failure, NOW).record, success, NOW);
    expect(a.record.status).toBe('failed');
    expect(a.change).toBe('updated');
    expect(becameFailed(a)).toBe(true);
    expect(b.record.status).toBe('failed');
    expect(b.change).toBe('unchanged');
    expect(becameFailed(b)).toBe(false);
    const ecs = mergeDeployment(
      mergeDeployment(undefined, normalizeDeployment(fixture('ecs-deployment-failed.json')), NOW).record,
      normalizeDeployment(fixture('ecs-deployment-completed.json')),
      NOW,
    );
    expect(ecs.record).toMatchObject({ status: 'failed', reason: 'ECS deployment circuit breaker: task failed to start.' });
  });

  it('reports a new failure once', () => {
    const first = mergeDeployment(undefined, started, NOW);
    const fail = mergeDeployment(first.record, failed, NOW);
    expect(becameFailed(first)).toBe(false);
    expect(becameFailed(fail)).toBe(true);
    expect(becameFailed(mergeDeployment(fail.record, failed, NOW))).toBe(false);
    expect(becameFailed(mergeDeployment(undefined, failed, NOW))).toBe(true);
  });

  it('keeps a reason with its own status only', () => {
    const ecsFailed = normalizeDeployment(at('ecs-deployment-failed.json', '2026-03-01T09:00:00Z'));
    const event = editable('ecs-deployment-completed.json');
    event.time = '2026-03-01T09:30:00Z';
    delete event.detail.reason;
    const merged = mergeDeployment(mergeDeployment(undefined, ecsFailed, NOW).record, normalizeDeployment(event), NOW).record;
    expect(merged.status).toBe('succeeded');
    expect(merged.reason).toBeUndefined();
  });

  it('refuses to merge two different deployments', () => {
    expect(() => mergeDeployment(started, normalizeDeployment(fixture('ecs-deployment-failed.json')), NOW)).toThrow(
      /cannot merge/,
    );
  });
});

describe('release holds', () => {
  const failedRecord = dep({ id: 'DEP-0000000000F1', status: 'failed', sourceStatus: 'FAILURE', version: '1.4.2' });
  const hold = holdAfterFailure(failedRecord, NOW)!;

  describe('holdAfterFailure', () => {
    it('holds the service of a failed deployment', () => {
      expect(hold).toEqual({
        service: 'checkout',
        held: true,
        reason: 'deployment DEP-0000000000F1 of 1.4.2 to production failed (FAILURE)',
        deploymentId: 'DEP-0000000000F1',
        environment: 'production',
        version: '1.4.2',
        heldAt: NOW,
        seniorQuorum: 2,
        approvals: [],
        revision: 1,
      });
      expect(holdAfterFailure(failedRecord, NOW, { seniorQuorum: 3, incidentId: 'INC-0123456789' })).toMatchObject({
        seniorQuorum: 3,
        incidentId: 'INC-0123456789',
      });
    });

    it('does not hold for a success, a stop, or an environment that does not hold', () => {
      expect(holdAfterFailure(dep(), NOW)).toBeUndefined();
      expect(holdAfterFailure(dep({ status: 'stopped' }), NOW)).toBeUndefined();
      expect(
        holdAfterFailure({ ...failedRecord, environment: 'dev' }, NOW, { holdEnvironments: ['production', 'staging'] }),
      ).toBeUndefined();
      expect(
        holdAfterFailure({ ...failedRecord, environment: 'staging' }, NOW, { holdEnvironments: ['production', 'staging'] })?.held,
      ).toBe(true);
      expect(holdAfterFailure({ ...failedRecord, environment: 'dev' }, NOW)?.held).toBe(true);
    });

    it('changes nothing for the failure it already holds for, even after it was lifted', () => {
      expect(holdAfterFailure(failedRecord, '2026-03-01T11:00:00.000Z', { existing: hold })).toBe(hold);
      const lifted: HoldState = { ...hold, held: false, liftedBy: [CTO.slackUserId], liftedAt: NOW, revision: 2 };
      expect(holdAfterFailure(failedRecord, '2026-03-01T11:00:00.000Z', { existing: lifted })).toBe(lifted);
    });

    it('re-arms for a new failure: approvals given for the earlier one no longer count', () => {
      const partly: HoldState = { ...hold, approvals: [{ userId: SENIOR1.slackUserId, role: 'senior', at: NOW }], revision: 2 };
      const again = holdAfterFailure({ ...failedRecord, id: 'DEP-0000000000F2', version: '1.4.3' }, '2026-03-01T11:00:00.000Z', {
        existing: partly,
      })!;
      expect(again).toMatchObject({
        held: true,
        deploymentId: 'DEP-0000000000F2',
        version: '1.4.3',
        approvals: [],
        heldAt: '2026-03-01T11:00:00.000Z',
        revision: 3,
      });
      const lifted: HoldState = { ...hold, held: false, liftedBy: [CTO.slackUserId], liftedAt: NOW, revision: 2 };
      expect(holdAfterFailure({ ...failedRecord, id: 'DEP-0000000000F3' }, NOW, { existing: lifted })).toMatchObject({
        held: true,
        deploymentId: 'DEP-0000000000F3',
        revision: 3,
      });
      expect(again.liftedAt).toBeUndefined();
    });

    it("refuses another service's hold", () => {
      expect(() => holdAfterFailure({ ...failedRecord, service: 'payments' }, NOW, { existing: hold })).toThrow();
    });
  });

  describe('decideReleaseApproval', () => {
    const input = (member: RosterMember | undefined, overrides: Partial<ReleaseApprovalInput> = {}): ReleaseApprovalInput => ({
      hold,
      actor: { userId: member?.slackUserId ?? 'U0STRANGER1', teamId: 'T0FIREBRK01' },
      workspaceTeamId: 'T0FIREBRK01',
      member,
      cto: CTO,
      now: NOW,
      ...overrides,
    });
    const refusal = (decision: ReturnType<typeof decideReleaseApproval>) => (decision.allowed ? undefined : decision.refusal);

    it('lets the CTO lift a hold alone', () => {
      const decision = decideReleaseApproval(input(CTO));
      expect(decision).toMatchObject({ allowed: true, outcome: 'lifted' });
      if (!decision.allowed) throw new Error('expected allowed');
      expect(decision.hold).toMatchObject({
        held: false,
        liftedBy: [CTO.slackUserId],
        liftedAt: NOW,
        revision: 2,
        approvals: [{ userId: CTO.slackUserId, role: 'cto', at: NOW }],
      });
      expect(decision.message).toContain('<@U0CTO000001>');
      // Away or not, the CTO decides.
      expect(decideReleaseApproval(input(AWAY_CTO, { cto: AWAY_CTO }))).toMatchObject({ allowed: true, outcome: 'lifted' });
    });

    it('refuses strangers, other workspaces, responders and senior engineers while the CTO is available', () => {
      expect(refusal(decideReleaseApproval(input(undefined)))).toBe('not_on_roster');
      expect(refusal(decideReleaseApproval(input(SENIOR1, { actor: { userId: 'U0OTHER0001', teamId: 'T0FIREBRK01' } })))).toBe(
        'not_on_roster',
      );
      expect(refusal(decideReleaseApproval(input(CTO, { actor: { userId: CTO.slackUserId, teamId: 'T0ELSEWHERE' } })))).toBe(
        'other_workspace',
      );
      expect(refusal(decideReleaseApproval(input(RESPONDER)))).toBe('wrong_role');
      const senior = decideReleaseApproval(input(SENIOR1));
      expect(refusal(senior)).toBe('cto_available');
      expect(senior.message).toContain('<@U0CTO000001>');
      // Away has ended.
      expect(refusal(decideReleaseApproval(input(SENIOR1, { cto: { ...CTO, awayUntil: '2026-03-01T09:00:00.000Z' } })))).toBe(
        'cto_available',
      );
    });

    it('needs the quorum of distinct senior engineers while the CTO is away', () => {
      const first = decideReleaseApproval(input(SENIOR1, { cto: AWAY_CTO }));
      expect(first).toMatchObject({ allowed: true, outcome: 'approval_recorded' });
      if (!first.allowed) throw new Error('expected allowed');
      expect(first.hold).toMatchObject({
        held: true,
        revision: 2,
        approvals: [{ userId: SENIOR1.slackUserId, role: 'senior', at: NOW }],
      });
      expect(first.message).toContain('1 of 2');
      expect(refusal(decideReleaseApproval(input(SENIOR1, { cto: AWAY_CTO, hold: first.hold })))).toBe('already_approved');
      const second = decideReleaseApproval(input(SENIOR2, { cto: AWAY_CTO, hold: first.hold, now: '2026-03-01T10:05:00.000Z' }));
      expect(second).toMatchObject({ allowed: true, outcome: 'lifted' });
      if (!second.allowed) throw new Error('expected allowed');
      expect(second.hold).toMatchObject({
        held: false,
        liftedBy: [SENIOR1.slackUserId, SENIOR2.slackUserId],
        liftedAt: '2026-03-01T10:05:00.000Z',
        revision: 3,
      });
      expect(refusal(decideReleaseApproval(input(SENIOR3, { cto: AWAY_CTO, hold: second.hold })))).toBe('already_decided');
    });

    it('takes the quorum from the hold', () => {
      const one = holdAfterFailure(failedRecord, NOW, { seniorQuorum: 1 })!;
      expect(decideReleaseApproval(input(SENIOR1, { cto: AWAY_CTO, hold: one }))).toMatchObject({
        allowed: true,
        outcome: 'lifted',
      });
    });

    it('says when there is nothing to approve', () => {
      const none = decideReleaseApproval(input(CTO, { hold: undefined }));
      expect(refusal(none)).toBe('not_held');
      const lifted = decideReleaseApproval(
        input(CTO, { hold: { ...hold, held: false, liftedBy: [SENIOR1.slackUserId], liftedAt: NOW } }),
      );
      expect(refusal(lifted)).toBe('already_decided');
      expect(lifted.message).toContain('<@U0SENIOR001>');
    });

    it('keeps whoever asked for the release from approving it', () => {
      expect(refusal(decideReleaseApproval(input(SENIOR1, { cto: AWAY_CTO, requestedBy: SENIOR1.slackUserId })))).toBe(
        'self_approval',
      );
      expect(refusal(decideReleaseApproval(input(CTO, { requestedBy: CTO.slackUserId })))).toBe('self_approval');
      // The CTO asked: separation of duties takes the CTO out, so senior engineers may approve.
      expect(decideReleaseApproval(input(SENIOR1, { requestedBy: CTO.slackUserId }))).toMatchObject({
        allowed: true,
        outcome: 'approval_recorded',
      });
    });

    it('escapes nothing it should not: messages carry only mentions of roster ids', () => {
      const message = decideReleaseApproval(input(SENIOR1)).message;
      expect(message.match(/<[^>]*>/g)).toEqual(['<@U0CTO000001>']);
    });
  });

  describe('releaseCheck', () => {
    const roster = { cto: CTO, seniors: [SENIOR1, SENIOR2, { ...SENIOR3, awayUntil: '2026-03-02T00:00:00.000Z' }] };

    it('allows a service with no hold', () => {
      expect(releaseCheck({ service: 'checkout', hold: undefined, ...roster, now: NOW })).toEqual({
        allowed: true,
        reason: 'checkout is not on a release hold.',
        whoCanLift: [],
      });
    });

    it('refuses a held service, saying why and who can lift it', () => {
      const check = releaseCheck({ service: 'checkout', hold, ...roster, now: NOW });
      expect(check.allowed).toBe(false);
      expect(check.reason).toBe(
        'checkout is on a release hold since 2026-03-01 10:00:00 UTC: deployment DEP-0000000000F1 of 1.4.2 to production failed (FAILURE). Lift it with /firebreak release approve checkout: the CTO alone (senior engineers only while the CTO is away).',
      );
      expect(check.whoCanLift).toEqual(['Dana Okafor (CTO)']);
    });

    it('lists the senior engineers who are not away while the CTO is', () => {
      const partly: HoldState = { ...hold, approvals: [{ userId: SENIOR1.slackUserId, role: 'senior', at: NOW }] };
      const check = releaseCheck({ service: 'checkout', hold: partly, ...roster, cto: AWAY_CTO, now: NOW });
      expect(check.allowed).toBe(false);
      expect(check.whoCanLift).toEqual([
        'Dana Okafor (CTO, away until 2026-03-01 18:00:00 UTC)',
        'Priya Raman (senior engineer)',
        'Mateo Alvarez (senior engineer)',
      ]);
      expect(check.reason).toContain('2 senior engineers while the CTO is away (1 of 2 so far)');
    });

    it('allows a service whose hold was lifted, saying by whom', () => {
      const lifted: HoldState = {
        ...hold,
        held: false,
        liftedBy: [SENIOR1.slackUserId, SENIOR2.slackUserId],
        liftedAt: '2026-03-01T10:30:00.000Z',
      };
      expect(releaseCheck({ service: 'checkout', hold: lifted, ...roster, now: NOW })).toEqual({
        allowed: true,
        reason: 'The release hold on checkout was lifted by Priya Raman and Mateo Alvarez at 2026-03-01 10:30:00 UTC.',
        whoCanLift: [],
      });
    });

    it('keeps terminal control characters out of the reason', () => {
      const check = releaseCheck({
        service: 'checkout',
        hold: { ...hold, reason: 'failed\u001b[2J\u009b31m\nnow' },
        ...roster,
        now: NOW,
      });
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      expect(check.reason).not.toMatch(/[\u0000-\u001f\u0080-\u009f]/);
    });
  });
});

describe('incidentForFailedDeployment', () => {
  const failed = dep({
    id: 'DEP-0000000000F1',
    status: 'failed',
    sourceStatus: 'SERVICE_DEPLOYMENT_FAILED',
    reason: 'circuit breaker: task failed to start',
    link: 'https://us-west-2.console.aws.amazon.com/ecs/v2/x',
    resources: ['arn:aws:ecs:us-west-2:111122223333:service/default/checkout'],
  });

  it('opens a SEV2 release incident for a production failure, as a signal ingest can take', () => {
    const incident = incidentForFailedDeployment(failed)!;
    expect(incident).toMatchObject({
      severity: 'SEV2',
      category: 'release',
      subject: 'checkout/production',
      title: 'Deployment of checkout 1.4.2 to production failed',
    });
    expect(incident.resources).toEqual(['arn:aws:ecs:us-west-2:111122223333:service/default/checkout', 'DEP-0000000000F1']);
    expect(incident.signal).toEqual({
      source: 'firebreak.deploy',
      kind: 'deployment-failed',
      subject: 'checkout/production',
      title: 'Deployment of checkout 1.4.2 to production failed',
      description: 'CI reported SERVICE_DEPLOYMENT_FAILED: circuit breaker: task failed to start',
      account: '123456789012',
      region: 'eu-west-1',
      resources: incident.resources,
      severityHint: 'high',
      observedAt: '2026-03-01T09:55:00.000Z',
      state: 'firing',
      attributes: {
        service: 'checkout',
        environment: 'production',
        version: '1.4.2',
        deploymentId: 'DEP-0000000000F1',
        deploymentSource: 'firebreak.deploy',
        sourceStatus: 'SERVICE_DEPLOYMENT_FAILED',
        severity: 'SEV2',
      },
      url: 'https://us-west-2.console.aws.amazon.com/ecs/v2/x',
    });
  });

  it('takes the severity from the environment: staging SEV4, none for environments not listed, configurable', () => {
    expect(incidentForFailedDeployment({ ...failed, environment: 'staging' })).toMatchObject({
      severity: 'SEV4',
      signal: { severityHint: 'low', subject: 'checkout/staging' },
    });
    expect(incidentForFailedDeployment({ ...failed, environment: 'dev' })).toBeUndefined();
    const config = DeploymentsConfigSchema.parse({ incidentSeverity: { production: 'SEV1', dev: 'SEV3' } });
    expect(incidentForFailedDeployment(failed, config)?.severity).toBe('SEV1');
    expect(incidentForFailedDeployment({ ...failed, environment: 'dev' }, config)?.severity).toBe('SEV3');
    expect(incidentForFailedDeployment({ ...failed, environment: 'staging' }, config)).toBeUndefined();
  });

  it('opens nothing for a deployment that did not fail', () => {
    expect(incidentForFailedDeployment(dep())).toBeUndefined();
    expect(incidentForFailedDeployment(dep({ status: 'stopped' }))).toBeUndefined();
    expect(incidentForFailedDeployment(dep({ status: 'started' }))).toBeUndefined();
  });

  it('classifies into the release channel with one fingerprint per service and environment', () => {
    const config = buildConfig([], { channels: { release: 'C0RELEASES1' } });
    const first = failedDeploymentClassification(incidentForFailedDeployment(failed)!, config, ['rollback-checkout']);
    const second = failedDeploymentClassification(
      incidentForFailedDeployment({ ...failed, id: 'DEP-0000000000F2', version: '1.4.3' })!,
      config,
    );
    expect(first).toMatchObject({
      suppressed: false,
      severity: 'SEV2',
      category: 'release',
      channel: 'C0RELEASES1',
      mitigations: ['rollback-checkout'],
    });
    expect(second.fingerprint).toBe(first.fingerprint);
    const staging = failedDeploymentClassification(incidentForFailedDeployment({ ...failed, environment: 'staging' })!, config);
    expect(staging.fingerprint).not.toBe(first.fingerprint);
    expect(failedDeploymentClassification(incidentForFailedDeployment(failed)!, buildConfig([])).channel).toBe('C0INCIDENTS');
  });

  it('recovers the release incident when the service deploys successfully to the same environment', () => {
    const recovery = recoveryForDeployment(dep({ id: 'DEP-0000000000S1', version: '1.4.3' }))!;
    expect(recovery).toMatchObject({
      source: 'firebreak.deploy',
      kind: 'deployment-failed',
      subject: 'checkout/production',
      state: 'recovered',
      resources: [],
    });
    expect(recoveryForDeployment(failed)).toBeUndefined();
    expect(recoveryForDeployment(dep({ environment: 'dev' }))).toBeUndefined();
  });
});

describe('recentDeployments', () => {
  const incident = {
    account: '123456789012',
    firstSeen: '2026-03-01T10:00:00.000Z',
    openedAt: '2026-03-01T10:00:05.000Z',
    subject: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx',
    resources: ['i-0aaaaaaaaaaaaaaa1'],
  };
  const at_ = (id: string, finishedAt: string, overrides: Partial<DeploymentRecord> = {}) =>
    dep({ id, startedAt: undefined, durationSeconds: undefined, finishedAt, lastEventAt: finishedAt, ...overrides });

  it('lists the deployments to the account in the hour before the incident, newest first', () => {
    const records = [
      at_('DEP-A', '2026-03-01T09:05:00.000Z'),
      at_('DEP-B', '2026-03-01T09:00:00.000Z'),
      at_('DEP-C', '2026-03-01T08:59:59.000Z'),
      at_('DEP-D', '2026-03-01T09:58:00.000Z', { account: '999988887777' }),
      at_('DEP-E', '2026-03-01T10:00:04.000Z'),
      at_('DEP-F', '2026-03-01T10:00:06.000Z'),
    ];
    expect(recentDeployments(records, incident).map((r) => r.id)).toEqual(['DEP-E', 'DEP-A', 'DEP-B']);
    expect(recentDeployments(records, incident, 10).map((r) => r.id)).toEqual(['DEP-E']);
  });

  it('includes the same service in another account, by subject or by a shared resource', () => {
    const other = { account: '999988887777' };
    const records = [
      at_('DEP-S', '2026-03-01T09:30:00.000Z', other),
      at_('DEP-R', '2026-03-01T09:40:00.000Z', { ...other, service: 'payments', resources: ['i-0aaaaaaaaaaaaaaa1'] }),
      at_('DEP-X', '2026-03-01T09:40:00.000Z', { ...other, service: 'search' }),
    ];
    expect(recentDeployments(records, { ...incident, subject: 'checkout/production' }).map((r) => r.id)).toEqual([
      'DEP-R',
      'DEP-S',
    ]);
    expect(recentDeployments(records, { ...incident, subject: 'checkout' }).map((r) => r.id)).toEqual(['DEP-R', 'DEP-S']);
    expect(recentDeployments(records, { ...incident, subject: 'checkout-v2' }).map((r) => r.id)).toEqual(['DEP-R']);
  });

  it('counts a long deployment that overlaps the window, and one still running', () => {
    const records = [
      dep({
        id: 'DEP-LONG',
        startedAt: '2026-03-01T08:00:00.000Z',
        finishedAt: '2026-03-01T09:10:00.000Z',
        lastEventAt: '2026-03-01T09:10:00.000Z',
      }),
      dep({
        id: 'DEP-RUN',
        status: 'started',
        startedAt: '2026-03-01T07:00:00.000Z',
        finishedAt: undefined,
        durationSeconds: undefined,
        lastEventAt: '2026-03-01T07:00:00.000Z',
      }),
      dep({
        id: 'DEP-OLD',
        startedAt: '2026-03-01T07:00:00.000Z',
        finishedAt: '2026-03-01T08:00:00.000Z',
        lastEventAt: '2026-03-01T08:00:00.000Z',
      }),
    ];
    expect(recentDeployments(records, incident).map((r) => r.id)).toEqual(['DEP-LONG', 'DEP-RUN']);
  });

  it('works from the incident detail notify receives (first seen only), and gives nothing without a time', () => {
    expect(
      recentDeployments([at_('DEP-A', '2026-03-01T09:30:00.000Z')], {
        account: '123456789012',
        firstSeen: '2026-03-01T10:00:00.000Z',
      }),
    ).toHaveLength(1);
    expect(recentDeployments([at_('DEP-A', '2026-03-01T09:30:00.000Z')], { account: '123456789012' })).toEqual([]);
  });
});
