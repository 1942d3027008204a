/**
 * Incident channels end to end on the local runtime (DynamoDB Local, the real Slack client against
 * the stand-in): a SEV2 security incident gets `inc-<yyyymmdd>-<slug>`, the configured roster members
 * are invited, its thread runs there, the security channel keeps one line, and resolving archives
 * the channel. Abuse: a title with `<!channel>`, a mention and characters no channel name may hold.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import { runDrill } from '../../functions/local/drill/run.ts';
import { loadScenario } from '../../functions/local/drill/scenario.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig, fixture } from '../support.ts';

const CTO = 'U0CTO000001';
const SENIORS = ['U0SENIOR001', 'U0SENIOR002', 'U0SENIOR003'];
const SECURITY = 'C0SECURITY1';
const EVIL_TITLE = '<!channel> Évil *DoS* from <@U0CTO000001> on i-99999999 — ça brûle!! 🔥';

let runtime: LocalRuntime | undefined;
let tables = 0;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

async function start(incidentChannels: Partial<FirebreakConfig['incidentChannels']> = {}) {
  const config = exampleConfig();
  runtime = await startLocalRuntime({
    config: {
      ...config,
      incidentChannels: { enabled: true, minSeverity: 'SEV2', invite: { security: ['cto', 'senior'] }, ...incidentChannels },
    },
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `incident-channels-${process.pid}-${++tables}`,
    execute: false,
  });
  return runtime;
}

/** A GuardDuty high finding (SEV2 security) whose title is hostile. */
async function openSecurityIncident(rt: LocalRuntime, title = EVIL_TITLE): Promise<Incident> {
  const event = fixture('guardduty-finding-ec2-high-wrapped.json');
  rt.bus.put('default', { ...event, detail: { ...(event.detail as object), title } });
  await rt.bus.drain();
  const [incident] = await rt.repositories.incidents.listIncidents();
  return incident!;
}

