import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { requireEnv } from '../environment.ts';
import { loadSlackSecret, type SlackSecret } from '../slack-secret.ts';

let secrets: SecretsProvider | undefined;
/** The Slack credentials (Secrets Manager through Powertools Parameters, cached for five minutes). */
export function deployedSlackSecret(): Promise<SlackSecret> {
  secrets ??= new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
  return loadSlackSecret(secrets, requireEnv('SLACK_SECRET_ARN'));
}
