/**
 * normalizeDeployment on the AWS deployment services' published samples: CodePipeline, CodeDeploy,
 * ECS and CloudFormation (ids pairing one run's events, states, versions, links, the field that is wrong).
 */
import { describe, expect, it } from 'vitest';
import { normalizeDeployment } from '../../../functions/core/deployments/normalize-deployment.ts';
import { fixture } from '../../support.ts';
import { editable, at, invalid } from './fixtures.ts';

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
