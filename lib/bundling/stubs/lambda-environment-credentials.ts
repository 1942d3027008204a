/**
 * Stands in for @aws-sdk/credential-provider-node in Lambda bundles (see LAMBDA_ALIASES): Lambda
 * always gives a function its role's credentials in the environment, which is also where the SDK's
 * default chain would find them first. The rest of that chain (ini files, SSO, web identity, IMDS,
 * with their STS and SSO clients) is ~100 KB that never runs there.
 */
interface EnvironmentCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export const defaultProvider = () => async (): Promise<EnvironmentCredentials> => {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  const expiry = process.env.AWS_CREDENTIAL_EXPIRATION;
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiry ? { expiration: new Date(expiry) } : {}),
  };
};

// The SDK's own module exports these too; clients of this version do not import them, but keep the shape.
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
