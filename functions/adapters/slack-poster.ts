import {
  WebClient,
  WebClientEvent,
  type ChatPostEphemeralArguments,
  type ChatPostMessageArguments,
  type ChatUpdateArguments,
  type Logger,
  type RetryOptions,
} from '@slack/web-api';

/** A text file to share in a thread (implements the use cases' SlackFilesPort structurally). */
export interface SlackFile {
  readonly filename: string;
  readonly title: string;
  readonly content: string;
  readonly comment: string;
}

/** What the poster sends: `messages.ts` builds these (Block Kit as plain objects). */
export interface SlackPostable {
  readonly text: string;
  readonly blocks?: readonly object[];
}

export interface SlackPosterOptions {
  /** The bot token (`xoxb-…`). */
  readonly token: string;
  /** `https://slack.com/api/` by default; tests point it at the local stand-in. */
  readonly slackApiUrl?: string;
  /** Slack allows about one message per second per channel: the spacing between posts to one channel. */
  readonly minPostIntervalMs?: number;
  /**
   * Retries of failed calls (network errors, 5xx, and 429 after waiting Retry-After). The default
   * keeps a Lambda invocation bounded: 3 retries, 0.5 s to 4 s apart, on top of any Retry-After.
   */
  readonly retryConfig?: RetryOptions;
  /** Per-request timeout; 10 s by default. */
  readonly timeoutMs?: number;
  /** The Web API client's logger (it logs rate limiting at info, Slack errors at error). */
  readonly logger?: Logger;
  /**
   * Slots shared across processes (`DynamoChannelSlots`): with them, posts to one channel are spaced
   * across every concurrent instance, not only within this one.
   */
  readonly sharedSlots?: { reserve(channel: string, now: number, intervalMs: number): Promise<number> };
  /** Told of every failed call and every 429 the client waited out (the Slack API metrics of the dashboard). */
  readonly observer?: SlackCallObserver;
  /** Injectable clock and sleep for the pacing gate (tests use a virtual clock). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SlackCallObserver {
  /** A call failed for good (after the client's retries): `error` is Slack's code (`channel_not_found`) or the client's. */
  failed(method: string, error: string): void;
  /** Slack answered 429; the client waits `retryAfterSeconds` and retries. */
  rateLimited(method: string, retryAfterSeconds: number): void;
}

export interface SlackPosterStats {
  /** Calls per Web API method (`chat.postMessage`, `chat.update`, `chat.postEphemeral`). */
  readonly calls: Record<string, number>;
  /** Calls per channel and method. */
  readonly channels: Record<string, Record<string, number>>;
  /** 429 answers the client waited out (Retry-After) and retried. */
  readonly rateLimited: number;
  /** Posts the pacing gate held back, and for how long in total. */
  readonly paced: number;
  readonly pacedMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 4000, randomize: true };

/**
 * Shared slots are the interval plus this apart, and a call may go out at most SLOT_LATENESS_MS after
 * its slot: two calls to a channel are then at least the interval plus 100 ms apart when they leave,
 * room for one HTTP call taking longer than the other to reach Slack.
 */
const SLOT_SPARE_MS = 250;
const SLOT_LATENESS_MS = 150;
/** Slots missed in a row (a slow table, a starved process) before a call gives up and its delivery is retried. */
const MAX_MISSED_SLOTS = 10;

/**
 * Posts and updates Slack messages through the official Web API client, within Slack's limits:
 * calls to one channel are spaced (about one per second; across instances with `sharedSlots`), and a 429 is waited out for
 * its Retry-After and retried by the client (`rejectRateLimitedCalls: false`). Links are never
 * unfurled and names never linked, so untrusted text cannot fetch or ping anything.
 */
export class SlackPoster {
  readonly client: WebClient;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The next free posting slot (ms) per channel. */
  private readonly slots = new Map<string, number>();
  private readonly sharedSlots: SlackPosterOptions['sharedSlots'];
  private readonly counts = {
    calls: {} as Record<string, number>,
    channels: {} as Record<string, Record<string, number>>,
    rateLimited: 0,
    paced: 0,
    pacedMs: 0,
  };

