/**
 * The notify function on DynamoDB Local, fed by the real ingest through the local bus, posting
 * through the real Slack Web API client to the local stand-in: one message per incident, updated in
 * place and coalesced in storms, thread replies only for meaningful changes, 429s waited out.
 */
import { DEFAULT_DEPLOY_FREEZE } from '../../functions/core/deployments/freeze-config.ts';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import type { StandInMessage } from '../../functions/local/slack-stand-in.ts';
import { exampleConfig } from '../support.ts';

// Incident messages alone: the deploy freeze's own #deployments posts are tested in test/local/freeze-and-tracker.test.ts.
const config = {
  ...exampleConfig(),
  deployFreeze: { ...DEFAULT_DEPLOY_FREEZE, enabled: false },
};
const START = '2026-11-23T09:00:00.000Z';
const CHANNEL = config.slack.channels.default; // Datadog monitors classify as availability: the default channel
let runtime: LocalRuntime;
let tables = 0;
let sequence = 0;

beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: START,
    endpoint: inject('dynamoEndpoint'),
    tableName: `notify-${process.pid}-${++tables}`,
  });
});

afterEach(async () => {
  await runtime?.stop();
});

/** A custom monitor's event (PutEvents on the firebreak bus): one fingerprint per subject. */
function monitorEvent(
  subject: string,
  options: { state?: 'firing' | 'recovered'; severity?: 'critical' | 'high' | 'medium'; time?: string } = {},
) {
  return {
    version: '0',
    id: `monitor-${subject}-${++sequence}`,
    'detail-type': 'Monitor Alert',
    source: 'firebreak.monitor.datadog',
    account: '123456789012',
    time: options.time ?? '2026-11-23T08:59:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      title: `Checkout latency high on ${subject}`,
      subject,
      severity: options.severity ?? 'high',
      state: options.state ?? 'firing',
    },
  };
}

/** Delivers one event and everything it causes, as a storm arrives: one signal after another. */
async function signal(subject: string, options?: Parameters<typeof monitorEvent>[1]) {
  runtime.bus.put('firebreak', monitorEvent(subject, options));
  await runtime.bus.drain();
}

const incidents = async (): Promise<Incident[]> =>
  runtime.repositories.incidents.listIncidents(['open', 'acknowledged', 'mitigating', 'resolved']);
const topLevel = (): StandInMessage[] => runtime.slack.messages(CHANNEL).filter((m) => !m.thread_ts);
const replies = (): StandInMessage[] => runtime.slack.messages(CHANNEL).filter((m) => !!m.thread_ts);
const messageOf = (incident: Pick<Incident, 'id'>): StandInMessage => topLevel().find((m) => m.text.includes(incident.id))!;
/** The "Signals" field of an incident message. */
const shownCount = (message: StandInMessage): number => Number(/\*Signals\*\\n(\d+)/.exec(JSON.stringify(message.blocks))?.[1]);
const calls = (method: string) => runtime.slack.calls(method).filter((c) => c.status === 200);
const buttons = (message: StandInMessage) => message.blocks.filter((b) => (b as { type: string }).type === 'actions');
const refreshes = () => runtime.scheduler.pending().filter((job) => job.name.startsWith('refresh-'));

