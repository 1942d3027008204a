/** The `tracker` section of the configuration: which work items a successful deployment closes, and where. Pure. */
import * as z from 'zod';
import { JIRA_PROJECT_PATTERN, REPOSITORY_PATTERN } from '../ids.ts';

/** https, or plain http to this machine only (the local stand-ins). */
const ApiUrl = z
  .url()
  .max(200)
  .refine((url) => {
    const { protocol, hostname } = new URL(url);
    return protocol === 'https:' || (protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname));
  }, 'must be an https URL (http only to localhost)')
  .transform((url) => url.replace(/\/+$/, ''));
/** A Secrets Manager secret name or ARN. */
const SecretId = z.string().regex(/^[A-Za-z0-9/_+=.@:-]{1,512}$/, 'must be a Secrets Manager secret name or ARN');
const Repository = z.string().regex(REPOSITORY_PATTERN, 'must be owner/repository');

export const TrackerConfigSchema = z
  .object({
    /** Deployments to these environments close their work items (default production only). */
    environments: z
      .array(z.string().regex(/^[a-z0-9-]{1,32}$/))
      .min(1)
      .default(['production']),
    github: z
      .object({
        apiUrl: ApiUrl.default('https://api.github.com'),
        /** The secret holding a token (plain string) allowed to close issues in the repositories. */
        tokenSecret: SecretId,
        /** Where a bare `#12` points, per service; `defaultRepository` for the others. */
        repositories: z.record(z.string().min(1).max(255), Repository).default({}),
        defaultRepository: Repository.optional(),
      })
      .strict()
      .optional(),
    jira: z
      .object({
        /** e.g. `https://your-company.atlassian.net`. */
        baseUrl: ApiUrl,
        /** The secret holding `{"email": "...", "apiToken": "..."}` (Jira Cloud basic auth). */
        tokenSecret: SecretId,
        /** Only keys of these projects count (so `UTF-8` or `SHA-256` in a message never does). */
        projects: z.array(z.string().regex(JIRA_PROJECT_PATTERN, 'must be a Jira project key such as PAY')).min(1),
        /** The name of the transition that closes an issue. */
        transition: z.string().trim().min(1).max(100).default('Done'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TrackerConfig = z.infer<typeof TrackerConfigSchema>;
export const DEFAULT_TRACKER: TrackerConfig = { environments: ['production'] };
