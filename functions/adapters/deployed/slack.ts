import { requireEnv } from '../runtime-config.ts';
import { loadSlackSecret, type SlackSecret } from '../slack-secret.ts';

/** The Slack credentials (Secrets Manager, cached for five minutes by Powertools Parameters). */
export function deployedSlackSecret(): Promise<SlackSecret> {
  return loadSlackSecret(requireEnv('SLACK_SECRET_ARN'));
}