describe('incident channels', () => {
  it('creates the channel, invites the members, runs the thread there, keeps one line in the category channel, archives at resolve', async () => {
    const rt = await start();
    const incident = await openSecurityIncident(rt);
    const [channel] = rt.slack.conversations.channels();
    // The hostile title becomes a legal, inert name: no `<`, `!`, `@`, `*`, accents or emoji.
    expect(channel).toMatchObject({
      name: 'inc-20261123-channel-evil-dos-from-u0cto000001-on-i-99999999-ca-brule',
      isPrivate: false,
      archived: false,
    });
    expect(channel!.members.sort()).toEqual(['U0FIREBOT01', CTO, ...SENIORS].sort());
    expect(rt.slack.calls('conversations.create')).toHaveLength(1);
    expect(rt.slack.calls('conversations.invite').map((c) => c.args)).toEqual([
      { channel: channel!.id, users: [CTO, ...SENIORS].join(','), force: 'true' },
    ]);

    // The incident's message and its mitigation requests live in the new channel.
    const inChannel = rt.slack.messages(channel!.id);
    const message = inChannel.find((m) => !m.thread_ts && m.text.includes(incident.id))!;
    expect(message).toBeDefined();
    expect(rt.slack.thread(channel!.id, message.ts).some((m) => JSON.stringify(m.blocks).includes('MIT-'))).toBe(true);
    expect(await rt.repositories.slackState.getSlackState(incident.id)).toMatchObject({ channel: channel!.id, ts: message.ts });

    // The security channel keeps exactly one line: the incident, its state and a mention of the channel.
    const summaries = rt.slack.messages(SECURITY);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.text).toContain(`*${incident.id}* SEV2 security · open · runs in <#${channel!.id}>`);
    expect(summaries[0]!.text).not.toMatch(/<!channel>|<@U0CTO/);
    expect(summaries[0]!.text).toContain('&lt;!channel&gt;');

    // Acknowledging updates the line; resolving archives the channel, the line says so.
    await rt.command(CTO, `ack ${incident.id}`);
    await rt.bus.drain();
    expect(rt.slack.messages(SECURITY)[0]!.text).toContain('· acknowledged ·');
    await rt.command(CTO, `resolve ${incident.id} contained`);
    await rt.bus.drain();
    expect(rt.slack.conversations.channels()[0]!.archived).toBe(true);
    expect(rt.slack.calls('conversations.archive')).toHaveLength(1);
    expect(rt.slack.messages(SECURITY)).toHaveLength(1);
    expect(rt.slack.messages(SECURITY)[0]!.text).toContain(`· resolved · ran in <#${channel!.id}> (archived)`);
    // The resolution is told in the channel's thread before it is archived.
    const replies = rt.slack.thread(channel!.id, message.ts).map((m) => m.text);
    expect(replies.some((t) => /archiving this channel/.test(t))).toBe(true);
    expect(await rt.repositories.channelRecords.getChannel(incident.id)).toMatchObject({
      state: 'archived',
      channel: channel!.id,
    });
    // A postmortem asked for afterwards cannot go to the archived channel: it is shared under the summary line.
    await rt.command(CTO, `postmortem ${incident.id}`);
    await rt.bus.drain();
    expect(rt.slack.files(SECURITY).map((f) => f.thread_ts)).toEqual([summaries[0]!.ts]);
    expect(rt.slack.files(channel!.id)).toEqual([]);
    // No call failed along the way (nothing posted into the archived channel).
    expect(rt.slack.calls().filter((c) => c.error)).toEqual([]);
    expect(rt.bus.deadLetters).toEqual([]);
  }, 60_000);

  it('takes the next name after name_taken, and redelivering the announcement creates nothing twice', async () => {
    const rt = await start();
    rt.slack.conversations.takeName('inc-20261123-ops-dos');
    const incident = await openSecurityIncident(rt, 'Ops DoS');
    expect(rt.slack.calls('conversations.create').map((c) => [c.args.name, c.error])).toEqual([
      ['inc-20261123-ops-dos', 'name_taken'],
      ['inc-20261123-ops-dos-2', undefined],
    ]);
    const opened = rt.bus.emitted.find((e) => e['detail-type'] === 'Incident Opened')!;
    rt.bus.put('firebreak', opened);
    await rt.bus.drain();
    expect(rt.slack.conversations.channels()).toHaveLength(1);
    expect(rt.slack.calls('conversations.invite')).toHaveLength(1);
    const [channel] = rt.slack.conversations.channels();
    expect(rt.slack.messages(channel!.id).filter((m) => !m.thread_ts && m.text.includes(incident.id))).toHaveLength(1);
    expect(rt.slack.messages(SECURITY)).toHaveLength(1);
  });

  it('falls back to the category channel thread and says so when Slack refuses to create the channel', async () => {
    const rt = await start();
    rt.slack.conversations.refuseCreation('restricted_action');
    const incident = await openSecurityIncident(rt, 'Ops DoS');
    expect(rt.slack.conversations.channels()).toEqual([]);
    const message = rt.slack.messages(SECURITY).find((m) => !m.thread_ts && m.text.includes(incident.id))!;
    expect(message).toBeDefined();
    const thread = rt.slack.thread(SECURITY, message.ts).map((m) => m.text);
    expect(thread).toContain(
      ":warning: Could not create this incident's own channel (restricted_action): it runs in this thread.",
    );
    // Mitigation requests go to the same thread; the refusal is not retried on every update.
    expect(rt.slack.thread(SECURITY, message.ts).some((m) => JSON.stringify(m.blocks).includes('MIT-'))).toBe(true);
    await rt.command(CTO, `ack ${incident.id}`);
    await rt.bus.drain();
    expect(rt.slack.calls('conversations.create')).toHaveLength(1);
    expect(await rt.repositories.channelRecords.getChannel(incident.id)).toMatchObject({
      state: 'failed',
      error: 'restricted_action',
    });
  });

  it('uses the incident id as the suffix once the numbered names are taken', async () => {
    const rt = await start();
    for (const suffix of ['', '-2', '-3', '-4', '-5']) rt.slack.conversations.takeName(`inc-20261123-ops-dos${suffix}`);
    const incident = await openSecurityIncident(rt, 'Ops DoS');
    expect(rt.slack.conversations.channels().map((c) => c.name)).toEqual([`inc-20261123-ops-dos-${incident.id.toLowerCase()}`]);
  });

  it('moves an incident escalated to the severity into its channel: the old message becomes the summary line', async () => {
    const rt = await start({ minSeverity: 'SEV1' });
    const incident = await openSecurityIncident(rt, 'Ops DoS');
    expect(rt.slack.conversations.channels()).toEqual([]);
    const original = rt.slack.messages(SECURITY).find((m) => !m.thread_ts)!;
    expect(original.text).toContain(incident.id);
    await rt.command(CTO, `sev ${incident.id} SEV1`);
    await rt.bus.drain();
    const [channel] = rt.slack.conversations.channels();
    expect(channel).toMatchObject({ name: 'inc-20261123-ops-dos' });
    expect(rt.slack.messages(channel!.id).some((m) => !m.thread_ts && m.text.includes(incident.id))).toBe(true);
    const summary = rt.slack.messages(SECURITY).find((m) => m.ts === original.ts)!;
    expect(summary.text).toContain(`*${incident.id}* SEV1 security · open · runs in <#${channel!.id}>`);
    expect(rt.slack.thread(SECURITY, original.ts).some((m) => m.text === `This incident now runs in <#${channel!.id}>.`)).toBe(
      true,
    );
  });

  it('resumes after a delivery dies between creating the channel and inviting: one channel, one message', async () => {
    const rt = await start();
    // Slack keeps answering 429 to invitations: the client gives up and the delivery fails (then dead-letters).
    rt.slack.rateLimitNext(1000, 0, 'conversations.invite');
    const incident = await openSecurityIncident(rt, 'Ops DoS');
    const failed = rt.bus.deadLetters.filter((d) => d.rule === 'Notify');
    expect(failed.length).toBeGreaterThan(0);
    expect(await rt.repositories.channelRecords.getChannel(incident.id)).toMatchObject({
      state: 'open',
      name: 'inc-20261123-ops-dos',
    });
    expect([...rt.slack.messages(SECURITY), ...rt.slack.messages('C0INC000001')]).toEqual([]);
    // Slack is back; EventBridge retries the failed deliveries.
    rt.slack.rateLimitNext(0);
    for (const { event } of failed) rt.bus.put('firebreak', event);
    await rt.bus.drain();
    const channels = rt.slack.conversations.channels();
    expect(channels).toHaveLength(1);
    expect(rt.slack.calls('conversations.create')).toHaveLength(1);
    expect(channels[0]!.members).toContain(CTO);
    expect(rt.slack.messages(channels[0]!.id).filter((m) => !m.thread_ts && m.text.includes(incident.id))).toHaveLength(1);
    expect(rt.slack.messages(SECURITY)).toHaveLength(1);
  }, 90_000);

  it('returns a reopened incident to the category channel, its summary line becoming its message again', async () => {
    const rt = await start();
    const event = fixture('guardduty-finding-ec2-high-wrapped.json');
    const incident = await openSecurityIncident(rt, 'Ops DoS');
    await rt.command(CTO, `resolve ${incident.id} contained`);
    await rt.bus.drain();
    const [channel] = rt.slack.conversations.channels();
    expect(channel!.archived).toBe(true);
    const line = rt.slack.messages(SECURITY)[0]!;
    rt.bus.put('default', { ...event, id: 'reopening-finding', detail: { ...(event.detail as object), title: 'Ops DoS' } });
    await rt.bus.drain();
    const reopened = await rt.repositories.incidents.getIncident(incident.id);
    expect(reopened!.status).toBe('open');
    expect(await rt.repositories.slackState.getSlackState(incident.id)).toMatchObject({ channel: SECURITY, ts: line.ts });
    const message = rt.slack.messages(SECURITY).find((m) => m.ts === line.ts)!;
    expect(message.blocks.length).toBeGreaterThan(1);
    expect(rt.slack.thread(SECURITY, line.ts).map((m) => m.text)).toContain(
      `Reopened: <#${channel!.id}> is archived, so this incident continues in this thread.`,
    );
    expect(rt.slack.calls('conversations.create')).toHaveLength(1);
    expect(rt.slack.calls('chat.postMessage').filter((c) => c.args.channel === channel!.id && c.error)).toEqual([]);
  });

  it('expires a request left pending after the channel was archived without failing the delivery', async () => {
    const rt = await start();
    const incident = await openSecurityIncident(rt, 'Ops DoS');
    await rt.command(CTO, `resolve ${incident.id} contained`);
    await rt.bus.drain();
    await rt.advance(3 * 60 * 60_000);
    await rt.bus.drain();
    const requests = await rt.repositories.mitigations.listRequests(incident.id);
    expect(requests.map((r) => r.state).sort()).toEqual(['approved', 'expired']);
    expect(rt.bus.deadLetters.map((d) => d.error?.message)).toEqual([]);
    // The request's message stays as it was in the archived channel; the expiry is told under the summary line.
    const line = rt.slack.messages(SECURITY)[0]!;
    expect(rt.slack.thread(SECURITY, line.ts).some((m) => /expired/i.test(m.text))).toBe(true);
  });

  it('leaves incidents below the severity, and everything when disabled, in the category channel', async () => {
    const rt = await start({ enabled: false });
    await openSecurityIncident(rt, 'Ops DoS');
    expect(rt.slack.calls().filter((c) => c.method.startsWith('conversations.'))).toEqual([]);
  });

  it('runs the incident channel drill (drills/incident-channel.json) with every expectation met', async () => {
    const { scenario, baseDir } = loadScenario('drills/incident-channel.json');
    const outcome = await runDrill(scenario, {
      config: exampleConfig(),
      baseDir,
      endpoint: inject('dynamoEndpoint'),
      tableName: `incident-channel-drill-${process.pid}`,
    });
    expect(outcome.checks.filter((c) => !c.passed)).toEqual([]);
    expect(outcome.checks.map((c) => c.expectation)).toContain(
      'channel #inc-20261123-channel-dos-from-i-99999999-ping-u0cto000001',
    );
  }, 60_000);

  it('fails a drill whose channel expectation is not met', async () => {
    const { scenario, baseDir } = loadScenario('drills/incident-channel.json');
    const outcome = await runDrill(
      {
        ...scenario,
        expect: {
          ...scenario.expect,
          channels: [{ name: 'inc-20261123-nope' }, { ...scenario.expect.channels[0]!, members: [CTO] }],
        },
      },
      {
        config: exampleConfig(),
        baseDir,
        endpoint: inject('dynamoEndpoint'),
        tableName: `incident-channel-drill-bad-${process.pid}`,
      },
    );
    expect(outcome.passed).toBe(false);
    expect(outcome.checks.filter((c) => !c.passed).map((c) => c.detail)).toEqual([
      'no such channel was created',
      `members ${[CTO, ...SENIORS].sort().join(', ')}`,
    ]);
  }, 60_000);
});
