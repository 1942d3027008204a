import { describe, expect, it } from 'vitest';
import { DEFAULT_DEPLOYMENTS_CONFIG, environmentResolver } from '../../../functions/core/deployments/deployment-environments.ts';
import { DEPLOYMENT_DETAIL_TYPES, deploymentRules } from '../../../functions/core/deployments/deployment-sources.ts';
import { DeploymentSchema } from '../../../functions/core/deployments/deploy-notice-schema.ts';
import { DeploymentsConfigSchema } from '../../../functions/core/config.ts';
import { normalizeDeployment, normalizeDeploymentEvent } from '../../../functions/core/deployments/normalize-deployment.ts';
import { FIREBREAK_SOURCE } from '../../../functions/core/events/bus.ts';
import { ingestRules } from '../../../functions/core/events/ingest-rules.ts';
import { UnsupportedSourceError } from '../../../functions/core/signals/signal.ts';
import { matchesPattern } from '../../../functions/local/pattern-matcher.ts';
import { exampleConfig, fixture } from '../../support.ts';
import type { Json } from '../helpers.ts';
import { customEvent, editable, at, invalid, DEPLOYMENT_FIXTURES, INGEST_FIXTURES } from './fixtures.ts';

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
    // Spelled out so deployed functions need not bundle the schema: it must stay what the schema's defaults give.
    expect(DEFAULT_DEPLOYMENTS_CONFIG).toEqual(DeploymentsConfigSchema.parse({}));
  });
});
