import type { FirebreakConfig } from '../core/config.ts';
import { renderPostmortemHtml } from '../core/postmortem/render-html.ts';
import { renderPostmortemMarkdown } from '../core/postmortem/render-markdown.ts';
import { mention } from '../core/slack/text.ts';
import type { PostmortemArchivePort, PostmortemSourcesPort } from './ports/postmortem.ts';
import type { SlackFilesPort } from './ports/slack.ts';
import { draftPostmortem } from './postmortem.ts';

/** What delivering a postmortem needs: notify hands these over with its Slack client. */
export interface PostmortemDelivery {
  readonly sources: PostmortemSourcesPort;
  readonly files: SlackFilesPort;
  readonly archive: PostmortemArchivePort;
  readonly config: Pick<FirebreakConfig, 'roster'>;
}

/**
 * Writes an incident's postmortem draft, keeps the Markdown and HTML in the archive (first, so a
 * Slack outage loses no copy), and shares the Markdown as a file in the incident's thread.
 */
export async function deliverPostmortem(
  request: { incidentId: string; requestedBy: string },
  thread: { channel: string; ts: string },
  delivery: PostmortemDelivery,
  now: string,
): Promise<{ key: string }> {
  const doc = await draftPostmortem(delivery.sources, delivery.config, request.incidentId, now);
  if (!doc) throw new Error(`incident ${request.incidentId} not found`);
  const base = `postmortems/${doc.incidentId}/${now.replace(/[:.]/g, '-')}`;
  const markdown = renderPostmortemMarkdown(doc);
  await delivery.archive.put(`${base}.md`, markdown, 'text/markdown; charset=utf-8');
  await delivery.archive.put(`${base}.html`, renderPostmortemHtml(doc), 'text/html; charset=utf-8');
  await delivery.files.uploadFile(thread.channel, thread.ts, {
    filename: `${doc.incidentId}-postmortem.md`,
    title: `Postmortem draft · ${doc.incidentId}`,
    content: markdown,
    comment: `:memo: Postmortem draft of \`${doc.incidentId}\`, written from its audit trail for ${mention(request.requestedBy)}${doc.chainValid ? '' : ' — :warning: its audit chain does not verify'}. Fill in contributing factors, what went well and action items.`,
  });
  return { key: base };
}
