/** Deployments: each source's real AWS event becomes one record and one notice; duplicates change nothing (harness: deployments-harness.ts). */
import { describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../functions/core/deployments/deployment-record.ts';

import { withNewId } from '../support.ts';
import {
  DEPLOYS,
  START,
  MINUTE,
  runtime,
  deliver,
  deliverFixture,
  deploymentDeliveries,
  isoSeconds,
  customEvent,
  deploy,
  NOTICE_TEXT,
  notices,
  holdMessages,
  postsTo,
  blocksText,
  only,
  releaseIncidents,
  holdAudit,
  observable,
  expectNoEffect,
  useDeploymentsRuntime,
} from './deployments-harness.ts';

useDeploymentsRuntime();

describe("each source's real AWS event becomes one deployment record and one notice", () => {
  const cases: Array<{ file: string; service: string; status: DeploymentRecord['status']; record: Partial<DeploymentRecord> }> = [
    {
      file: 'codepipeline-pipeline-execution-succeeded.json',
      service: 'myPipeline',
      status: 'succeeded',
      // start-time (2023) is after the event (2020), as AWS published it: not believed, so no duration.
      record: {
        source: 'aws.codepipeline',
        version: '12345678-1234-5678-abcd-12345678abcd',
        region: 'us-east-1',
        finishedAt: '2020-01-24T22:03:44.000Z',
        startedAt: undefined,
        durationSeconds: undefined,
      },
    },
    {
      file: 'codepipeline-pipeline-execution-succeeded-gittags.json',
      service: 'BuildFromTag',
      status: 'succeeded',
      record: {
        version: 'gitlab-v4.2.1',
        actor: 'Mary Major',
        commit: '`commit_ID`',
        commitMessage: 'Update file README.md',
        startedAt: '2023-10-26T13:49:39.208Z',
        durationSeconds: 74,
        region: 'eu-central-1',
      },
    },
    {
      file: 'codepipeline-pipeline-execution-failed.json',
      service: 'myPipeline',
      status: 'failed',
      record: { sourceStatus: 'FAILED', region: 'us-west-2' },
    },
    {
      file: 'codepipeline-pipeline-execution-failed-gittags.json',
      service: 'myPipeline',
      status: 'failed',
      record: { version: 'gitlab-v4.2.1', actor: 'Mary Major', region: 'us-west-2' },
    },
    {
      file: 'codedeploy-deployment-success.json',
      service: 'myApplication',
      status: 'succeeded',
      record: { source: 'aws.codedeploy', group: 'myDeploymentGroup', version: 'd-123456789', sourceStatus: 'SUCCESS' },
    },
    {
      file: 'codedeploy-deployment-failure-derived.json',
      service: 'myApplication',
      status: 'failed',
      record: { group: 'myDeploymentGroup', version: 'd-123456789', sourceStatus: 'FAILURE' },
    },
    {
      file: 'codedeploy-deployment-failure-aws-solutions.json',
      service: 'MyDemoApplication',
      status: 'failed',
      record: { account: 'xxxxxxxxxxxx', version: 'someId', group: 'MyDemoDeploymentGroup' },
    },
    {
      file: 'ecs-deployment-completed.json',
      service: 'servicetest',
      status: 'succeeded',
      record: { source: 'aws.ecs', group: 'default', version: 'ecs-svc/123', account: '111122223333' },
    },
    {
      file: 'ecs-deployment-failed.json',
      service: 'servicetest',
      status: 'failed',
      record: { reason: 'ECS deployment circuit breaker: task failed to start.', sourceStatus: 'SERVICE_DEPLOYMENT_FAILED' },
    },
    {
      file: 'cloudformation-stack-status-change-create-complete.json',
      service: 'teststack',
      status: 'succeeded',
      record: {
        source: 'aws.cloudformation',
        version: 'CREATE_COMPLETE',
        account: '111122223333',
        resources: ['arn:aws:cloudformation:us-west-1:111122223333:stack/teststack'],
      },
    },
  ];

  it.each(cases)(
    '$file: one $status record of $service in production, one notice',
    async ({ file, service, status, record: expected }) => {
      const deliveries = await deliverFixture(file);
      expect(runtime.bus.deadLetters).toEqual([]);
      expect(deploymentDeliveries(deliveries)).toHaveLength(1);
      expect(deploymentDeliveries(deliveries)[0]!.result).toMatchObject({ service, status, change: 'created' });

      const record = await only(service);
      expect(record).toMatchObject({
        service,
        status,
        environment: 'production',
        id: expect.stringMatching(/^DEP-[0-9A-F]{12}$/),
      });
      for (const [key, value] of Object.entries(expected)) expect(record[key as keyof DeploymentRecord], key).toEqual(value);
      if (record.link) expect(record.link).toMatch(/^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\//);

      const [notice, ...more] = notices();
      expect(more).toEqual([]);
      expect(notice!.text).toContain(` ${service} `);
      expect(notice!.text).toMatch(status === 'succeeded' ? /: succeeded/ : /: failed$/);
      expect(blocksText(notice!)).toContain(`deployment \`${record.id}\``);
      expect(postsTo(DEPLOYS).filter((c) => NOTICE_TEXT.test(String(c.args.text)))).toHaveLength(1);
      expect(runtime.slack.calls('chat.update').filter((c) => c.args.channel === DEPLOYS)).toEqual([]);
      // Besides the notice, the deployments channel gets the hold message for a failure and nothing for a success.
      expect(runtime.slack.messages(DEPLOYS)).toHaveLength(status === 'failed' ? 2 : 1);
      expect((await releaseIncidents()).length).toBe(status === 'failed' ? 1 : 0);
      expect((await runtime.repositories.holds.getHold(service))?.held).toBe(status === 'failed' ? true : undefined);
    },
  );

  it('all ten valid samples together: reused ids are not mistaken for duplicates; one record per execution', async () => {
    for (const { file } of cases) await deliverFixture(file);
    expect(runtime.bus.deadLetters).toEqual([]);
    // myPipeline: the us-east-1 success and the us-west-2 failure (whose two samples are one execution) are two records.
    const pipelines = await runtime.repositories.deployments.listDeployments('myPipeline');
    expect(pipelines.map((r) => [r.region, r.status]).sort()).toEqual([
      ['us-east-1', 'succeeded'],
      ['us-west-2', 'failed'],
    ]);
    // The Git-tag sample of the same failed execution completed the record with what it adds: author and commit.
    expect(pipelines.find((r) => r.region === 'us-west-2')).toMatchObject({
      status: 'failed',
      actor: 'Mary Major',
      commitMessage: 'Update file README.md',
    });
    // CodeDeploy SUCCESS and the derived FAILURE: same id, same deployment, same time: the failure wins.
    expect(await only('myApplication')).toMatchObject({ status: 'failed', sourceStatus: 'FAILURE' });
    expect(await only('servicetest')).toMatchObject({
      status: 'failed',
      reason: 'ECS deployment circuit breaker: task failed to start.',
    });
    expect(await only('MyDemoApplication')).toMatchObject({ status: 'failed' });
    expect(await only('BuildFromTag')).toMatchObject({ status: 'succeeded' });
    expect(await only('teststack')).toMatchObject({ status: 'succeeded' });
    // One notice per record (7), each updated in place rather than posted again.
    expect(notices()).toHaveLength(7);
    expect(new Set(notices().map((m) => m.ts)).size).toBe(7);
    // A release incident per failed service and environment: myPipeline, myApplication, servicetest, MyDemoApplication.
    expect((await releaseIncidents()).map((i) => i.subject).sort()).toEqual([
      'MyDemoApplication/production',
      'myApplication/production',
      'myPipeline/production',
      'servicetest/production',
    ]);
  });

  it('the CloudFormation sample with the invalid date 2022-04-31 is dead-lettered naming `time`, and writes nothing', async () => {
    const before = await observable();
    const deliveries = await deliverFixture('cloudformation-stack-status-change-create-complete-ebref.json');
    expect(deliveries.map((d) => d.rule)).toEqual(['CloudFormationStackResult']);
    expect(runtime.bus.deadLetters).toHaveLength(1);
    expect(runtime.bus.deadLetters[0]!.error?.message).toMatch(/\btime\b/);
    expect(runtime.bus.deadLetters[0]!.error?.message).toContain('2022-04-31');
    expect(await runtime.repositories.deployments.listDeployments('teststack')).toEqual([]);
    await expectNoEffect(before);
  });

  it('events that are not deployments never reach the function (a CloudWatch alarm goes to ingest only)', async () => {
    const deliveries = await deliverFixture('cloudwatch-alarm-state-change-alarm.json');
    expect(deploymentDeliveries(deliveries)).toEqual([]);
    expect(runtime.slack.messages(DEPLOYS)).toEqual([]);
  });
});

// --- duplicates -----------------------------------------------------------------------------------

describe('duplicates change nothing', () => {
  it('the same failed CodeDeploy event twice: one record, one notice, one incident, one hold entry', async () => {
    await deliverFixture('codedeploy-deployment-failure-derived.json');
    const before = await observable();
    const deliveries = await deliverFixture('codedeploy-deployment-failure-derived.json');
    expect(deploymentDeliveries(deliveries).map((d) => d.result)).toEqual([
      expect.objectContaining({ change: 'unchanged', status: 'failed' }),
    ]);
    await expectNoEffect(before);
    expect(notices()).toHaveLength(1);
    expect(await releaseIncidents()).toHaveLength(1);
    expect(await holdAudit('myApplication')).toEqual(['release.held']);
  });

  it('every valid sample delivered twice (EventBridge is at-least-once) changes nothing the second time', async () => {
    const files = [
      'codepipeline-pipeline-execution-succeeded.json',
      'codepipeline-pipeline-execution-succeeded-gittags.json',
      'codedeploy-deployment-success.json',
      'ecs-deployment-completed.json',
      'cloudformation-stack-status-change-create-complete.json',
      'ecs-deployment-failed.json',
    ];
    for (const file of files) await deliverFixture(file);
    const before = await observable();
    for (const file of files) await deliverFixture(file);
    await expectNoEffect(before);
    expect(runtime.bus.deadLetters).toEqual([]);
  });

  it('a custom event published again (new event id, same content) changes nothing', async () => {
    const detail = {
      service: 'checkout',
      version: 'v1.42.0',
      environment: 'production',
      status: 'succeeded',
      commit: '9f2c1ab',
      actor: 'ci',
    };
    await deploy(detail);
    const before = await observable();
    runtime.clock.advance(MINUTE);
    // The same run reported again a minute later (a CI retry): same record, no new notice.
    await deploy(detail, { time: isoSeconds(Date.parse(START)) });
    await deploy(detail, { time: isoSeconds(Date.parse(START)), id: 'another-id' });
    await expectNoEffect(before);
    expect(await only('checkout')).toMatchObject({ status: 'succeeded', version: 'v1.42.0' });
  });

  it('a failed custom event twice: no second incident, no second hold message, the hold is not re-armed', async () => {
    const failed = customEvent({ service: 'checkout', version: 'v2', environment: 'production', status: 'failed' });
    await deliver('firebreak', failed);
    const before = await observable();
    await deliver('firebreak', withNewId(failed));
    await expectNoEffect(before);
    expect(holdMessages()).toHaveLength(1);
    expect(await releaseIncidents()).toHaveLength(1);
  });
});

// --- started, then finished ----------------------------------------------------------------------
