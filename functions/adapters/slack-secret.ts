import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';

/** What the `firebreak/slack` secret holds; the README says how to fill it. */
export const SlackSecretSchema = z.object({
  signingSecret: z.string().min(16),
  botToken: z.string().regex(/^xoxb-/, 'must be a bot token (xoxb-…)'),
  appId: z
    .string()
    .regex(/^A[A-Z0-9]+$/)
    .optional(),
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
