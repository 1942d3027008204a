/**
 * The storm bench's pool of concurrent notify instances (functions/local/notify-pool.ts), and the
 * self-check of its measurement: built by the deployed wiring, the instances share each channel's
 * Slack slot and post at most once a second between them; with the shared slot turned off, the same
 * pool bursts into the channel, and the bench's measure (bench/slack-calls.ts) sees it. The slots'
 * own race is tested in test/adapters/dynamodb/channel-slots.test.ts.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { NotifyPool, startNotifyPool } from '../../functions/local/notify-pool.ts';
import { LOCAL_SLACK, startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { SlackStandIn } from '../../functions/local/slack-stand-in.ts';
import { distinctEvents } from '../../bench/bench-kit.ts';
import { callsPerSecond, shortestGap } from '../../bench/slack-calls.ts';
import { exampleConfig } from '../support.ts';

const config = exampleConfig();
const INCIDENTS = 6;
const INSTANCES = 4;
let runtime: LocalRuntime | undefined;
let pool: NotifyPool | undefined;
let slack: SlackStandIn | undefined;
let tables = 0;

afterEach(async () => {
  pool?.close();
  await runtime?.stop();
  await slack?.close();
  [pool, runtime, slack] = [undefined, undefined, undefined];
});

/** Six alarms open six incidents at once; the pool posts their messages (the stand-in on the wall clock). */
async function openIncidents(sharedSlots: boolean) {
  slack = await SlackStandIn.start({ teamId: config.slack.teamId });
  const endpoint = inject('dynamoEndpoint');
  const tableName = `notify-pool-${process.pid}-${++tables}`;
  runtime = await startLocalRuntime({ config, endpoint, tableName, notifyTarget: (event) => pool!.deliver(event) });
  pool = await startNotifyPool({
    config,
    endpoint,
    tableName,
    slackApiUrl: slack.url,
    botToken: LOCAL_SLACK.botToken,
    instances: INSTANCES,
    ...(sharedSlots ? {} : { sharedSlots: false as const }),
  });
  for (const event of distinctEvents(INCIDENTS, [0])) runtime.bus.put('default', event);
  await runtime.bus.drain();
  const posted = await pool.settle(async () => slack!.calls('chat.postMessage').length === INCIDENTS, 30_000);
  const calls = slack.calls().map((c) => ({ channel: String(c.args.channel), method: c.method, time: c.time }));
  return { posted, calls, deadLetters: pool.deadLetters.length + runtime.bus.deadLetters.length };
}

describe('a pool of concurrent notify instances (DynamoDB Local, Slack stand-in, wall clock)', () => {
  it('with the shared slots, keeps the posts to one channel at least a second apart across the instances', async () => {
    const { posted, calls, deadLetters } = await openIncidents(true);
    expect(posted).toBe(true);
    expect(deadLetters).toBe(0);
    expect(new Set(calls.map((c) => c.channel)).size).toBe(1);
    expect(calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(INCIDENTS);
    // Slots 1.25 s apart, a call at most 150 ms late (SlackPoster.pace): at least 1.1 s apart when they leave.
    expect(shortestGap(calls)).toBeGreaterThanOrEqual(1000);
    expect(callsPerSecond(calls).all).toBe(1);
    const times = calls.map((c) => c.time);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual((INCIDENTS - 1) * 1000);
  }, 60_000);

  it('with the shared slots turned off, the same pool bursts past one call per second per channel', async () => {
    const { posted, calls, deadLetters } = await openIncidents(false);
    expect(posted).toBe(true);
    expect(deadLetters).toBe(0);
    // Each instance paces only itself: their first posts go out together.
    expect(callsPerSecond(calls).all).toBeGreaterThan(1);
    expect(shortestGap(calls)).toBeLessThan(1000);
  }, 60_000);
});

describe('settling the pool', () => {
  it('asks whether it is done only after the pool handled another delivery, not on every poll', async () => {
    const handled: unknown[] = [];
    pool = new NotifyPool(() => [async (event) => void handled.push(event)]);
    await pool.deliver({ first: true });
    // A refresh fires 900 ms from now (five polls later) and is delivered to the pool.
    await pool.scheduler.schedule({
      name: 'refresh',
      at: new Date(Date.now() + 900).toISOString(),
      event: { detailType: 'Slack Message Refresh Due', detail: {} },
    } as never);
    let asked = 0;
    const done = await pool.settle(async () => (asked++, handled.length === 2), 10_000);
    expect(done).toBe(true);
    expect(asked).toBe(2);
  });

  it('ends undone once quiet with no schedule left, having asked once', async () => {
    pool = new NotifyPool(() => [async () => undefined]);
    await pool.deliver({});
    let asked = 0;
    expect(await pool.settle(async () => (asked++, false), 10_000)).toBe(false);
    expect(asked).toBe(1);
  });
});
