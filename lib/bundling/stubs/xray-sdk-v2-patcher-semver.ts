/**
 * Stands in for semver in Lambda bundles (see LAMBDA_ALIASES): only the X-Ray SDK's patcher for the
 * AWS SDK v2 (`captureAWS`) requires it, which Firebreak never calls (it uses v3 and
 * `captureAWSv3Client`). Calling it fails loudly.
 */
export function gte(): never {
  throw new Error(
    'semver is not in this bundle: the X-Ray patcher for the AWS SDK v2 is not used (see lib/bundling/lambda-bundling.ts)',
  );
}
