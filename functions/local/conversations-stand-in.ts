import { SLACK_USER_ID_SHAPE } from '../core/ids.ts';

/** A channel created with conversations.create, as the stand-in keeps it. */
export interface StandInChannel {
  readonly id: string;
  readonly name: string;
  readonly isPrivate: boolean;
  readonly members: string[];
  archived: boolean;
}

type Answer = { ok: Record<string, unknown> } | { error: string; extra?: Record<string, unknown> };

/** Slack's channel-name rules: lower case letters, digits, `-` and `_`, at most 80 characters. */
const NAME = /^[a-z0-9_-]+$/;

/**
 * The stand-in's `conversations.create`, `conversations.invite` and `conversations.archive`, with
 * Slack's errors (`name_taken`, `invalid_name_*`, `already_in_channel`, `cant_invite_self`,
 * `user_not_found`, `is_archived`, `already_archived`, `channel_not_found`). Names already taken may
 * be seeded to exercise `name_taken`.
 */
export class ConversationsStandIn {
  private readonly byId = new Map<string, StandInChannel>();
  private readonly takenNames = new Set<string>();
  private creationRefusal: string | undefined;

  constructor(
    private readonly botUserId: string,
    private readonly now: () => number,
  ) {}

  /** Channels created so far, in order. */
  channels(): StandInChannel[] {
    return [...this.byId.values()];
  }

  /** Makes a name already taken (by a channel Firebreak does not know). */
  takeName(name: string): void {
    this.takenNames.add(name);
  }

  /** Answers every later conversations.create with this error (a workspace that restricts channel creation). */
  refuseCreation(error: string): void {
    this.creationRefusal = error;
  }

  exists(id: string): boolean {
    return this.byId.has(id);
  }

  isArchived(id: unknown): boolean {
    return typeof id === 'string' && this.byId.get(id)?.archived === true;
  }

  call(method: string, args: Record<string, unknown>): Answer {
    switch (method) {
      case 'conversations.create': {
        const name = typeof args.name === 'string' ? args.name : '';
        if (this.creationRefusal) return { error: this.creationRefusal };
        if (!name) return { error: 'invalid_name_required' };
        if (name.length > 80) return { error: 'invalid_name_maxlength' };
        if (!NAME.test(name)) return { error: 'invalid_name_specials' };
        if (this.takenNames.has(name)) return { error: 'name_taken' };
        const id = `C0INC${String(this.byId.size + 1).padStart(6, '0')}`;
        const isPrivate = args.is_private === true || args.is_private === 'true';
        const channel: StandInChannel = { id, name, isPrivate, members: [this.botUserId], archived: false };
        this.byId.set(id, channel);
        this.takenNames.add(name);
        const created = Math.floor(this.now() / 1000);
        return {
          ok: {
            channel: {
              id,
              name,
              is_channel: !isPrivate,
              is_group: isPrivate,
              is_private: isPrivate,
              is_archived: false,
              created,
              creator: this.botUserId,
            },
          },
        };
      }
      case 'conversations.invite': {
        const channel = this.channelOf(args.channel);
        if (!channel) return { error: 'channel_not_found' };
        if (channel.archived) return { error: 'is_archived' };
        const users = typeof args.users === 'string' ? args.users.split(',').filter(Boolean) : [];
        if (!users.length) return { error: 'no_user' };
        const errors = users.flatMap((user) => {
          const error =
            user === this.botUserId
              ? 'cant_invite_self'
              : !SLACK_USER_ID_SHAPE.test(user)
                ? 'user_not_found'
                : channel.members.includes(user)
                  ? 'already_in_channel'
                  : undefined;
          return error ? [{ user, ok: false, error }] : [];
        });
        const force = args.force === true || args.force === 'true';
        // Like Slack: without `force` one bad user fails the whole call; with it the valid ones are invited.
        if (!errors.length || force)
          for (const user of users) if (!errors.some((e) => e.user === user)) channel.members.push(user);
        if (errors.length) return { error: errors[0]!.error, extra: { errors } };
        return { ok: { channel: { id: channel.id, name: channel.name } } };
      }
      case 'conversations.archive': {
        const channel = this.channelOf(args.channel);
        if (!channel) return { error: 'channel_not_found' };
        if (channel.archived) return { error: 'already_archived' };
        channel.archived = true;
        return { ok: {} };
      }
      default:
        return { error: 'unknown_method' };
    }
  }

  private channelOf(id: unknown): StandInChannel | undefined {
    return typeof id === 'string' ? this.byId.get(id) : undefined;
  }
}
