/** A message as the core renders it (Block Kit as plain objects). */
export interface OutgoingMessage {
  readonly text: string;
  readonly blocks?: readonly object[];
}

/** Where a posted message lives. */
export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
}

/** What the use cases need of Slack: post (in a thread) and replace a message in place. */
export interface SlackChannelPort {
  post(channel: string, message: OutgoingMessage, options?: { threadTs?: string }): Promise<PostedMessage>;
  update(channel: string, ts: string, message: OutgoingMessage): Promise<PostedMessage>;
}

/** A text file shared in a thread (Slack's external upload: files.getUploadURLExternal, then files.completeUploadExternal). */
export interface SlackFile {
  readonly filename: string;
  readonly title: string;
  readonly content: string;
  /** The message the file is shared with; should already be safe Slack text. */
  readonly comment: string;
}

export interface SlackFilesPort {
  uploadFile(channel: string, threadTs: string, file: SlackFile): Promise<void>;
}