  constructor(options: SlackPosterOptions) {
    this.interval = options.minPostIntervalMs ?? 1000;
    this.sharedSlots = options.sharedSlots;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.client = new ObservedWebClient(options.observer, options.token, {
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
      retryConfig: options.retryConfig ?? DEFAULT_RETRY,
      rejectRateLimitedCalls: false,
      timeout: options.timeoutMs ?? 10_000,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.client.on(WebClientEvent.RATE_LIMITED, (retryAfterSeconds: number, request?: { url?: string }) => {
      this.counts.rateLimited += 1;
      options.observer?.rateLimited(methodOf(request?.url), retryAfterSeconds);
    });
  }

  /** Posts a message (in a thread with `threadTs`) once the channel's pacing slot comes. */
  async post(
    channel: string,
    message: SlackPostable,
    options: { threadTs?: string } = {},
  ): Promise<{ channel: string; ts: string }> {
    await this.pace(channel);
    this.count('chat.postMessage', channel);
    const result = await this.client.chat.postMessage({
      channel,
      text: message.text,
      ...(message.blocks?.length ? { blocks: message.blocks } : {}),
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
      link_names: false,
    } as unknown as ChatPostMessageArguments);
    if (!result.ts) throw new Error(`chat.postMessage to ${channel} returned no ts`);
    return { channel: result.channel ?? channel, ts: result.ts };
  }

  /** Replaces a message in place (how storms stay one message). */
  async update(channel: string, ts: string, message: SlackPostable): Promise<{ channel: string; ts: string }> {
    // An update is a call to the channel like a post: it takes the channel's slot too.
    await this.pace(channel);
    this.count('chat.update', channel);
    const result = await this.client.chat.update({
      channel,
      ts,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      link_names: false,
    } as unknown as ChatUpdateArguments);
    return { channel: result.channel ?? channel, ts: result.ts ?? ts };
  }

  /** A message only `user` sees in `channel`. The text should already be safe (see `ephemeral()` in messages.ts). */
  async postEphemeral(channel: string, user: string, text: string): Promise<{ messageTs?: string }> {
    this.count('chat.postEphemeral', channel);
    const result = await this.client.chat.postEphemeral({
      channel,
      user,
      text,
      link_names: false,
    } satisfies ChatPostEphemeralArguments);
    return result.message_ts ? { messageTs: result.message_ts } : {};
  }

  /**
   * Shares a text file in a thread through the client's `filesUploadV2` (files.getUploadURLExternal,
   * the upload itself, files.completeUploadExternal), paced like a post: it appears as a message.
   */
  async uploadFile(channel: string, threadTs: string, file: SlackFile): Promise<void> {
    await this.pace(channel);
    this.count('files.uploadV2', channel);
    await this.client.filesUploadV2({
      channel_id: channel,
      thread_ts: threadTs,
      filename: file.filename,
      title: file.title,
      content: file.content,
      initial_comment: file.comment,
    });
  }

  /** A snapshot of the counters (for the bench and tests). */
  stats(): SlackPosterStats {
    return {
      calls: { ...this.counts.calls },
      channels: Object.fromEntries(Object.entries(this.counts.channels).map(([c, m]) => [c, { ...m }])),
      rateLimited: this.counts.rateLimited,
      paced: this.counts.paced,
      pacedMs: this.counts.pacedMs,
    };
  }

  /** Reserves the channel's next slot synchronously (so concurrent posts queue in call order), then waits for it. */
  private async pace(channel: string): Promise<void> {
    const local = Math.max(this.now(), this.slots.get(channel) ?? 0);
    this.slots.set(channel, local + this.interval);
    const now = this.now();
    if (this.slots.size > 1000) for (const [c, next] of this.slots) if (next <= now) this.slots.delete(c);
    if (!this.sharedSlots) return this.waitUntil(local);
    // The shared slot orders this process's calls among every instance's. Slots are spaced by the
    // interval plus an allowance, and a call goes out only within that allowance of its slot, so calls
    // to a channel stay at least the interval apart whoever makes them. A slot missed (passed while it
    // was reserved, or this process woke too late) is left empty and a later one taken; a round trip
    // that outlasted its slot asks that far ahead the next time.
    let lead = 0;
    for (let attempt = 0; attempt < MAX_MISSED_SLOTS; attempt++) {
      const asked = this.now();
      const slot = await this.sharedSlots.reserve(channel, Math.max(local, asked + lead), this.interval + SLOT_SPARE_MS);
      if (this.now() <= slot + SLOT_LATENESS_MS) {
        await this.waitUntil(slot);
        if (this.now() <= slot + SLOT_LATENESS_MS) return;
      }
      lead = Math.max(lead, this.now() - asked);
    }
    throw new Error(`missed ${MAX_MISSED_SLOTS} Slack slots in a row for ${channel}; the delivery will be retried`);
  }

  private async waitUntil(at: number): Promise<void> {
    const wait = at - this.now();
    if (wait <= 0) return;
    this.counts.paced += 1;
    this.counts.pacedMs += wait;
    await this.sleep(wait);
  }

  private count(method: string, channel: string): void {
    this.counts.calls[method] = (this.counts.calls[method] ?? 0) + 1;
    const perChannel = (this.counts.channels[channel] ??= {});
    perChannel[method] = (perChannel[method] ?? 0) + 1;
  }
}

/**
 * The Web API client, reporting each call that fails for good to the observer. Every method of the
 * client (chat.*, files.*, the calls inside filesUploadV2) goes through `apiCall`.
 */
class ObservedWebClient extends WebClient {
  constructor(
    private readonly observer: SlackCallObserver | undefined,
    ...args: ConstructorParameters<typeof WebClient>
  ) {
    super(...args);
  }

  override async apiCall(method: string, options?: Record<string, unknown>): ReturnType<WebClient['apiCall']> {
    try {
      return await super.apiCall(method, options);
    } catch (error) {
      this.observer?.failed(method, slackErrorCode(error));
      throw error;
    }
  }
}

/** Slack's own error code (`channel_not_found`) or the client's (`slack_webapi_request_error`); a bounded vocabulary. */
export function slackErrorCode(error: unknown): string {
  const e = error as { code?: unknown; data?: { error?: unknown } } | undefined;
  const code = typeof e?.data?.error === 'string' ? e.data.error : typeof e?.code === 'string' ? e.code : 'unknown';
  return /^[a-z_]{1,60}$/.test(code) ? code : 'unknown';
}

/** `https://slack.com/api/chat.postMessage` -> `chat.postMessage`. */
function methodOf(url: string | undefined): string {
  const method = url?.split('?')[0]?.split('/').pop() ?? '';
  return /^[a-zA-Z.]{1,60}$/.test(method) ? method : 'unknown';
}
