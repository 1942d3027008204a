import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { quietSlackLogger, SlackStandIn } from '../../functions/local/slack-stand-in.ts';

const TOKEN = 'xoxb-test-token';
let slack: SlackStandIn;
let client: WebClient;

beforeAll(async () => {
  slack = await SlackStandIn.start();
  client = new WebClient(TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logger: quietSlackLogger });
});
afterAll(() => slack.close());
beforeEach(() => slack.reset());

async function raw(
  method: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${slack.url}${method}`, { method: 'POST', body, headers });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

describe('Slack Web API stand-in', () => {
  it('listens on 127.0.0.1 and answers auth.test for a bot token', async () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const result = await client.auth.test();
    expect(result).toMatchObject({ ok: true, team_id: 'T0FIREBRK01', bot_id: expect.any(String) });
    expect(slack.calls('auth.test')).toHaveLength(1);
  });

  it('posts, threads and updates messages, keeping them by channel and ts (real WebClient, form-encoded)', async () => {
    const parent = await client.chat.postMessage({
      channel: 'C0INCIDENTS',
      text: 'incident',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'v1' } }],
    });
    expect(parent).toMatchObject({
      ok: true,
      channel: 'C0INCIDENTS',
      ts: expect.stringMatching(/^\d+\.\d{6}$/),
      message: { text: 'incident' },
    });
    const reply = await client.chat.postMessage({ channel: 'C0INCIDENTS', text: 'reply', thread_ts: parent.ts! });
    await client.chat.postMessage({ channel: 'C0OTHER0001', text: 'elsewhere' });
    const updated = await client.chat.update({
      channel: 'C0INCIDENTS',
      ts: parent.ts!,
      text: 'incident v2',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'v2' } }],
    });
    expect(updated).toMatchObject({ ok: true, ts: parent.ts, text: 'incident v2' });

    expect(slack.messages('C0INCIDENTS').map((m) => m.text)).toEqual(['incident v2', 'reply']);
    expect(slack.messages()).toHaveLength(3);
    const stored = slack.messages('C0INCIDENTS')[0]!;
    expect(stored).toMatchObject({
      ts: parent.ts,
      updates: 1,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'v2' } }],
    });
    expect(slack.thread('C0INCIDENTS', parent.ts!).map((m) => [m.ts, m.text, m.thread_ts])).toEqual([
      [reply.ts, 'reply', parent.ts],
    ]);
    expect(slack.latest('C0INCIDENTS')?.text).toBe('reply');
    expect(slack.latest((m) => m.text === 'elsewhere')?.channel).toBe('C0OTHER0001');
    // Blocks are recorded decoded, and the token never is.
    const call = slack.calls('chat.update')[0]!;
    expect(call.args.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'v2' } }]);
    expect(JSON.stringify(slack.calls())).not.toContain(TOKEN);
  });

  it('accepts JSON bodies with a Bearer token, like Slack', async () => {
    const { status, json } = await raw('chat.postMessage', JSON.stringify({ channel: 'C0INCIDENTS', text: 'json body' }), {
      'Content-Type': 'application/json; charset=utf-8',
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ ok: true, channel: 'C0INCIDENTS' });
    expect(slack.latest('C0INCIDENTS')?.text).toBe('json body');
  });

  it('answers errors the Slack way', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    expect((await raw('chat.postMessage', 'channel=C0INCIDENTS&text=hi', form)).json).toEqual({ ok: false, error: 'not_authed' });
    expect(
      (await raw('chat.postMessage', 'channel=C0INCIDENTS&text=hi', { ...form, Authorization: 'Bearer xoxp-user' })).json,
    ).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await raw('chat.postMessage', `channel=C0INCIDENTS&text=hi&token=${TOKEN}`, form)).json).toMatchObject({ ok: true });
    await expect(client.chat.postMessage({ channel: 'not-a-channel', text: 'x' })).rejects.toMatchObject({
      data: { ok: false, error: 'channel_not_found' },
    });
    await expect(client.chat.update({ channel: 'C0INCIDENTS', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    await expect(client.chat.postMessage({ channel: 'C0INCIDENTS', text: '' })).rejects.toMatchObject({
      data: { error: 'no_text' },
    });
    await expect(client.apiCall('chat.delete', { channel: 'C0INCIDENTS', ts: '1.000001' })).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
    expect(
      slack
        .calls()
        .filter((c) => c.error)
        .map((c) => c.error),
    ).toEqual(['not_authed', 'invalid_auth', 'channel_not_found', 'message_not_found', 'no_text', 'unknown_method']);
  });

  it('rejects blocks over the Block Kit limits', async () => {
    await expect(
      client.chat.postMessage({
        channel: 'C0INCIDENTS',
        text: 'x',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    const many = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    await expect(client.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x', blocks: many })).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    expect(slack.messages()).toEqual([]);
  });

  it('records ephemeral messages apart from channel messages', async () => {
    const result = await client.chat.postEphemeral({ channel: 'C0INCIDENTS', user: 'U0SENIOR001', text: 'only you' });
    expect(result).toMatchObject({ ok: true, message_ts: expect.any(String) });
    expect(slack.ephemeral('C0INCIDENTS')).toMatchObject([{ user: 'U0SENIOR001', text: 'only you' }]);
    expect(slack.messages()).toEqual([]);
  });

  it('serves response_url endpoints and records what was sent', async () => {
    const url = slack.responseUrl('cmd-1');
    expect(url).toMatch(/\/response\/cmd-1$/);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'Request MIT-1 created', response_type: 'in_channel' }),
    });
    expect(response.status).toBe(200);
    await fetch(slack.responseUrl('cmd-2'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'Not allowed' }),
    });
    expect(slack.responses().map((r) => [r.id, r.responseType, r.body.text])).toEqual([
      ['cmd-1', 'in_channel', 'Request MIT-1 created'],
      ['cmd-2', 'ephemeral', 'Not allowed'],
    ]);
    expect(slack.responses('cmd-2')).toHaveLength(1);
  });

  it('answers the next calls with 429 and Retry-After when told to', async () => {
    slack.rateLimitNext(2, 3, 'chat.postMessage');
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${TOKEN}` };
    const auth = await raw('auth.test', '', headers);
    expect(auth.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const limited = await raw('chat.postMessage', 'channel=C0INCIDENTS&text=hi', headers);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect(limited.json).toEqual({ ok: false, error: 'ratelimited' });
    }
    expect((await raw('chat.postMessage', 'channel=C0INCIDENTS&text=hi', headers)).status).toBe(200);
    expect(slack.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it('can be limited to known channels', async () => {
    const strict = await SlackStandIn.start({ channels: ['C0INCIDENTS'] });
    try {
      const strictClient = new WebClient(TOKEN, {
        slackApiUrl: strict.url,
        retryConfig: { retries: 0 },
        logger: quietSlackLogger,
      });
      await strictClient.chat.postMessage({ channel: 'C0INCIDENTS', text: 'ok' });
      await expect(strictClient.chat.postMessage({ channel: 'C0UNKNOWN01', text: 'x' })).rejects.toMatchObject({
        data: { error: 'channel_not_found' },
      });
    } finally {
      await strict.close();
    }
  });
});
