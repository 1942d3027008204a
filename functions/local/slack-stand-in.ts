import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel, type Logger } from '@slack/web-api';
import { SLACK_USER_ID_SHAPE } from '../core/ids.ts';
import { contentOf } from './block-kit-check.ts';
import { readBody, send, uploadedBytes, withoutToken } from './slack-http.ts';
import { ConversationsStandIn } from './conversations-stand-in.ts';

/**
 * A local stand-in for the Slack Web API, for tests, drills and the bench: the real `@slack/web-api` client talks to it
 * through `slackApiUrl`. It implements `chat.postMessage`, `chat.update`, `chat.postEphemeral`, `auth.test`,
 * `conversations.create`, `.invite` and `.archive` (conversations-stand-in.ts), file sharing (`files.getUploadURLExternal`,
 * `POST /upload/<file id>`, `files.completeUploadExternal`), plus `POST /response/<id>` as a slash command or
 * interactivity `response_url`. Like Slack it takes JSON or form-encoded bodies, wants a bot token (`Bearer xoxb-…`),
 * answers HTTP 200 with `{ ok, … }` (errors as `{ ok: false, error }`), checks the Block Kit limits Firebreak relies on,
 * and can be told to answer with 429 + Retry-After.
 */

export interface StandInCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  /** ms since the epoch, from the stand-in's clock. */
  readonly time: number;
  /** HTTP status of the answer (200, or 429 when rate limited). */
  readonly status: number;
  /** The `error` of an `{ ok: false }` answer. */
  readonly error?: string;
}

export interface StandInMessage {
  readonly channel: string;
  readonly ts: string;
  readonly thread_ts?: string;
  readonly text: string;
  readonly blocks: object[];
  /** When it was posted, and how many times it has been updated since. */
  readonly postedAt: number;
  readonly updates: number;
  readonly updatedAt?: number;
}

export interface StandInEphemeral {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  readonly blocks: object[];
  readonly messageTs: string;
  readonly time: number;
}

/** A file shared with files.completeUploadExternal; it also appears as a message with its comment. */
export interface StandInFile {
  readonly id: string;
  readonly channel: string;
  readonly thread_ts?: string;
  readonly filename: string;
  readonly title: string;
  readonly content: string;
  readonly comment: string;
}

export interface StandInResponse {
  /** The id in `/response/<id>`. */
  readonly id: string;
  readonly body: Record<string, unknown>;
  readonly responseType: 'ephemeral' | 'in_channel';
  readonly time: number;
}

export interface SlackStandInOptions {
  /** Channels that exist; by default any id that looks like a channel (`C…`, `G…`, `D…`). */
  readonly channels?: readonly string[];
  readonly teamId?: string;
  readonly botUserId?: string;
  /** The clock recorded with calls and used for message timestamps; `Date.now` by default. */
  readonly now?: () => number;
}

/** A `WebClient` logger that stays quiet (tests and drills expect Slack errors; they assert on them). */
export const quietSlackLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

const BOT = { user: 'U0FIREBOT01', bot: 'B0FIREBOT01' };

export class SlackStandIn {
  /** `http://127.0.0.1:<port>/api/`: the `slackApiUrl` for `WebClient`. */
  readonly url: string;
  private readonly origin: string;
  private readonly recorded: StandInCall[] = [];
  /** Messages in posting order; updates replace in place. */
  private readonly stored: StandInMessage[] = [];
  private readonly ephemerals: StandInEphemeral[] = [];
  private readonly responseLog: StandInResponse[] = [];
  /** Uploads announced by files.getUploadURLExternal, by file id; content once uploaded. */
  private readonly uploads = new Map<string, { filename: string; length: number; content?: string }>();
  private readonly sharedFiles: StandInFile[] = [];
  private rateLimits: { remaining: number; retryAfter: number; method?: string } = { remaining: 0, retryAfter: 1 };
  private lastTs = 0;
  private readonly now: () => number;
  readonly conversations: ConversationsStandIn;
  readonly botUserId: string;

  private constructor(
    private readonly server: Server,
    private readonly options: SlackStandInOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.url = `${this.origin}/api/`;
    this.now = options.now ?? Date.now;
    this.botUserId = options.botUserId ?? BOT.user;
    this.conversations = new ConversationsStandIn(this.botUserId, this.now);
  }

