import * as z from '../../core/zod.ts';
import type { WorkItem } from '../../core/tracker/work-items.ts';
import { TrackerError, type TrackerAnswer } from '../../core/tracker/tracker-answer.ts';
import { trackerRequest } from './http.ts';

const IssueStatus = z.object({
  fields: z.object({ status: z.object({ name: z.string(), statusCategory: z.object({ key: z.string() }) }) }),
});
const Transitions = z.object({ transitions: z.array(z.object({ id: z.string(), name: z.string() })) });

export interface JiraCredentials {
  readonly email: string;
  readonly apiToken: string;
}

/**
 * Closes Jira issues through the REST API (v3): an issue whose status is already in the Done
 * category is left alone; otherwise the transition named `transition` (case-insensitive) among
 * `GET /rest/api/3/issue/{key}/transitions` is applied with `POST` to the same path. The account
 * needs Browse projects and Transition issues.
 */
export class JiraTracker {
  constructor(
    private readonly options: {
      readonly baseUrl: string;
      readonly transition: string;
      readonly credentials: () => Promise<JiraCredentials>;
      readonly fetch?: typeof fetch;
    },
  ) {}

  async close(item: WorkItem): Promise<TrackerAnswer> {
    if (item.tracker !== 'jira') throw new TrackerError(`${item.ref} is not a Jira issue`);
    const { email, apiToken } = await this.options.credentials();
    const headers = { Authorization: `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}` };
    const issueUrl = `${this.options.baseUrl}/rest/api/3/issue/${encodeURIComponent(item.key)}`;
    const issue = await trackerRequest(
      'Jira',
      `${issueUrl}?fields=status`,
      { method: 'GET', headers },
      IssueStatus,
      this.options.fetch,
    );
    const status = issue!.fields.status;
    if (status.statusCategory.key === 'done') return { outcome: 'already_closed', detail: `status ${status.name}` };
    const { transitions } = (await trackerRequest(
      'Jira',
      `${issueUrl}/transitions`,
      { method: 'GET', headers },
      Transitions,
      this.options.fetch,
    ))!;
    const wanted = this.options.transition.toLowerCase();
    const transition = transitions.find((t) => t.name.toLowerCase() === wanted);
    if (!transition)
      throw new TrackerError(
        `Jira: no transition named "${this.options.transition}" from status ${status.name} (available: ${transitions.map((t) => t.name).join(', ') || 'none'})`,
      );
    await trackerRequest(
      'Jira',
      `${issueUrl}/transitions`,
      { method: 'POST', headers, body: { transition: { id: transition.id } } },
      undefined,
      this.options.fetch,
    );
    return { outcome: 'closed', detail: `transition ${transition.name}` };
  }
}
