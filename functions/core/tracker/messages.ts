/** What the tracker step says in a deployment notice's thread. Pure. */
import type { WorkItemClosure } from '../persistence.ts';
import { code, escapeSlackText } from '../slack/text.ts';
import { parseWorkItem } from './work-items.ts';

const NAME = { github: 'GitHub issue', jira: 'Jira issue' } as const;

/** One line per work item: closed, already closed, or why it could not be closed (safe mrkdwn). */
export function closureMessage(closure: WorkItemClosure): string {
  const item = parseWorkItem(closure.ref);
  const what = `${NAME[item.tracker]} ${code(closure.ref, 120)}`;
  const detail = escapeSlackText(closure.detail.slice(0, 300));
  switch (closure.outcome) {
    case 'closed':
      return `:white_check_mark: Closed ${what}${detail ? ` (${detail})` : ''}.`;
    case 'already_closed':
      return `:white_check_mark: ${what} was already closed${detail ? ` (${detail})` : ''}.`;
    case 'failed':
      return `:warning: Could not close ${what}: ${detail}. Close it by hand; the deployment record is unaffected.`;
  }
}
