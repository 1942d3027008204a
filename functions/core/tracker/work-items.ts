/**
 * The work items a deployment delivers: GitHub issues named by closing keywords in its commit
 * messages (`Fixes #12`, `Closes owner/repo#12`), Jira keys of the configured projects (`PAY-123`),
 * and those passed explicitly (`deploy-notice --issue`). Pure.
 */
import { JIRA_PROJECT_PATTERN, REPOSITORY_PATTERN } from '../ids.ts';
import type { TrackerConfig } from './tracker-config.ts';

/** A resolved work item as it travels on the bus: `owner/repo#12` or `PAY-123`. */
export const WORK_ITEM_PATTERN = /^(?:[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}#\d{1,9}|[A-Z][A-Z0-9_]{1,9}-\d{1,9})$/;
/** What `deploy-notice --issue` accepts: `#12`, `owner/repo#12` or `PAY-123`. */
export const ISSUE_ARGUMENT_PATTERN =
  /^(?:#\d{1,9}|[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}#\d{1,9}|[A-Z][A-Z0-9_]{1,9}-\d{1,9})$/;
/** At most this many work items per deployment: a message naming more is not a release note. */
export const MAX_WORK_ITEMS = 20;

export type WorkItem =
  | { readonly tracker: 'github'; readonly repository: string; readonly number: number; readonly ref: string }
  | { readonly tracker: 'jira'; readonly key: string; readonly ref: string };

// GitHub's closing keywords; an issue reference right after one (optionally a colon).
const CLOSING =
  /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+((?:[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100})?#\d{1,9})\b/gi;
const JIRA_KEY = /(?<![A-Za-z0-9_-])([A-Z][A-Z0-9_]{1,9})-(\d{1,9})(?![A-Za-z0-9_])/g;

/**
 * The work items of a deployment of `service`, in first-seen order, without duplicates, at most
 * MAX_WORK_ITEMS. A bare `#12` belongs to the service's repository (`github.repositories`, else
 * `github.defaultRepository`); without one, or without a GitHub section, it is left out. Jira keys
 * count only for the configured projects (so `SHA-256` never does).
 */
export function workItemsOf(
  input: { readonly service: string; readonly messages: readonly string[]; readonly explicit: readonly string[] },
  config: TrackerConfig,
): WorkItem[] {
  const found = new Map<string, WorkItem>();
  const add = (item: WorkItem | undefined) => {
    if (item && !found.has(item.ref) && found.size < MAX_WORK_ITEMS) found.set(item.ref, item);
  };
  const github = (reference: string): WorkItem | undefined => {
    if (!config.github) return undefined;
    const [repo, num] = reference.split('#') as [string, string];
    const repository = repo || config.github.repositories[input.service] || config.github.defaultRepository;
    if (!repository || !REPOSITORY_PATTERN.test(repository)) return undefined;
    const number = Number(num);
    if (!Number.isSafeInteger(number) || number < 1) return undefined;
    return { tracker: 'github', repository, number, ref: `${repository}#${number}` };
  };
  const jira = (project: string, num: string): WorkItem | undefined => {
    if (!config.jira?.projects.includes(project) || !JIRA_PROJECT_PATTERN.test(project) || Number(num) < 1) return undefined;
    const key = `${project}-${Number(num)}`;
    return { tracker: 'jira', key, ref: key };
  };
  for (const reference of input.explicit) {
    const jiraMatch = /^([A-Z][A-Z0-9_]{1,9})-(\d{1,9})$/.exec(reference);
    add(jiraMatch ? jira(jiraMatch[1]!, jiraMatch[2]!) : github(reference));
  }
  for (const message of input.messages) {
    for (const match of message.matchAll(CLOSING)) add(github(match[1]!));
    for (const match of message.matchAll(JIRA_KEY)) add(jira(match[1]!, match[2]!));
  }
  return [...found.values()];
}

/** A work item back from its bus form (`owner/repo#12`, `PAY-123`). */
export function parseWorkItem(ref: string): WorkItem {
  if (!WORK_ITEM_PATTERN.test(ref)) throw new Error(`"${ref.slice(0, 60)}" is not a work item`);
  const hash = ref.lastIndexOf('#');
  if (hash > 0) return { tracker: 'github', repository: ref.slice(0, hash), number: Number(ref.slice(hash + 1)), ref };
  return { tracker: 'jira', key: ref, ref };
}
