import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoChannelSlots } from '../../../functions/adapters/dynamodb/channel-slots.ts';
import { Table } from '../../../functions/adapters/dynamodb/table.ts';
import { SlackPoster } from '../../../functions/adapters/slack-poster.ts';
import { localClient } from '../../../functions/local/dynamodb-local.ts';
import { quietSlackLogger, SlackStandIn } from '../../../functions/local/slack-stand-in.ts';
import { freshTable } from '../../support.ts';

/**
 * Several notify instances (each its own poster and DynamoDB client) post and update in one channel
 * at once: the shared per-channel slot spaces their calls across instances, as Slack's one message
 * per second per channel asks. The interval is shortened to keep the test quick; the rule is the same.
 */
const INTERVAL = 400;
const INSTANCES = 4;
let slack: SlackStandIn;
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  slack = await SlackStandIn.start();
  table = await freshTable('channel-slots');
});
afterAll(() => {
  slack.close();
  table.client.destroy();
});
beforeEach(() => slack.reset());

function instances(shared: boolean) {
  const reserved: number[] = [];
  const posters = Array.from({ length: INSTANCES }, () => {
    const slots = new DynamoChannelSlots(new Table(localClient(table.endpoint), table.tableName));
    return new SlackPoster({
      token: 'xoxb-test-token',
      slackApiUrl: slack.url,
      logger: quietSlackLogger,
      minPostIntervalMs: INTERVAL,
      ...(shared
        ? {
            sharedSlots: {
              reserve: async (channel: string, now: number, interval: number) => {
                const slot = await slots.reserve(channel, now, interval);
                reserved.push(slot);
                return slot;
              },
            },
          }
        : {}),
    });
  });
  return { posters, reserved };
}

/** The most calls to `channel` in any window of `windowMs` (by the stand-in's clock). */
function busiestWindow(channel: string, windowMs: number): number {
  const times = slack
    .calls()
    .filter((call) => call.args.channel === channel)
    .map((call) => call.time)
    .sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('per-channel Slack slots shared across instances (DynamoDB Local)', () => {
  it('spaces posts and updates from concurrent instances: distinct slots one interval apart, never a burst', async () => {
    const channel = `C0SLOTS${Date.now()}`;
    const { posters, reserved } = instances(true);
    await Promise.all(
      posters.map(async (poster, n) => {
        const posted = await poster.post(channel, { text: `incident ${n}` });
        await poster.post(channel, { text: `reply ${n}` }, { threadTs: posted.ts });
        await poster.update(channel, posted.ts, { text: `incident ${n}, updated` });
      }),
    );
    expect(slack.calls().filter((call) => call.args.channel === channel)).toHaveLength(INSTANCES * 3);
    const slots = [...reserved].sort((a, b) => a - b);
    expect(new Set(slots).size).toBe(slots.length);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(INTERVAL);
    // On the wall clock too (the stand-in's receive times): at most 2 calls in any interval, allowing for latency.
    expect(busiestWindow(channel, INTERVAL)).toBeLessThanOrEqual(2);
  });

  it('without the shared slot, the same instances burst into the channel (what the slot prevents)', async () => {
    const channel = `C0BURST${Date.now()}`;
    const { posters } = instances(false);
    await Promise.all(posters.map((poster, n) => poster.post(channel, { text: `incident ${n}` })));
    expect(busiestWindow(channel, INTERVAL)).toBeGreaterThan(2);
  });

  it('takes the slot after the latest one when a channel is busy, and now when it is idle', async () => {
    const slots = new DynamoChannelSlots(new Table(table.client, table.tableName));
    expect(await slots.reserve('C0IDLE', 1_000_000, 1000)).toBe(1_000_000);
    expect(await slots.reserve('C0IDLE', 1_000_100, 1000)).toBe(1_001_000);
    expect(await slots.reserve('C0IDLE', 5_000_000, 1000)).toBe(5_000_000);
    expect(await slots.reserve('C0OTHER', 1_000_100, 1000)).toBe(1_000_100);
  });
});
