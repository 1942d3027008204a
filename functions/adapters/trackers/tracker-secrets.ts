import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from '../../core/zod.ts';
import { TrackerError } from '../../core/tracker/tracker-answer.ts';
import type { JiraCredentials } from './jira.ts';

const JiraSecret = z.object({
  email: z.string().check(z.minLength(3), z.maxLength(254)),
  apiToken: z.string().check(z.minLength(8), z.maxLength(1000)),
});
const GitHubToken = z.string().check(z.trim(), z.minLength(20), z.maxLength(1000));

/** The GitHub token: the secret's string, or its `token` field. Cached five minutes; never logged. */
export async function loadGitHubToken(secrets: SecretsProvider, secretId: string): Promise<string> {
  const value = await secrets.get(secretId, { maxAge: 300 });
  const text = typeof value === 'string' ? value : '';
  let token: unknown = text;
  if (text.trim().startsWith('{')) token = (JSON.parse(text) as { token?: unknown }).token;
  const parsed = GitHubToken.safeParse(token);
  if (!parsed.success)
    throw new TrackerError(`the GitHub token secret ${secretId} is not filled in (a token, or {"token": "..."})`);
  return parsed.data;
}

/** The Jira credentials: `{"email": "...", "apiToken": "..."}`. Cached five minutes; never logged. */
export async function loadJiraCredentials(secrets: SecretsProvider, secretId: string): Promise<JiraCredentials> {
  const parsed = JiraSecret.safeParse(await secrets.get(secretId, { transform: 'json', maxAge: 300 }).catch(() => undefined));
  if (!parsed.success)
    throw new TrackerError(`the Jira secret ${secretId} is not filled in ({"email": "...", "apiToken": "..."})`);
  return parsed.data;
}
