/** The `tracker` section of the configuration: which work items a successful deployment closes, and where. Pure. */
import * as z from '../zod.ts';
import { JIRA_PROJECT_PATTERN, REPOSITORY_PATTERN } from '../ids.ts';

/** https, or plain http to this machine only (the local stand-ins). */
const ApiUrl = z.pipe(
  z.url().check(
    z.maxLength(200),
    z.refine((url) => {
      const { protocol, hostname } = new URL(url);
      return protocol === 'https:' || (protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname));
    }, 'must be an https URL (http only to localhost)'),
  ),
  z.transform((url) => url.replace(/\/+$/, '')),
);
/** A Secrets Manager secret name or ARN. */
const SecretId = z.string().check(z.regex(/^[A-Za-z0-9/_+=.@:-]{1,512}$/, 'must be a Secrets Manager secret name or ARN'));
const Repository = z.string().check(z.regex(REPOSITORY_PATTERN, 'must be owner/repository'));

export const TrackerConfigSchema = z.strictObject({
  /** Deployments to these environments close their work items (default production only). */
  environments: z._default(z.array(z.string().check(z.regex(/^[a-z0-9-]{1,32}$/))).check(z.minLength(1)), ['production']),
  github: z.optional(
    z.strictObject({
      apiUrl: z._default(ApiUrl, 'https://api.github.com'),
      /** The secret holding a token (plain string) allowed to close issues in the repositories. */
      tokenSecret: SecretId,
      /** Where a bare `#12` points, per service; `defaultRepository` for the others. */
      repositories: z._default(z.record(z.string().check(z.minLength(1), z.maxLength(255)), Repository), {}),
      defaultRepository: z.optional(Repository),
    }),
  ),
  jira: z.optional(
    z.strictObject({
      /** e.g. `https://your-company.atlassian.net`. */
      baseUrl: ApiUrl,
      /** The secret holding `{"email": "...", "apiToken": "..."}` (Jira Cloud basic auth). */
      tokenSecret: SecretId,
      /** Only keys of these projects count (so `UTF-8` or `SHA-256` in a message never does). */
      projects: z
        .array(z.string().check(z.regex(JIRA_PROJECT_PATTERN, 'must be a Jira project key such as PAY')))
        .check(z.minLength(1)),
      /** The name of the transition that closes an issue. */
      transition: z._default(z.string().check(z.trim(), z.minLength(1), z.maxLength(100)), 'Done'),
    }),
  ),
});
export type TrackerConfig = z.infer<typeof TrackerConfigSchema>;
export const DEFAULT_TRACKER: TrackerConfig = { environments: ['production'] };
