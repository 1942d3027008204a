import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackCallMetrics } from '../../functions/adapters/lambda/slack-metrics.ts';
import { SlackPoster, slackErrorCode, type SlackPosterOptions } from '../../functions/adapters/slack-poster.ts';
import { ephemeral } from '../../functions/core/slack/block-kit.ts';
import { incidentMessage } from '../../functions/core/slack/incident-messages.ts';
import { renderMessageText } from '../../functions/core/slack/message-text.ts';
import { quietSlackLogger, SlackStandIn } from '../../functions/local/slack-stand-in.ts';

const TOKEN = 'xoxb-poster-test';
let slack: SlackStandIn;

beforeAll(async () => {
  slack = await SlackStandIn.start();
});
afterAll(() => slack.close());
beforeEach(() => slack.reset());

/** A poster on the stand-in whose pacing waits are skipped (the pacing test brings its own virtual clock). */
function poster(options: Partial<SlackPosterOptions> = {}): SlackPoster {
  return new SlackPoster({
    token: TOKEN,
    slackApiUrl: slack.url,
    retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 },
    logger: quietSlackLogger,
    sleep: () => Promise.resolve(),
    ...options,
  });
}

describe('SlackPoster', () => {
  it('posts Block Kit messages through the real WebClient, without unfurls', async () => {
    const p = poster();
    const message = incidentMessage({
      incidentId: 'INC-B2D7BC30C6',
      version: 1,
      changes: ['opened'],
      status: 'open',
      severity: 'SEV2',
      category: 'security',
      title: 'Alarm <!channel>',
      channel: 'C0INCIDENTS',
      fingerprint: 'f',
      source: 'aws.cloudwatch',
      account: '123456789012',
      region: 'us-east-1',
      resources: [],
      signalCount: 1,
      firstSeen: '2026-03-01T10:00:00.000Z',
      lastSeen: '2026-03-01T10:00:00.000Z',
      mitigations: [],
    });
    const posted = await p.post('C0INCIDENTS', message);
    expect(posted).toEqual({ channel: 'C0INCIDENTS', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    const stored = slack.latest('C0INCIDENTS')!;
    expect(stored.ts).toBe(posted.ts);
    expect(stored.blocks).toEqual(message.blocks);
    expect(renderMessageText(stored)).toContain('SEV2 · security · Alarm <!channel>');
    expect(slack.calls('chat.postMessage')[0]!.args).toMatchObject({
      unfurl_links: false,
      unfurl_media: false,
      link_names: false,
    });

    const reply = await p.post('C0INCIDENTS', { text: 'Severity raised', blocks: [] }, { threadTs: posted.ts });
    expect(slack.thread('C0INCIDENTS', posted.ts).map((m) => m.ts)).toEqual([reply.ts]);
  });

  it('records updates and ephemeral replies, and counts calls per method and channel', async () => {
    const p = poster();
    const { ts } = await p.post('C0INCIDENTS', { text: 'v1', blocks: [] });
    await p.update('C0INCIDENTS', ts, { text: 'v2', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'v2' } }] });
    const eph = await p.postEphemeral('C0INCIDENTS', 'U0SENIOR001', ephemeral('Only the CTO <@U1> can do that').text);
    expect(eph.messageTs).toEqual(expect.any(String));
    expect(slack.messages('C0INCIDENTS')).toMatchObject([{ ts, text: 'v2', updates: 1 }]);
    expect(slack.ephemeral()).toMatchObject([
      { channel: 'C0INCIDENTS', user: 'U0SENIOR001', text: 'Only the CTO &lt;@U1&gt; can do that' },
    ]);
    await p.post('C0DEPLOYS01', { text: 'deploy', blocks: [] });
    expect(p.stats()).toMatchObject({
      calls: { 'chat.postMessage': 2, 'chat.update': 1, 'chat.postEphemeral': 1 },
      channels: {
        C0INCIDENTS: { 'chat.postMessage': 1, 'chat.update': 1, 'chat.postEphemeral': 1 },
        C0DEPLOYS01: { 'chat.postMessage': 1 },
      },
      rateLimited: 0,
    });
  });

  it('spaces posts to one channel about a second apart, but does not delay other channels', async () => {
    let now = 5_000_000;
    const waits: number[] = [];
    const p = poster({
      now: () => now,
      // Virtual time: a wait that starts at `now` ends at now + ms; the clock only moves forward.
      sleep: (ms) => {
        waits.push(ms);
        const end = now + ms;
        return Promise.resolve().then(() => {
          now = Math.max(now, end);
        });
      },
    });
    const start = now;
    const posts = await Promise.all(
      Array.from({ length: 5 }, (_, i) => p.post('C0INCIDENTS', { text: `storm ${i}`, blocks: [] })),
    );
    expect(now - start).toBeGreaterThanOrEqual(4000);
    expect(waits).toEqual([1000, 2000, 3000, 4000]);
    // In call order, each with its own ts.
    expect(slack.messages('C0INCIDENTS').map((m) => m.text)).toEqual(['storm 0', 'storm 1', 'storm 2', 'storm 3', 'storm 4']);
    expect(new Set(posts.map((x) => x.ts)).size).toBe(5);
    expect(p.stats()).toMatchObject({ paced: 4, pacedMs: 10_000 });

    waits.length = 0;
    now += 10_000;
    const before = now;
    await Promise.all(
      ['C0A0000001', 'C0A0000002', 'C0A0000003', 'C0A0000004', 'C0A0000005'].map((c) =>
        p.post(c, { text: 'one each', blocks: [] }),
      ),
    );
    expect(waits).toEqual([]);
    expect(now).toBe(before);
  });

  it('with shared slots, leaves a slot it would miss and takes a later one, and gives up after ten in a row', async () => {
    let now = 7_000_000;
    const reserved: Array<{ asked: number; spacing: number }> = [];
    /** Slots as the table hands them out, but each reply arrives `delay()` ms late (a slow table). */
    let nextSlot = 0;
    let delay = () => 0;
    const sharedSlots = {
      reserve: async (_channel: string, asked: number, spacing: number) => {
        reserved.push({ asked, spacing });
        const slot = Math.max(asked, nextSlot);
        nextSlot = slot + spacing;
        now += delay();
        return slot;
      },
    };
    const sleeps: number[] = [];
    const p = poster({
      now: () => now,
      sharedSlots,
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    });

    // On time: the slot is taken as it comes, spaced by the interval plus the spare 250 ms.
    await p.post('C0INCIDENTS', { text: 'on time', blocks: [] });
    expect(reserved).toEqual([{ asked: 7_000_000, spacing: 1250 }]);

    // The reply comes 400 ms after a slot that was due at once: past the 150 ms allowance, so that slot
    // stays empty and the next reservation asks 400 ms ahead.
    reserved.length = 0;
    now = nextSlot;
    let replies = 0;
    delay = () => (replies++ === 0 ? 400 : 0);
    const before = now;
    await p.post('C0INCIDENTS', { text: 'after a slow reply', blocks: [] });
    expect(reserved).toHaveLength(2);
    expect(reserved[1]!.asked).toBe(before + 400 + 400);
    expect(slack.messages('C0INCIDENTS').map((m) => m.text)).toEqual(['on time', 'after a slow reply']);

    // A steady lag is absorbed by asking ahead; a table answering later each time is not: after ten
    // missed slots the call fails (the delivery is retried) and nothing is sent.
    reserved.length = 0;
    let lag = 0;
    delay = () => (lag += 2000);
    await expect(p.post('C0INCIDENTS', { text: 'never', blocks: [] })).rejects.toThrow(/missed 10 Slack slots in a row/);
    expect(reserved).toHaveLength(10);
    expect(slack.messages('C0INCIDENTS')).toHaveLength(2);
  });

  it('waits a 429 out for its Retry-After, then retries and succeeds', async () => {
    const p = poster();
    slack.rateLimitNext(1, 1, 'chat.postMessage');
    const started = Date.now();
    const posted = await p.post('C0INCIDENTS', { text: 'after the limit', blocks: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const calls = slack.calls('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.time - calls[0]!.time).toBeGreaterThanOrEqual(1000);
    expect(slack.latest('C0INCIDENTS')).toMatchObject({ ts: posted.ts, text: 'after the limit' });
    expect(p.stats().rateLimited).toBe(1);
  });

  it('surfaces Slack errors', async () => {
    await expect(poster().post('nowhere', { text: 'x', blocks: [] })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(poster({ token: 'xoxp-user-token' }).post('C0INCIDENTS', { text: 'x', blocks: [] })).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
  });

  it('reports 429s and failed calls to its observer, as Slack API metrics (by method and error)', async () => {
    const seen: string[] = [];
    const observer = {
      failed: (method: string, error: string) => void seen.push(`failed ${method} ${error}`),
      rateLimited: (method: string, retryAfter: number) => void seen.push(`429 ${method} ${retryAfter}s`),
    };
    const p = poster({ observer });
    slack.rateLimitNext(1, 1, 'chat.postMessage');
    await p.post('C0INCIDENTS', { text: 'after the limit', blocks: [] });
    await expect(p.post('nowhere', { text: 'x', blocks: [] })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(p.update('C0INCIDENTS', '1.000001', { text: 'x', blocks: [] })).rejects.toThrow();
    expect(seen).toEqual([
      '429 chat.postMessage 1s',
      'failed chat.postMessage channel_not_found',
      expect.stringMatching(/^failed chat\.update [a-z_]+$/),
    ]);

    // Through Powertools: one EMF record per call, with its own dimensions.
    const records: { dimensions: Record<string, string>; name: string }[] = [];
    const sink = {
      singleMetric: () => {
        let dimensions: Record<string, string> = {};
        return {
          addDimensions: (d: Record<string, string>) => void (dimensions = d),
          addMetric: (name: string) => void records.push({ dimensions, name }),
        };
      },
    };
    const metrics = slackCallMetrics(sink as never);
    metrics.failed('chat.postMessage', 'channel_not_found');
    metrics.rateLimited('chat.update', 3);
    expect(records).toEqual([
      { name: 'SlackApiErrors', dimensions: { Method: 'chat.postMessage', Error: 'channel_not_found' } },
      { name: 'SlackRateLimited', dimensions: { Method: 'chat.update' } },
    ]);
  });

  it('keeps error codes a bounded vocabulary', () => {
    expect(slackErrorCode({ data: { error: 'not_in_channel' } })).toBe('not_in_channel');
    expect(slackErrorCode({ code: 'slack_webapi_request_error' })).toBe('slack_webapi_request_error');
    expect(slackErrorCode({ data: { error: 'Evil <!channel> "x"' } })).toBe('unknown');
    expect(slackErrorCode(undefined)).toBe('unknown');
  });
});
