/**
 * The deployments function end to end on DynamoDB Local, through the local bus with the deployed
 * rule patterns: AWS's own sample events (test/fixtures/events, quirks included) and custom
 * `Deployment` events (source `firebreak.deploy`, firebreak bus) become deployment records and
 * notices in the deployments channel; a failure opens a release incident and puts the service on a
 * release hold that only the CTO (or, while the CTO is away, two senior engineers) can lift with a
 * really signed `/firebreak release approve`. One fresh runtime (and table) per test.
 */
import { DEFAULT_DEPLOY_FREEZE } from '../../functions/core/deployments/freeze-config.ts';
import type { AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import type { DeploymentRecord } from '../../functions/core/deployments/deployment-record.ts';
import type { Incident, IncidentStatus } from '../../functions/core/incidents/incident.ts';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import type { BusName, Delivery } from '../../functions/local/event-bus.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import { exampleConfig, fixture, withNewId, tableSnapshot } from '../support.ts';

const CTO = 'U0CTO000001';
const SENIOR1 = 'U0SENIOR001';
const SENIOR2 = 'U0SENIOR002';
const RESPONDER = 'U0RESPOND01';
const STRANGER = 'U0STRANGER1';
const DEPLOYS = 'C0DEPLOYS01';
const INCIDENTS = 'C0INCIDENTS';
const ACCOUNT = '123456789012';
const START = '2026-11-23T09:00:00.000Z';
const MINUTE = 60_000;
const DEPLOYMENT_RULES = new Set([
  'CodePipelineExecution',
  'CodeDeployDeployment',
  'EcsServiceDeployment',
  'CloudFormationStackResult',
  'CustomDeployment',
]);

// Release holds alone: the deploy freeze a SEV2 release incident starts is tested in test/local/freeze-and-tracker.test.ts.
const config = {
  ...exampleConfig(),
  deployFreeze: { ...DEFAULT_DEPLOY_FREEZE, enabled: false },
};
let runtime: LocalRuntime;
let tables = 0;

/** A fresh runtime (and table) for each test: holds, incidents and Slack messages never leak between tests. */
beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: START,
    endpoint: inject('dynamoEndpoint'),
    tableName: `deployments-${process.pid}-${++tables}`,
  });
});
afterEach(async () => {
  await runtime?.stop();
});

// --- helpers ------------------------------------------------------------------------------------

/** Puts an event on a bus as AWS (or PutEvents) would and delivers everything that follows. */
async function deliver(bus: BusName, event: unknown): Promise<Delivery[]> {
  runtime.bus.put(bus, event);
  return runtime.bus.drain();
}

/** An AWS sample event on the default bus. */
const deliverFixture = (name: string) => deliver('default', fixture(name));

/** What the deployments function answered for these deliveries. */
const deploymentDeliveries = (deliveries: readonly Delivery[]) => deliveries.filter((d) => DEPLOYMENT_RULES.has(d.rule));