describe('notify on DynamoDB Local', () => {
  it('a storm of 100 repeats over 5 fingerprints: 5 posts, no update while the clock stands still, then one refresh each with the final count', async () => {
    // The bound does not depend on the number of repeats; 100 keeps the test fast on DynamoDB Local.
    const subjects = ['checkout', 'payments', 'search', 'login', 'catalog'];
    const SIGNALS = 100;
    for (let i = 0; i < SIGNALS; i++) await signal(subjects[i % subjects.length]!);
    expect(runtime.bus.deadLetters).toEqual([]);

    const open = await incidents();
    expect(open).toHaveLength(5);
    expect(open.map((i) => i.signalCount)).toEqual([20, 20, 20, 20, 20]);

    // One post per incident, all top level; updates coalesced (the bound is "a couple" per incident; here none).
    expect(calls('chat.postMessage')).toHaveLength(5);
    expect(topLevel()).toHaveLength(5);
    expect(calls('chat.update').length).toBeLessThanOrEqual(2 * 5);
    for (const message of topLevel()) expect(message.updates).toBeLessThanOrEqual(2);
    // Never a thread reply for a repeat.
    expect(replies()).toEqual([]);
    // One scheduled refresh per incident at the end of its coalescing window (5 s or a little more:
    // it grows with the count and is offset per incident), whatever the number of repeats.
    expect(refreshes()).toHaveLength(5);
    expect(new Set(refreshes().map((job) => job.event.detail))).toHaveLength(5);
    for (const job of refreshes()) {
      const wait = Date.parse(job.at) - Date.parse(START);
      expect(wait).toBeGreaterThanOrEqual(5_000);
      expect(wait).toBeLessThanOrEqual(75_000);
    }
    expect(runtime.scheduler.created.filter((job) => job.name.startsWith('refresh-'))).toHaveLength(5);

    const updatesBefore = calls('chat.update').length;
    await runtime.advance(2 * 60_000);
    expect(calls('chat.update')).toHaveLength(updatesBefore + 5);
    for (const incident of open) expect(shownCount(messageOf(incident))).toBe(20);
    expect(calls('chat.postMessage')).toHaveLength(5);
    expect(replies()).toEqual([]);
    expect(refreshes()).toEqual([]);

    // Nothing more happens while nothing changes.
    const total = runtime.slack.calls().length;
    await runtime.advance(10 * 60_000);
    expect(runtime.slack.calls()).toHaveLength(total);
  });

  it('a slow trickle updates the message about once per coalescing window (never once per signal) and ends on the final count', async () => {
    for (let second = 0; second < 20; second++) {
      await signal('checkout');
      await runtime.advance(1_000);
    }
    await runtime.advance(2 * 60_000);
    const [incident] = await incidents();
    expect(incident!.signalCount).toBe(20);
    const message = messageOf(incident!);
    expect(shownCount(message)).toBe(20);
    expect(calls('chat.postMessage')).toHaveLength(1);
    // 20 s of signals, windows of at least 5 s: a handful of updates, not 19.
    expect(message.updates).toBeGreaterThanOrEqual(2);
    expect(message.updates).toBeLessThanOrEqual(5);
    expect(replies()).toEqual([]);
  });

  it('repeats that arrive exactly when the scheduled refresh fires still reach the message', async () => {
    await signal('checkout');
    for (let i = 0; i < 3; i++) await signal('checkout');
    const [refresh] = refreshes();
    expect(refresh).toBeDefined();
    // Move the clock exactly to the refresh: it fires, and the clock stops there.
    await runtime.advance(Date.parse(refresh!.at) - runtime.clock.now().getTime());
    expect(runtime.clock.now().toISOString()).toBe(refresh!.at);
    const [incident] = await incidents();
    expect(shownCount(messageOf(incident!))).toBe(4);

    for (let i = 0; i < 3; i++) await signal('checkout');
    expect((await runtime.repositories.incidents.getIncident(incident!.id))!.signalCount).toBe(7);
    await runtime.advance(10 * 60_000);
    // The message must end on what the store holds.
    expect(shownCount(messageOf(incident!))).toBe(7);
  });

  it('a 429 with Retry-After is waited out and retried: the message still arrives, once', async () => {
    runtime.slack.rateLimitNext(1, 1);
    const started = performance.now();
    await signal('checkout');
    // The client waited for Retry-After (1 s) before it tried again.
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(runtime.slack.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(topLevel()).toHaveLength(1);
    expect(runtime.bus.deadLetters).toEqual([]);
    const [incident] = await incidents();
    expect(shownCount(messageOf(incident!))).toBe(1);
  });

  it('resolve and reopen update the message in place (chat.update) with a thread reply each', async () => {
    await signal('checkout');
    const [opened] = await incidents();
    const posted = messageOf(opened!);
    expect(buttons(posted)).toHaveLength(1);

    await runtime.advance(60_000);
    await signal('checkout', { state: 'recovered', time: '2026-11-23T09:01:00Z' });
    const resolved = (await runtime.repositories.incidents.getIncident(opened!.id))!;
    expect(resolved.status).toBe('resolved');
    const message = messageOf(opened!);
    expect(message.ts).toBe(posted.ts);
    expect(message.updates).toBe(posted.updates + 1);
    expect(message.text).toContain('(resolved)');
    expect(buttons(message)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('Resolved: every affected resource recovered. No further action needed.');
    expect(calls('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(1);
    expect(runtime.slack.thread(CHANNEL, posted.ts).map((m) => m.text)).toEqual([
      ':white_check_mark: Resolved: every affected resource recovered.',
    ]);

    await runtime.advance(60_000);
    await signal('checkout', { time: '2026-11-23T09:02:00Z' });
    expect((await runtime.repositories.incidents.getIncident(opened!.id))!.status).toBe('open');
    const reopened = messageOf(opened!);
    expect(reopened.ts).toBe(posted.ts);
    expect(buttons(reopened)).toHaveLength(1);
    expect(runtime.slack.thread(CHANNEL, posted.ts).map((m) => m.text)).toEqual([
      ':white_check_mark: Resolved: every affected resource recovered.',
      ':warning: Reopened: a new signal arrived after it was resolved (3 signals so far).',
    ]);
    expect(topLevel()).toHaveLength(1);
  });

  it('a severity raise is shown at once (not coalesced) with one thread reply; the repeats around it get none', async () => {
    await signal('checkout');
    await signal('checkout');
    await signal('checkout', { severity: 'critical' });
    await signal('checkout', { severity: 'critical' });
    await signal('checkout');
    const [incident] = await incidents();
    expect(incident).toMatchObject({ severity: 'SEV1', signalCount: 5 });
    const message = messageOf(incident!);
    expect(message.text).toMatch(/^SEV1 availability incident/);
    expect(message.updates).toBe(1);
    expect(runtime.slack.thread(CHANNEL, message.ts).map((m) => m.text)).toEqual([
      ':arrow_up: Severity raised to *SEV1* (3 signals so far).',
    ]);
  });

  it('a redelivered ingest event changes nothing in Slack', async () => {
    const event = monitorEvent('checkout');
    runtime.bus.put('firebreak', event);
    await runtime.bus.drain();
    const before = runtime.slack.calls().length;
    const announced = runtime.bus.emitted.length;
    runtime.bus.put('firebreak', structuredClone(event));
    await runtime.bus.drain();
    // Nothing committed, so nothing announced: the first delivery's announcement went out with its commit.
    expect(runtime.bus.emitted).toHaveLength(announced);
    expect(runtime.slack.calls()).toHaveLength(before);
  });

  it('an announcement delivered twice (EventBridge is at-least-once) adds no second thread reply', async () => {
    await signal('checkout');
    await signal('checkout', { severity: 'critical' });
    const raised = runtime.bus.emitted.findLast((e) => e['detail-type'] === 'Incident Updated')!;
    expect(raised.detail).toMatchObject({ changes: ['signal', 'severity_raised'] });
    const [incident] = await incidents();
    const thread = () => runtime.slack.thread(CHANNEL, messageOf(incident!).ts);
    expect(thread()).toHaveLength(1);

    // The same event (same id, same version) reaches notify a second time.
    runtime.bus.put('firebreak', structuredClone(raised));
    await runtime.bus.drain();
    expect(thread()).toHaveLength(1);
  });
});
