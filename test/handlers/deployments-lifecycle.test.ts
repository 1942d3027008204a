/** Deployments: started then succeeded, and a failed deployment's notice, release incident and hold (harness: deployments-harness.ts). */
import { describe, expect, it } from 'vitest';

import {
  CTO,
  DEPLOYS,
  INCIDENTS,
  START,
  MINUTE,
  runtime,
  deliver,
  deliverFixture,
  isoSeconds,
  customEvent,
  deploy,
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
