import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadSlackSecret } from '../../functions/adapters/slack-secret.ts';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:firebreak/slack-AbCdEf';

function providerAnswering(secret: unknown) {
  const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  mock.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: JSON.stringify(secret) });
  return { provider: new SecretsProvider({ awsSdkV3Client: client }), mock };
}

describe('the Slack secret', () => {
  it('is read once and cached, and parsed', async () => {
    const secret = { signingSecret: 's'.repeat(32), botToken: 'xoxb-1-2-abc', appId: 'A0FIREBREAK' };
    const { provider, mock } = providerAnswering(secret);
    await expect(loadSlackSecret(provider, ARN)).resolves.toEqual(secret);
    await loadSlackSecret(provider, ARN);
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('names the wrong field and never shows the value', async () => {
    const { provider } = providerAnswering({ signingSecret: 'too-short', botToken: 'xoxp-user-token-123' });
    const error = await loadSlackSecret(provider, ARN).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/signingSecret/);
    expect((error as Error).message).toMatch(/botToken: must be a bot token/);
    expect((error as Error).message).not.toMatch(/too-short|xoxp-user-token-123/);
  });
});
