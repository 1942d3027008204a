/**
 * Stands in for express, raw-body, @slack/socket-mode, @slack/oauth and path-to-regexp in Lambda bundles (see LAMBDA_ALIASES):
 * Bolt's `App` requires them for receivers Firebreak never builds. Anything that calls them fails
 * loudly instead of silently doing nothing.
 */
function unavailable(): never {
  throw new Error('not in this bundle: Firebreak functions use only AwsLambdaReceiver (see lib/bundling/lambda-bundling.ts)');
}

export default unavailable;

export class SocketModeClient {
  constructor() {
    unavailable();
  }
}

export class InstallProvider {
  constructor() {
    unavailable();
  }
}

/** path-to-regexp's `match`. */
export function match(): never {
  return unavailable();
}
