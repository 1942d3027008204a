import * as z from '../../core/zod.ts';
import type { WorkItem } from '../../core/tracker/work-items.ts';
import { TrackerError, type TrackerAnswer } from '../../core/tracker/tracker-answer.ts';
import { trackerRequest } from './http.ts';

const Issue = z.object({ number: z.number().check(z.int()), state: z.enum(['open', 'closed']) });

/**
 * Closes GitHub issues through the REST API: `GET /repos/{owner}/{repo}/issues/{n}`, then, when
 * open, `PATCH` it to `state: closed` (`state_reason: completed`). The token needs Issues: write
 * on the repositories (a fine-grained token) or `repo` (classic).
 */
export class GitHubTracker {
  constructor(
    private readonly options: { readonly apiUrl: string; readonly token: () => Promise<string>; readonly fetch?: typeof fetch },
  ) {}

  async close(item: WorkItem): Promise<TrackerAnswer> {
    if (item.tracker !== 'github') throw new TrackerError(`${item.ref} is not a GitHub issue`);
    const url = `${this.options.apiUrl}/repos/${item.repository}/issues/${item.number}`;
    const headers = {
      Authorization: `Bearer ${await this.options.token()}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'firebreak',
    };
    const issue = await trackerRequest('GitHub', url, { method: 'GET', headers }, Issue, this.options.fetch);
    if (issue!.state === 'closed') return { outcome: 'already_closed', detail: '' };
    const closed = await trackerRequest(
      'GitHub',
      url,
      { method: 'PATCH', headers, body: { state: 'closed', state_reason: 'completed' } },
      Issue,
      this.options.fetch,
    );
    if (closed!.state !== 'closed') throw new TrackerError('GitHub: the issue is still open after closing it');
    return { outcome: 'closed', detail: '' };
  }
}
