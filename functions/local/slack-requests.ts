import { createHmac, randomUUID } from 'node:crypto';
import type { AwsEventV2 } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';

/** What Slack would send: the same form encoding, headers and HMAC-SHA256 signature. */
export function signedSlackRequest(input: {
  signingSecret: string;
  form: Record<string, string>;
  timestamp?: number;
  signature?: string;
}): AwsEventV2 {
  const body = new URLSearchParams(input.form).toString();
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    input.signature ?? `v0=${createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    },
    requestContext: { http: { method: 'POST', path: '/slack/events', sourceIp: '127.0.0.1' }, requestId: randomUUID() },
    body,
    isBase64Encoded: false,
  };
}

export interface SlackUserContext {
  readonly userId: string;
  readonly teamId: string;
  readonly appId: string;
  readonly channelId: string;
  readonly responseUrl: string;
}

/** The form fields of a `/firebreak` slash command. */
export function slashCommandForm(user: SlackUserContext, text: string): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: user.teamId,
    team_domain: 'firebreak-drill',
    channel_id: user.channelId,
    channel_name: 'incidents',
    user_id: user.userId,
    user_name: user.userId.toLowerCase(),
    command: '/firebreak',
    text,
    api_app_id: user.appId,
    is_enterprise_install: 'false',
    response_url: user.responseUrl,
    trigger_id: `${Date.now()}.${randomUUID()}`,
  };
}

/** The form of a Block Kit button click (`block_actions`). */
export function buttonClickForm(
  user: SlackUserContext,
  click: { actionId: string; value: string; messageTs: string; channelId: string },
): Record<string, string> {
  const payload = {
    type: 'block_actions',
    user: { id: user.userId, username: user.userId.toLowerCase(), team_id: user.teamId },
    api_app_id: user.appId,
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: click.messageTs, channel_id: click.channelId, is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomUUID()}`,
    team: { id: user.teamId, domain: 'firebreak-drill' },
    channel: { id: click.channelId, name: 'incidents' },
    message: { ts: click.messageTs, type: 'message' },
    response_url: user.responseUrl,
    actions: [
      {
        action_id: click.actionId,
        block_id: 'actions',
        value: click.value,
        type: 'button',
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return { payload: JSON.stringify(payload) };
}