  /** Starts a stand-in on 127.0.0.1 and a free port. */
  static async start(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
    const holder: { standIn?: SlackStandIn } = {};
    const server = createServer((req, res) => {
      if (!holder.standIn) return send(res, 503, { ok: false, error: 'service_unavailable' });
      holder.standIn
        .handle(req, res)
        .catch((error: unknown) => send(res, 500, { ok: false, error: 'internal_error', detail: String(error) }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    holder.standIn = new SlackStandIn(server, options);
    return holder.standIn;
  }

  /** A `response_url` served by this stand-in. */
  responseUrl(id: string): string {
    return `${this.origin}/response/${encodeURIComponent(id)}`;
  }

  /** Answers the next `count` API calls (of `method`, if given) with HTTP 429 and `Retry-After: retryAfterSeconds`. */
  rateLimitNext(count: number, retryAfterSeconds = 1, method?: string): void {
    this.rateLimits = { remaining: count, retryAfter: retryAfterSeconds, ...(method ? { method } : {}) };
  }

  /** Every Web API call received, in order (optionally one method only). */
  calls(method?: string): StandInCall[] {
    return this.recorded.filter((c) => !method || c.method === method);
  }

  /** Current messages (after updates), in posting order, optionally in one channel. Ephemerals are not messages. */
  messages(channel?: string): StandInMessage[] {
    return this.stored.filter((m) => !channel || m.channel === channel);
  }

  /** The most recently posted message in a channel, or the latest one matching a predicate. */
  latest(channelOrPredicate: string | ((message: StandInMessage) => boolean)): StandInMessage | undefined {
    const match =
      typeof channelOrPredicate === 'string' ? (m: StandInMessage) => m.channel === channelOrPredicate : channelOrPredicate;
    return this.stored.findLast(match);
  }

  /** The replies in the thread of `ts` (without the parent), oldest first. */
  thread(channel: string, ts: string): StandInMessage[] {
    return this.stored.filter((m) => m.channel === channel && m.thread_ts === ts && m.ts !== ts);
  }

  /** Ephemeral messages sent with `chat.postEphemeral`. */
  ephemeral(channel?: string): StandInEphemeral[] {
    return this.ephemerals.filter((e) => !channel || e.channel === channel);
  }

  /** Files shared with files.completeUploadExternal, in order (optionally in one channel). */
  files(channel?: string): StandInFile[] {
    return this.sharedFiles.filter((f) => !channel || f.channel === channel);
  }

  /** Bodies posted to `response_url`s, in order (optionally for one id). */
  responses(id?: string): StandInResponse[] {
    return this.responseLog.filter((r) => !id || r.id === id);
  }

  /** Forgets every call, message and response (the server keeps running). */
  reset(): void {
    this.recorded.length = 0;
    this.stored.length = 0;
    this.ephemerals.length = 0;
    this.responseLog.length = 0;
    this.uploads.clear();
    this.sharedFiles.length = 0;
    this.rateLimits = { remaining: 0, retryAfter: 1 };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.origin).pathname;
    if (req.method !== 'POST') return send(res, 405, { ok: false, error: 'method_not_allowed' });
    const upload = /^\/upload\/([A-Z0-9]+)$/.exec(path);
    if (upload) return this.receiveUpload(upload[1]!, await uploadedBytes(req), res);
    const body = await readBody(req);

    const response = /^\/response\/([^/]+)$/.exec(path);
    if (response) {
      const responseType = body.response_type === 'in_channel' ? 'in_channel' : 'ephemeral';
      this.responseLog.push({ id: decodeURIComponent(response[1]!), body, responseType, time: this.now() });
      return send(res, 200, { ok: true });
    }

    const api = /^\/api\/([A-Za-z.]+)$/.exec(path);
    if (!api) return send(res, 404, { ok: false, error: 'not_found' });
    const method = api[1]!;
    const record = (status: number, error?: string) =>
      this.recorded.push({ method, args: withoutToken(body), time: this.now(), status, ...(error ? { error } : {}) });

    if (this.rateLimits.remaining > 0 && (!this.rateLimits.method || this.rateLimits.method === method)) {
      this.rateLimits.remaining -= 1;
      record(429, 'ratelimited');
      return send(res, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(this.rateLimits.retryAfter) });
    }

    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1] ?? (typeof body.token === 'string' ? body.token : undefined);
    const fail = (error: string, extra: Record<string, unknown> = {}) => {
      record(200, error);
      send(res, 200, { ok: false, error, ...extra });
    };
    if (!token) return fail('not_authed');
    if (!token.startsWith('xoxb-')) return fail('invalid_auth');

    const result = this.call(method, body);
    if ('error' in result) return fail(result.error, result.extra);
    record(200);
    send(res, 200, { ok: true, ...result.ok });
  }

  private call(
    method: string,
    args: Record<string, unknown>,
  ): { ok: Record<string, unknown> } | { error: string; extra?: Record<string, unknown> } {
    if (method.startsWith('conversations.')) return this.conversations.call(method, args);
    if ((method === 'chat.postMessage' || method === 'chat.update') && this.conversations.isArchived(args.channel))
      return { error: 'is_archived' };
    switch (method) {
      case 'auth.test':
        return {
          ok: {
            url: 'https://firebreak-drill.slack.com/',
            team: 'Firebreak drill',
            user: 'firebreak',
            team_id: this.options.teamId ?? 'T0FIREBRK01',
            user_id: this.options.botUserId ?? BOT.user,
            bot_id: BOT.bot,
          },
        };
      case 'chat.postMessage': {
        const channel = this.channelOf(args);
        if (!channel) return { error: 'channel_not_found' };
        const content = contentOf(args);
        if ('error' in content) return content;
        const threadTs = typeof args.thread_ts === 'string' && args.thread_ts ? args.thread_ts : undefined;
        const message: StandInMessage = {
          channel,
          ts: this.nextTs(),
          text: content.text,
          blocks: content.blocks,
          postedAt: this.now(),
          updates: 0,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        };
        this.stored.push(message);
        return { ok: { channel, ts: message.ts, message: slackShaped(message) } };
      }
      case 'chat.update': {
        const channel = this.channelOf(args);
        if (!channel) return { error: 'channel_not_found' };
        const index = this.stored.findIndex((m) => m.channel === channel && m.ts === args.ts);
        if (index < 0) return { error: 'message_not_found' };
        const content = contentOf(args);
        if ('error' in content) return content;
        const previous = this.stored[index]!;
        const updated: StandInMessage = {
          ...previous,
          text: content.text,
          blocks: content.blocks,
          updates: previous.updates + 1,
          updatedAt: this.now(),
        };
        this.stored[index] = updated;
        return { ok: { channel, ts: updated.ts, text: updated.text, message: slackShaped(updated) } };
      }
      case 'chat.postEphemeral': {
        const channel = this.channelOf(args);
        if (!channel) return { error: 'channel_not_found' };
        if (typeof args.user !== 'string' || !SLACK_USER_ID_SHAPE.test(args.user)) return { error: 'user_not_found' };
        const content = contentOf(args);
        if ('error' in content) return content;
        const messageTs = this.nextTs();
        this.ephemerals.push({
          channel,
          user: args.user,
          text: content.text,
          blocks: content.blocks,
          messageTs,
          time: this.now(),
        });
        return { ok: { message_ts: messageTs } };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (typeof args.filename !== 'string' || !args.filename) return { error: 'invalid_arguments' };
        if (!Number.isInteger(length) || length < 1) return { error: 'invalid_arguments' };
        const fileId = `F${String(this.uploads.size + 1).padStart(10, '0')}`;
        this.uploads.set(fileId, { filename: args.filename, length });
        return { ok: { upload_url: `${this.origin}/upload/${fileId}`, file_id: fileId } };
      }
      case 'files.completeUploadExternal': {
        const files = typeof args.files === 'string' ? (JSON.parse(args.files) as unknown) : args.files;
        if (!Array.isArray(files) || files.length === 0) return { error: 'invalid_arguments' };
        const channel = this.channelOf({ channel: args.channel_id });
        if (args.channel_id !== undefined && !channel) return { error: 'channel_not_found' };
        const threadTs = typeof args.thread_ts === 'string' && args.thread_ts ? args.thread_ts : undefined;
        const comment = typeof args.initial_comment === 'string' ? args.initial_comment : '';
        const done: Array<{ id: string; title: string }> = [];
        for (const file of files as Array<{ id?: unknown; title?: unknown }>) {
          const uploaded = typeof file.id === 'string' ? this.uploads.get(file.id) : undefined;
          if (!uploaded?.content) return { error: 'file_not_found' };
          done.push({ id: file.id as string, title: typeof file.title === 'string' ? file.title : uploaded.filename });
        }
        for (const file of done) {
          const { filename, content } = this.uploads.get(file.id)!;
          this.uploads.delete(file.id);
          if (channel)
            this.sharedFiles.push({
              id: file.id,
              channel,
              filename,
              title: file.title,
              content: content!,
              comment,
              ...(threadTs ? { thread_ts: threadTs } : {}),
            });
        }
        if (channel)
          this.stored.push({
            channel,
            ts: this.nextTs(),
            text: comment || done.map((f) => f.title).join(', '),
            blocks: [],
            postedAt: this.now(),
            updates: 0,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          });
        return { ok: { files: done } };
      }
      default:
        return { error: 'unknown_method' };
    }
  }

  /** The upload step: the bytes must be exactly the length announced, like Slack checks. */
  private receiveUpload(fileId: string, content: Buffer, res: ServerResponse): void {
    const upload = this.uploads.get(fileId);
    if (!upload) return void res.writeHead(404).end('file not found');
    if (content.length !== upload.length) return void res.writeHead(400).end('length mismatch');
    upload.content = content.toString('utf8');
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`OK - ${content.length}`);
  }

  private channelOf(args: Record<string, unknown>): string | undefined {
    const channel = typeof args.channel === 'string' ? args.channel : '';
    if (this.conversations.exists(channel)) return channel;
    if (this.options.channels) return this.options.channels.includes(channel) ? channel : undefined;
    return /^[CGD][A-Z0-9]{2,}$/.test(channel) ? channel : undefined;
  }

  /** Slack timestamps: `<seconds>.<6 digits>`, unique and increasing. */
  private nextTs(): string {
    this.lastTs = Math.max(this.lastTs + 1, this.now() * 1000);
    return `${Math.floor(this.lastTs / 1e6)}.${String(this.lastTs % 1e6).padStart(6, '0')}`;
  }
}

const slackShaped = (m: StandInMessage) => ({
  type: 'message',
  user: BOT.user,
  bot_id: BOT.bot,
  text: m.text,
  blocks: m.blocks,
  ts: m.ts,
  ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
  ...(m.updates ? { edited: { user: BOT.user, ts: m.ts } } : {}),
});
