import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How every Firebreak function is bundled, as data: `FirebreakFunction` passes it to esbuild
 * through NodejsFunction, and the bench and the bundle test build with exactly the same settings.
 */

const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * Packages replaced by small modules in every Lambda bundle. Each replacement is safe because of a
 * fact about the deployed function, not a hope:
 * - Bolt's `App` requires its HTTP, Express and Socket Mode receivers at load, though Firebreak only
 *   ever passes an `AwsLambdaReceiver` (which verifies the signature itself, with node:crypto and
 *   tsscmp) and a fixed `authorize` (no OAuth installer). Their dependencies (express, raw-body with
 *   iconv-lite, socket-mode with undici, @slack/oauth with jsonwebtoken, path-to-regexp) are ~1.5 MB
 *   that never runs; the replacement throws if anything ever calls them.
 * - The AWS SDK's default credential chain (ini files, SSO, web identity, IMDS, with the STS and SSO
 *   clients) ends at the environment on Lambda, which always sets the function's credentials in
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN: the replacement reads exactly those.
 * - `@smithy/core/event-streams` (~15 KB in every bundle) is loaded by the SDK's HttpProtocol only
 *   to (de)serialize an operation member that is an event stream (a union schema with the
 *   `streaming` trait). In the clients Firebreak bundles, only S3's SelectObjectContent and Lambda's
 *   InvokeWithResponseStream have one, and no function calls them; S3's client only wires a
 *   marshaller at construction, which the replacement keeps.
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  express: resolve(HERE, 'stubs/bolt-unused-receiver.ts'),
  'raw-body': resolve(HERE, 'stubs/bolt-unused-receiver.ts'),
  '@slack/socket-mode': resolve(HERE, 'stubs/bolt-unused-receiver.ts'),
  '@slack/oauth': resolve(HERE, 'stubs/bolt-unused-receiver.ts'),
  'path-to-regexp': resolve(HERE, 'stubs/bolt-unused-receiver.ts'),
  '@aws-sdk/credential-provider-node': resolve(HERE, 'stubs/lambda-environment-credentials.ts'),
  '@smithy/core/event-streams': resolve(HERE, 'stubs/smithy-event-streams.ts'),
};

/** Some dependencies are still CommonJS and call require(); ESM bundles have no require. */
export const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Source maps are written next to the bundle without the sources inlined (the Slack function's map
 * was 8.6 MB with them). Functions do not load them (no `--enable-source-maps` in NODE_OPTIONS): parsing
 * a map costs every cold start; they ship in the asset to read a minified stack trace with.
 */
export const SOURCE_MAP = { sourcemap: true, sourcesContent: false } as const;

/** The esbuild options of a function bundle (the JS API's names), for the bench and the tests. */
export function lambdaBuildOptions(settings: object | undefined) {
  return {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node22',
    minify: true,
    ...SOURCE_MAP,
    // Prefer ESM entry points so esbuild can tree-shake (middy, Powertools, AWS SDK v3).
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    alias: { ...LAMBDA_ALIASES },
    define: settings === undefined ? {} : bakedConfigDefine(settings),
  };
}

/** The variable `settings` is baked into (see `loadRuntimeConfig` in functions/adapters/runtime-config.ts). */
export const BAKED_CONFIG_VARIABLE = 'FIREBREAK_CONFIG';

export function bakedConfigDefine(settings: object): Record<string, string> {
  return { [`process.env.${BAKED_CONFIG_VARIABLE}`]: JSON.stringify(JSON.stringify(settings)) };
}
