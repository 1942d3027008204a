/** The incident channel calls through the real Web API client against the stand-in, with Slack's error shapes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackConversations } from '../../functions/adapters/slack-conversations.ts';
import { SlackPoster } from '../../functions/adapters/slack-poster.ts';
import { quietSlackLogger, SlackStandIn } from '../../functions/local/slack-stand-in.ts';

let slack: SlackStandIn;
let conversations: SlackConversations;
let poster: SlackPoster;

beforeAll(async () => {
  slack = await SlackStandIn.start();
  poster = new SlackPoster({
    token: 'xoxb-conversations-test',
    slackApiUrl: slack.url,
    retryConfig: { retries: 0 },
    logger: quietSlackLogger,
    minPostIntervalMs: 0,
  });
  conversations = new SlackConversations(poster.client);
});
afterAll(() => slack.close());

describe('SlackConversations', () => {
  it('creates a public channel, and returns Slack\u2019s refusals as values', async () => {
    const created = await conversations.create('inc-20261123-cpu');
    expect(created).toEqual({ ok: true, channel: 'C0INC000001' });
    expect(slack.calls('conversations.create').at(-1)!.args).toEqual({ name: 'inc-20261123-cpu', is_private: 'false' });
    expect(await conversations.create('inc-20261123-cpu')).toEqual({ ok: false, error: 'name_taken' });
    expect(await conversations.create('Inc 2026 <!channel>')).toEqual({ ok: false, error: 'invalid_name_specials' });
    expect(await conversations.create('x'.repeat(81))).toEqual({ ok: false, error: 'invalid_name_maxlength' });
  });

  it('invites the valid users, counts already-there as done, and returns each refused one with its error', async () => {
    const { channel } = (await conversations.create('inc-20261123-invites')) as { channel: string };
    expect(await conversations.invite(channel, ['U0CTO000001', 'U0SENIOR001'])).toEqual({ failed: [] });
    expect(await conversations.invite(channel, [])).toEqual({ failed: [] });
    // Again, with the bot itself and an id that is no user: only the latter is a problem.
    expect(await conversations.invite(channel, ['U0CTO000001', 'U0FIREBOT01', 'bogus', 'U0SENIOR002'])).toEqual({
      failed: [{ user: 'bogus', error: 'user_not_found' }],
    });
    expect(slack.conversations.channels().find((c) => c.id === channel)!.members).toEqual([
      'U0FIREBOT01',
      'U0CTO000001',
      'U0SENIOR001',
      'U0SENIOR002',
    ]);
  });

  it('archives once; already_archived counts as done; an archived channel takes no invitation or message', async () => {
    const { channel } = (await conversations.create('inc-20261123-archive')) as { channel: string };
    expect(await conversations.archive(channel)).toEqual({ ok: true });
    expect(await conversations.archive(channel)).toEqual({ ok: true });
    expect(
      slack
        .calls('conversations.archive')
        .slice(-2)
        .map((c) => c.error),
    ).toEqual([undefined, 'already_archived']);
    expect(await conversations.invite(channel, ['U0CTO000001'])).toEqual({
      failed: [{ user: 'U0CTO000001', error: 'is_archived' }],
    });
    await expect(poster.post(channel, { text: 'too late' })).rejects.toMatchObject({ data: { error: 'is_archived' } });
    expect(await conversations.archive('C0NOSUCH01')).toEqual({ ok: false, error: 'channel_not_found' });
  });

  it('throws when Slack cannot be reached, so the delivery is retried rather than falling back', async () => {
    const unreachable = new SlackConversations(
      new SlackPoster({
        token: 'xoxb-x',
        slackApiUrl: 'http://127.0.0.1:1/api/',
        retryConfig: { retries: 0 },
        logger: quietSlackLogger,
      }).client,
    );
    await expect(unreachable.create('inc-20261123-down')).rejects.toThrow();
    await expect(unreachable.invite('C0INC000001', ['U0CTO000001'])).rejects.toThrow();
    await expect(unreachable.archive('C0INC000001')).rejects.toThrow();
  });
});
