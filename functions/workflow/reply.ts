/** The answer to a person: shown only to them (ephemeral) unless it is news for the channel. */
export interface Reply {
  readonly text: string;
  readonly ok: boolean;
}

/** Who acts, from Slack: the user and the workspace the request came from. */
export interface Actor {
  readonly userId: string;
  readonly teamId: string;
}
