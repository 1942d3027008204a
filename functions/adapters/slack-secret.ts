import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from '../core/zod.ts';

/** What the `firebreak/slack` secret holds; the README says how to fill it. */
export const SlackSecretSchema = z.object({
  signingSecret: z.string().check(z.minLength(16)),
  botToken: z.string().check(z.regex(/^xoxb-/, 'must be a bot token (xoxb-…)')),
  appId: z.optional(z.string().check(z.regex(/^A[A-Z0-9]+$/))),
});
export type SlackSecret = z.infer<typeof SlackSecretSchema>;

/** Reads the Slack credentials from Secrets Manager, cached for five minutes across invocations. */
export async function loadSlackSecret(secrets: SecretsProvider, secretId: string): Promise<SlackSecret> {
  const value = await secrets.get(secretId, { transform: 'json', maxAge: 300 });
  const parsed = SlackSecretSchema.safeParse(value);
  // Never log the value: only which field is wrong.
  if (!parsed.success)
    throw new Error(
      `the Slack secret ${secretId} is not filled in correctly: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(secret)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
