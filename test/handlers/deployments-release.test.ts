/** Deployments: `/firebreak release approve|status` through signed requests, "What changed?", and untrusted text kept inert (harness: deployments-harness.ts). */
import { describe, expect, it } from 'vitest';

import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import { fixture, withNewId } from '../support.ts';
import {
  CTO,
  SENIOR1,
  SENIOR2,
  RESPONDER,
  STRANGER,
  INCIDENTS,
  START,
  MINUTE,
  runtime,
  deliver,
  isoSeconds,
  deploy,
  notices,
  holdMessages,
  liftedMessages,
  blocksText,
  shown,
  releaseIncidents,
  holdAudit,
  command,
  snapshot,
  observable,
  expectNoEffect,
  everythingSentToSlack,
  useDeploymentsRuntime,
} from './deployments-harness.ts';

useDeploymentsRuntime();

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