let eventSeq = 0;
const isoSeconds = (at: Date | number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A custom `Deployment` event as `firebreak deploy-notice` publishes it; `time` defaults to the virtual clock. */
function customEvent(
  detail: Record<string, unknown>,
  envelope: { id?: string; time?: string; account?: string } = {},
): EventEnvelope {
  return {
    version: '0',
    id: envelope.id ?? `00000000-0000-4000-8000-${String(++eventSeq).padStart(12, '0')}`,
    'detail-type': 'Deployment',
    source: 'firebreak.deploy',
    account: envelope.account ?? ACCOUNT,
    time: envelope.time ?? isoSeconds(runtime.clock.now()),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

const deploy = (detail: Record<string, unknown>, envelope?: Parameters<typeof customEvent>[1]) =>
  deliver('firebreak', customEvent(detail, envelope));

/** A deployment notice (not a hold or lift message): its fallback text starts with the status emoji. */
const NOTICE_TEXT = /^:(hourglass_flowing_sand|white_check_mark|x|black_square_for_stop): /;
const notices = (service?: string) =>
  runtime.slack.messages(DEPLOYS).filter((m) => NOTICE_TEXT.test(m.text) && (!service || m.text.includes(` ${service} `)));
const holdMessages = () => runtime.slack.messages(DEPLOYS).filter((m) => m.text.includes('is on a release hold'));
const liftedMessages = () => runtime.slack.messages(DEPLOYS).filter((m) => m.text.startsWith('The release hold on'));
const postsTo = (channel: string) => runtime.slack.calls('chat.postMessage').filter((c) => c.args.channel === channel);
const blocksText = (message: StandInMessage) => JSON.stringify(message.blocks);
const shown = (message: StandInMessage) => `${message.text}\n${blocksText(message)}`;

const only = async (service: string): Promise<DeploymentRecord> => {
  const records = await runtime.repositories.deployments.listDeployments(service);
  expect(records, `deployments of ${service}`).toHaveLength(1);
  return records[0]!;
};

const ALL_STATUSES: readonly IncidentStatus[] = ['open', 'acknowledged', 'mitigating', 'resolved', 'closed'];
/** Every release incident, whatever its status. */
const releaseIncidents = async (): Promise<Incident[]> =>
  (await runtime.repositories.incidents.listIncidents(ALL_STATUSES)).filter((i) => i.category === 'release');

/** The hold's audit chain: its actions, checked against the head stored with the hold. */
async function holdAudit(service: string): Promise<string[]> {
  const entries = await runtime.repositories.holds.getAudit(service);
  const hold = await runtime.repositories.holds.getHold(service);
  expect(verifyChain(entries, { seq: hold!.auditSeq!, hash: hold!.auditHead! }).valid).toBe(true);
  return entries.map((e) => e.action);
}

/** `/firebreak <text>` as a user, signed like Slack signs it; the ephemeral reply is the JSON body. */
async function command(userId: string, text: string): Promise<string> {
  const response: AwsResponse = await runtime.command(userId, text);
  expect(response.statusCode).toBe(200);
  return response.body ? ((JSON.parse(response.body) as { text?: string }).text ?? '') : '';
}

const snapshot = () => tableSnapshot(runtime);

/** What the table, the bus and Slack hold: equal before and after means the delivery had no effect. */
async function observable() {
  return {
    table: await snapshot(),
    emitted: runtime.bus.emitted.length,
    slackCalls: runtime.slack.calls().map((c) => `${c.method} ${String(c.args.text)}`),
    schedules: runtime.scheduler.created.length,
  };
}

/** Nothing changed since `before` (compact failure messages: the Slack calls made, whether the table changed). */
async function expectNoEffect(before: Awaited<ReturnType<typeof observable>>) {
  const after = await observable();
  expect(after.slackCalls.slice(before.slackCalls.length), 'Slack calls made').toEqual([]);
  expect(after.emitted, 'events emitted').toBe(before.emitted);
  expect(after.schedules, 'schedules created').toBe(before.schedules);
  expect(after.table === before.table, 'table unchanged').toBe(true);
}

/** Every Slack call's arguments, raw: what Slack would have parsed. */
const everythingSentToSlack = () => JSON.stringify(runtime.slack.calls().map((c) => c.args));

// --- each source ----------------------------------------------------------------------------------

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

describe('started then succeeded: one record with a duration, one message updated in place', () => {
  const run = {
    service: 'checkout',
    version: 'v1.43.0',
    environment: 'production',
    runId: '4242-1',
    commit: '0123456789abcdef0123456789abcdef01234567',
    actor: 'Dana',
    url: 'https://ci.example.com/runs/4242',
  };

  it('in order: posted once when started, then updated (chat.update) when it succeeded', async () => {
    await deploy({ ...run, status: 'started' });
    const [started] = notices('checkout');
    expect(started!.text).toMatch(/^:hourglass_flowing_sand: checkout v1\.43\.0 to production: in progress$/);
    expect((await only('checkout')).status).toBe('started');

    runtime.clock.advance(5 * MINUTE);
    await deploy({ ...run, status: 'succeeded' });

    const record = await only('checkout');
    expect(record).toMatchObject({
      status: 'succeeded',
      executionId: '4242-1',
      startedAt: START,
      finishedAt: '2026-11-23T09:05:00.000Z',
      durationSeconds: 300,
      link: run.url,
    });
    const [notice, ...more] = notices();
    expect(more).toEqual([]);
    expect(notice!.ts).toBe(started!.ts);
    expect(notice!.updates).toBe(1);
    expect(notice!.text).toBe(':white_check_mark: checkout v1.43.0 to production: succeeded in 5 min');
    expect(blocksText(notice!)).toContain('`0123456789ab`');
    expect(blocksText(notice!)).toContain('<https://ci.example.com/runs/4242|Open the build>');
    expect(postsTo(DEPLOYS)).toHaveLength(1);
    expect(runtime.slack.calls('chat.update').filter((c) => c.args.channel === DEPLOYS)).toHaveLength(1);
  });

  it('out of order (succeeded delivered before started): same record, still succeeded, one message', async () => {
    runtime.clock.advance(5 * MINUTE);
    await deploy({ ...run, status: 'succeeded' });
    await deploy({ ...run, status: 'started' }, { time: isoSeconds(Date.parse(START)) });
    expect(await only('checkout')).toMatchObject({ status: 'succeeded', startedAt: START, durationSeconds: 300 });
    expect(notices()).toHaveLength(1);
    expect(notices()[0]!.text).toContain('succeeded in 5 min');
    expect(postsTo(DEPLOYS)).toHaveLength(1);
  });

  it('started, succeeded, then the succeeded event redelivered: still one message, never a second post', async () => {
    await deploy({ ...run, status: 'started' });
    runtime.clock.advance(5 * MINUTE);
    const succeeded = customEvent({ ...run, status: 'succeeded' });
    await deliver('firebreak', succeeded);
    const before = await observable();
    runtime.clock.advance(MINUTE);
    await deliver('firebreak', succeeded);
    await expectNoEffect(before);
    expect(postsTo(DEPLOYS)).toHaveLength(1);
    expect(notices()).toHaveLength(1);
  });

  it('the same version deployed again under another run id is another deployment, with its own notice', async () => {
    await deploy({ ...run, status: 'succeeded' });
    runtime.clock.advance(MINUTE);
    await deploy({ ...run, runId: '4243-1', status: 'succeeded' });
    expect(await runtime.repositories.deployments.listDeployments('checkout')).toHaveLength(2);
    expect(notices('checkout')).toHaveLength(2);
  });
});

// --- failure: incident and hold ------------------------------------------------------------------

describe('a failed deployment: failure notice, release incident, release hold', () => {
  it('CodeDeploy FAILURE in production: SEV2 release incident, held with an audited release.held, notice and hold message', async () => {
    await deliverFixture('codedeploy-deployment-failure-derived.json');
    const record = await only('myApplication');

    const [incident, ...others] = await releaseIncidents();
    expect(others).toEqual([]);
    expect(incident).toMatchObject({
      category: 'release',
      severity: 'SEV2',
      status: 'open',
      subject: 'myApplication/production',
      title: 'Deployment of myApplication d-123456789 to production failed',
    });
    expect(incident!.resources).toContain(record.id);

    const hold = await runtime.repositories.holds.getHold('myApplication');
    expect(hold).toMatchObject({
      service: 'myApplication',
      held: true,
      deploymentId: record.id,
      environment: 'production',
      version: 'd-123456789',
      incidentId: incident!.id,
      approvals: [],
      heldAt: START,
    });
    expect(await holdAudit('myApplication')).toEqual(['release.held']);
    const [held] = await runtime.repositories.holds.getAudit('myApplication');
    expect(held).toMatchObject({
      actor: 'system:deployments',
      data: { deploymentId: record.id, environment: 'production', version: 'd-123456789', incidentId: incident!.id },
    });

    const [notice] = notices();
    expect(notice!.text).toBe(':x: myApplication d-123456789 to production: failed');
    expect(blocksText(notice!)).toContain(`Incident \`${incident!.id}\` opened for this failure.`);
    expect(blocksText(notice!)).toContain('is on a release hold');
    const [holdMessage, ...moreHolds] = holdMessages();
    expect(moreHolds).toEqual([]);
    expect(holdMessage!.text).toMatch(
      new RegExp(`^<@${CTO}> myApplication is on a release hold: deployment ${record.id} of d-123456789 to production failed\\.`),
    );
    expect(blocksText(holdMessage!)).toContain('/firebreak release approve myApplication');

    // The incident itself is announced in its channel (no `release` channel configured: the default).
    expect(runtime.slack.messages(INCIDENTS).filter((m) => m.text.includes(incident!.id))).toHaveLength(1);
  });

  it(
    'Slack unavailable on the first delivery: the retry still announces the incident and the hold (CTO mentioned)',
    { timeout: 30_000 },
    async () => {
      const failed = customEvent({ service: 'checkout', version: 'v2', environment: 'production', status: 'failed' });
      // The notice's post fails through all of the client's retries (about 4-7 s of back-off): the delivery fails.
      runtime.slack.rateLimitNext(4, 0, 'chat.postMessage');
      await deliver('firebreak', failed);
      expect(runtime.bus.deadLetters.map((d) => d.rule)).toEqual(['CustomDeployment']);
      const [incident] = await releaseIncidents();
      expect((await runtime.repositories.holds.getHold('checkout'))?.held).toBe(true);

      // EventBridge retries the same event.
      await deliver('firebreak', failed);
      const [notice, ...more] = notices();
      expect(more).toEqual([]);
      expect(blocksText(notice!)).toContain(`Incident \`${incident!.id}\` opened for this failure.`);
      expect(blocksText(notice!)).toContain('is on a release hold');
      expect(holdMessages().map((m) => m.text)).toEqual([
        expect.stringMatching(new RegExp(`^<@${CTO}> checkout is on a release hold`)),
      ]);
    },
  );

  it('custom failure in staging: SEV4 incident and a hold', async () => {
    await deploy({ service: 'checkout', version: 'v9', environment: 'staging', status: 'failed' });
    expect((await releaseIncidents()).map((i) => [i.severity, i.subject])).toEqual([['SEV4', 'checkout/staging']]);
    expect((await runtime.repositories.holds.getHold('checkout'))?.held).toBe(true);
  });

  it('custom failure in an environment without an incident severity (dev): no incident; the notice and the hold still come', async () => {
    await deploy({ service: 'checkout', version: 'v9', environment: 'dev', status: 'failed' });
    expect(await releaseIncidents()).toEqual([]);
    expect(await runtime.repositories.incidents.listIncidents()).toEqual([]);
    expect(notices('checkout').map((m) => m.text)).toEqual([':x: checkout v9 to dev: failed']);
    expect(blocksText(notices()[0]!)).not.toContain('Incident `');
    expect((await runtime.repositories.holds.getHold('checkout'))?.held).toBe(true);
  });

  it('a later successful deployment of the same service and environment resolves its release incident; another environment does not', async () => {
    await deploy({ service: 'checkout', version: 'v2', environment: 'production', status: 'failed' });
    const [incident] = await releaseIncidents();
    expect(incident!.status).toBe('open');

    runtime.clock.advance(10 * MINUTE);
    await deploy({ service: 'checkout', version: 'v2', environment: 'staging', status: 'succeeded' });
    expect((await runtime.repositories.incidents.getIncident(incident!.id))!.status).toBe('open');

    runtime.clock.advance(10 * MINUTE);
    await deploy({ service: 'checkout', version: 'v3', environment: 'production', status: 'succeeded' });
    expect((await runtime.repositories.incidents.getIncident(incident!.id))!.status).toBe('resolved');
    expect(runtime.bus.deadLetters).toEqual([]);
  });

  it('a success before any failure resolves nothing and opens nothing', async () => {
    await deploy({ service: 'checkout', version: 'v1', environment: 'production', status: 'succeeded' });
    expect(await runtime.repositories.incidents.listIncidents()).toEqual([]);
    expect(await runtime.repositories.holds.getHold('checkout')).toBeUndefined();
  });
});

// --- release approve / status ---------------------------------------------------------------------

describe('/firebreak release approve|status through signed Slack requests', () => {
  /** checkout failed in production: held. */
  async function held() {
    await deploy({ service: 'checkout', version: 'v2', environment: 'production', status: 'failed' });
    const hold = await runtime.repositories.holds.getHold('checkout');
    expect(hold?.held).toBe(true);
    return hold!;
  }
  const refusals = async () =>
    (await runtime.repositories.holds.getAudit('checkout'))
      .filter((a) => a.action === 'release.approve_refused')
      .map((a) => [a.actor, a.data.refusal]);

  it('status: not held before, held after a failure (with who can lift it)', async () => {
    expect(await command(RESPONDER, 'release status checkout')).toBe('checkout is not on a release hold.');
    const hold = await held();
    const status = await command(RESPONDER, 'release status checkout');
    expect(status).toContain('checkout is on a release hold since 2026-11-23 09:00:00 UTC');
    expect(status).toContain(hold.deploymentId);
    expect(status).toContain('Lift it with /firebreak release approve checkout: the CTO alone');
  });

  it('a senior while the CTO is available, an unknown user and a responder are refused, each attempt audited; the hold stays', async () => {
    await held();
    expect(await command(SENIOR1, 'release approve checkout')).toBe(
      `The CTO <@${CTO}> is available and lifts release holds; senior engineers can approve only while the CTO is away.`,
    );
    expect(await command(STRANGER, 'release approve checkout')).toBe(
      'You are not on the Firebreak roster, so you cannot approve releases.',
    );
    expect(await command(RESPONDER, 'release approve checkout')).toBe(
      'Only the CTO or, while the CTO is away, senior engineers can approve a release of `checkout`.',
    );
    expect(await refusals()).toEqual([
      [`slack:${SENIOR1}`, 'cto_available'],
      [`slack:${STRANGER}`, 'not_on_roster'],
      [`slack:${RESPONDER}`, 'wrong_role'],
    ]);
    expect(await runtime.repositories.holds.getHold('checkout')).toMatchObject({ held: true, approvals: [] });
    expect(await holdAudit('checkout')).toEqual([
      'release.held',
      'release.approve_refused',
      'release.approve_refused',
      'release.approve_refused',
    ]);
    expect(liftedMessages()).toEqual([]);
  });

  it('the CTO lifts it alone: not held, liftedBy the CTO, audited, "Release Hold Lifted" in the deployments channel', async () => {
    await held();
    runtime.clock.advance(3 * MINUTE);
    expect(await command(CTO, 'release approve checkout')).toBe(`Release hold on \`checkout\` lifted by the CTO <@${CTO}>.`);
    expect(await runtime.repositories.holds.getHold('checkout')).toMatchObject({
      held: false,
      liftedBy: [CTO],
      liftedAt: '2026-11-23T09:03:00.000Z',
    });
    expect(await holdAudit('checkout')).toEqual(['release.held', 'release.lifted']);
    expect(runtime.bus.emitted.filter((e) => e['detail-type'] === 'Release Hold Lifted').map((e) => e.detail)).toEqual([
      { service: 'checkout' },
    ]);
    expect(liftedMessages().map((m) => m.text)).toEqual([
      `The release hold on checkout was lifted by <@${CTO}> at 2026-11-23 09:03:00 UTC. New releases may deploy.`,
    ]);
    expect(await command(RESPONDER, 'release status checkout')).toBe(
      'The release hold on checkout was lifted by Dana Okafor at 2026-11-23 09:03:00 UTC.',
    );
    // Approving again: nothing to lift.
    expect(await command(CTO, 'release approve checkout')).toMatch(
      /^`checkout` is not on a release hold \(lifted at 2026-11-23 09:03:00 UTC by <@U0CTO000001>\): it may deploy\.$/,
    );
  });

  it('CTO away: two distinct seniors lift it; the same senior twice counts once', async () => {
    await held();
    expect(await command(CTO, 'away 2h')).toMatch(/^You are away until /);
    expect(await command(SENIOR1, 'release approve checkout')).toBe(
      `Approval by <@${SENIOR1}> recorded: 1 of 2 senior approvals to lift the hold on \`checkout\`.`,
    );
    expect(await command(SENIOR1, 'release approve checkout')).toBe(
      'You already approved the release of `checkout`; another senior engineer has to approve too.',
    );
    expect(await runtime.repositories.holds.getHold('checkout')).toMatchObject({
      held: true,
      approvals: [expect.objectContaining({ userId: SENIOR1, role: 'senior' })],
    });
    expect(liftedMessages()).toEqual([]);

    expect(await command(SENIOR2, 'release approve checkout')).toBe(
      `Release hold on \`checkout\` lifted by senior engineers <@${SENIOR1}> and <@${SENIOR2}>.`,
    );
    expect(await runtime.repositories.holds.getHold('checkout')).toMatchObject({ held: false, liftedBy: [SENIOR1, SENIOR2] });
    expect(await holdAudit('checkout')).toEqual([
      'release.held',
      'release.approval_recorded',
      'release.approve_refused',
      'release.lifted',
    ]);
    expect(liftedMessages()).toHaveLength(1);
    expect(liftedMessages()[0]!.text).toContain(`lifted by <@${SENIOR1}> and <@${SENIOR2}>`);
  });

  it('a new failure after a lift re-arms the hold: earlier approvals no longer count', async () => {
    await held();
    await command(CTO, 'release approve checkout');
    expect((await runtime.repositories.holds.getHold('checkout'))?.held).toBe(false);

    runtime.clock.advance(30 * MINUTE);
    await deploy({ service: 'checkout', version: 'v3', environment: 'production', status: 'failed' });
    const rearmed = await runtime.repositories.holds.getHold('checkout');
    const v3 = (await runtime.repositories.deployments.listDeployments('checkout')).find((r) => r.version === 'v3')!;
    expect(rearmed).toMatchObject({
      held: true,
      deploymentId: v3.id,
      version: 'v3',
      approvals: [],
      heldAt: '2026-11-23T09:30:00.000Z',
    });
    expect(rearmed!.liftedBy ?? []).toEqual([]);
    expect(await holdAudit('checkout')).toEqual(['release.held', 'release.lifted', 'release.held']);
    expect(holdMessages()).toHaveLength(2);
    expect(await command(RESPONDER, 'release status checkout')).toContain(
      'checkout is on a release hold since 2026-11-23 09:30:00 UTC',
    );
  });

  it('approve for a service that was never held: refused, nothing written', async () => {
    const before = await snapshot();
    expect(await command(CTO, 'release approve checkout')).toBe('This service is not on a release hold: it may deploy.');
    expect(await snapshot()).toBe(before);
  });
});

// --- what changed? --------------------------------------------------------------------------------

describe('"What changed?" in incident messages', () => {
  /** The CloudWatch alarm sample (account 123456789012) opens an incident at the virtual clock's now. */
  /** The alarm's incident when another incident exists already. */
  async function alarmIncidentAfter(otherId: string): Promise<StandInMessage> {
    await deliver('default', withNewId(fixture('cloudwatch-alarm-state-change-alarm.json')));
    const incident = (await runtime.repositories.incidents.listIncidents()).find((i) => i.id !== otherId);
    expect(incident).toBeDefined();
    const message = runtime.slack.latest((m) => m.channel === incident!.channel && !m.thread_ts && m.text.includes(incident!.id));
    expect(message).toBeDefined();
    return message!;
  }

  async function alarmIncident(): Promise<StandInMessage> {
    await deliver('default', withNewId(fixture('cloudwatch-alarm-state-change-alarm.json')));
    const [incident] = await runtime.repositories.incidents.listIncidents();
    expect(incident).toBeDefined();
    const message = runtime.slack.latest((m) => m.channel === incident!.channel && !m.thread_ts && m.text.includes(incident!.id));
    expect(message).toBeDefined();
    return message!;
  }

  it('an incident opened within the hour after a deployment in the same account shows it', async () => {
    await deploy(
      { service: 'checkout', version: 'v1.42.0', environment: 'production', status: 'succeeded', actor: 'Dana' },
      { time: isoSeconds(Date.parse(START) - 30 * MINUTE) },
    );
    // Too old, and another account: not shown.
    await deploy(
      { service: 'billing', version: 'v7', environment: 'production', status: 'succeeded' },
      { time: isoSeconds(Date.parse(START) - 2 * 60 * MINUTE) },
    );
    await deploy(
      { service: 'search', version: 'v3', environment: 'production', status: 'succeeded' },
      { time: isoSeconds(Date.parse(START) - 10 * MINUTE), account: '111122223333' },
    );
    const message = await alarmIncident();
    const text = blocksText(message);
    expect(text).toContain('*What changed?* Deployments and configuration changes in the hour before');
    expect(text).toContain('`checkout` `v1.42.0` to production succeeded at 2026-11-23 08:30:00 UTC by Dana');
    expect(text).not.toContain('`billing`');
    expect(text).not.toContain('`search`');
  });

  it('a watched configuration change in the hour before shows too, with who made it, once; not in the message of its own incident', async () => {
    const opened = (minutesBefore: number, id: string) => {
      const event = fixture('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json');
      const time = isoSeconds(Date.parse(START) - minutesBefore * MINUTE);
      return { ...event, id, time, detail: { ...event.detail, eventTime: time, eventID: id } };
    };
    await deliver('default', opened(20, 'c0ffee00-0000-4000-8000-000000000001'));
    const [change] = await runtime.repositories.incidents.listIncidents();
    // Its own message names no change: the change is the incident.
    const own = runtime.slack.latest((m) => !m.thread_ts && m.text.includes(change!.id));
    expect(blocksText(own!)).not.toContain('What changed?');
    // The same delivery again writes nothing more.
    await deliver('default', opened(20, 'c0ffee00-0000-4000-8000-000000000001'));
    const text = blocksText(await alarmIncidentAfter(change!.id));
    expect(text).toContain('*What changed?* Deployments and configuration changes in the hour before');
    expect(text).toContain(`:wrench: Security group opened to the world on an administrative port: sg-0123456789abcdef0`);
    expect(text).toContain('by arn:aws:iam::123456789012:user/Alice (us-east-1, ' + change!.id + ')');
    expect(text.match(/:wrench:/g)).toHaveLength(1);
  });

  it('no deployment in the hour before: no "What changed?" section', async () => {
    await deploy(
      { service: 'billing', version: 'v7', environment: 'production', status: 'succeeded' },
      { time: isoSeconds(Date.parse(START) - 61 * MINUTE) },
    );
    expect(blocksText(await alarmIncident())).not.toContain('What changed?');
  });
});

// --- untrusted text ---------------------------------------------------------------------------------

describe('injection: untrusted deployment text reaches Slack inert', () => {
  const ABUSE = 'Fix <!channel> <https://evil.example|x> <@U0CTO000001> *bold* & done';

  it('a commit message and an actor with Slack markup are escaped in the notice', async () => {
    await deploy({
      service: 'checkout',
      version: 'v1',
      environment: 'production',
      status: 'succeeded',
      commit: ABUSE,
      actor: '<!here> mallory',
      url: 'https://ci.example.com/runs/1',
    });
    const [notice] = notices();
    expect(blocksText(notice!)).toContain(
      'Fix &lt;!channel&gt; &lt;https://evil.example|x&gt; &lt;@U0CTO000001&gt; ∗bold∗ &amp; done',
    );
    expect(blocksText(notice!)).toContain('&lt;!here&gt; mallory');
    const all = everythingSentToSlack();
    expect(all).not.toMatch(/<!channel>|<!here>|<https:\/\/evil|<@U0CTO000001>/);
  });

  it('a failed deployment with markup in its version, commit and actor: notice, hold, incident and "What changed?" all stay inert', async () => {
    await deploy({
      service: 'checkout',
      version: 'v1 <!channel>',
      environment: 'production',
      status: 'failed',
      commit: ABUSE,
      actor: '<!everyone>',
    });
    expect(runtime.bus.deadLetters).toEqual([]);
    expect(await releaseIncidents()).toHaveLength(1);
    expect(holdMessages()).toHaveLength(1);
    // The release incident's own message lists the failed deployment under "What changed?", actor escaped.
    const [incidentMessage] = runtime.slack.messages(INCIDENTS);
    expect(blocksText(incidentMessage!)).toMatch(
      /What changed\?.*`checkout` `v1 &lt;!channel&gt;` to production failed at 2026-11-23 09:00:00 UTC by &lt;!everyone&gt;/,
    );
    const all = everythingSentToSlack();
    expect(all).toContain('&lt;!channel&gt;');
    // The only mention anywhere is the CTO's, in the hold message Firebreak wrote.
    expect(all).not.toMatch(/<!channel>|<!everyone>|<https:\/\/evil/);
    for (const message of [...runtime.slack.messages(INCIDENTS), ...notices()]) expect(shown(message)).not.toContain(`<@${CTO}>`);
  });

  it.each([
    ['<!channel>', 'a Slack broadcast'],
    ['check out', 'a space'],
    ['checkout*', 'markup'],
  ])(
    'a service name with %s (%s) is refused by the schema: dead-lettered naming detail.service, nothing written',
    async (service) => {
      const before = await observable();
      await deploy({ service, version: 'v1', environment: 'production', status: 'failed' });
      expect(runtime.bus.deadLetters).toHaveLength(1);
      expect(runtime.bus.deadLetters[0]!.error?.message).toContain('detail.service');
      await expectNoEffect(before);
    },
  );

  it('an AWS event naming a service with Slack markup (CodeDeploy application) is dead-lettered, nothing written', async () => {
    const event = fixture('codedeploy-deployment-failure-derived.json') as EventEnvelope & { detail: { application: string } };
    event.detail.application = '<!channel>';
    const before = await observable();
    await deliver('default', event);
    expect(runtime.bus.deadLetters.map((d) => d.error?.message)).toEqual([expect.stringContaining('detail.application')]);
    await expectNoEffect(before);
  });

  it('a link that is not plain https is left out of the notice', async () => {
    await deploy({
      service: 'checkout',
      version: 'v1',
      environment: 'production',
      status: 'succeeded',
      url: 'https://ci.example.com/x|<!channel>',
    });
    const all = everythingSentToSlack();
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://ci.example.com');
  });
});
