import { ErrorCode, type WebClient } from '@slack/web-api';
import { slackErrorCode } from './slack-poster.ts';

/** Slack said no (`{ ok: false, error }`). */
type SlackRefusal = { readonly ok: false; readonly error: string };

/** Invitation answers that mean the person is (or needs not be) in the channel already. */
const ALREADY_THERE = new Set(['already_in_channel', 'cant_invite_self']);

/**
 * Incident channels (the workflow's SlackConversationsPort, structurally) through the Web API client (the poster's, so calls are observed and retried the
 * same way): Slack's refusals come back as values, transport failures are thrown so the delivery retries.
 */
export class SlackConversations {
  constructor(private readonly client: WebClient) {}

  async create(name: string): Promise<{ ok: true; channel: string } | SlackRefusal> {
    try {
      const result = await this.client.conversations.create({ name, is_private: false });
      if (!result.channel?.id) return { ok: false, error: 'no_channel_id' };
      return { ok: true, channel: result.channel.id };
    } catch (error) {
      return refusal(error);
    }
  }

  async invite(channel: string, users: readonly string[]): Promise<{ failed: { user: string; error: string }[] }> {
    if (!users.length) return { failed: [] };
    try {
      await this.client.conversations.invite({ channel, users: users.join(','), force: true });
      return { failed: [] };
    } catch (error) {
      const { error: code } = refusal(error);
      const perUser = (error as { data?: { errors?: unknown } }).data?.errors;
      const failed = Array.isArray(perUser)
        ? (perUser as Array<{ user?: unknown; error?: unknown }>).map((e) => ({
            user: typeof e.user === 'string' ? e.user : '',
            error: typeof e.error === 'string' ? e.error : code,
          }))
        : users.map((user) => ({ user, error: code }));
      return { failed: failed.filter((f) => !ALREADY_THERE.has(f.error)) };
    }
  }

  async archive(channel: string): Promise<{ ok: true } | SlackRefusal> {
    try {
      await this.client.conversations.archive({ channel });
      return { ok: true };
    } catch (error) {
      const refused = refusal(error);
      return refused.error === 'already_archived' ? { ok: true } : refused;
    }
  }
}

/** Slack said no (`{ ok: false, error }`): its code. Anything else (network, 5xx after retries) is rethrown. */
function refusal(error: unknown): SlackRefusal {
  if ((error as { code?: unknown }).code !== ErrorCode.PlatformError) throw error;
  return { ok: false, error: slackErrorCode(error) };
}
