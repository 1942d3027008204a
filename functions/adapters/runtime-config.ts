import type { FirebreakConfig } from '../core/config.ts';

/**
 * The configuration a deployed function runs with. The CDK stack bakes it into each bundle at synth
 * time (esbuild `define`), because Lambda's 4 KB environment cannot hold the rules.
 *
 * It is trusted, not parsed again: the stack bakes the output of `parseConfig` (lib/config.ts, the
 * same code that would run here), `parseConfig`'s output is stable through JSON (a test parses the
 * parsed value again and gets it back unchanged), and the bundle is immutable once built. Parsing it
 * again would only cost every cold start the configuration's schemas (their bytes in every bundle,
 * and ~65 ms compiling them and checking cron expressions at the first invocation).
 */
export function loadRuntimeConfig(): FirebreakConfig {
  const baked = process.env.FIREBREAK_CONFIG;
  if (!baked) throw new Error('FIREBREAK_CONFIG is not set: the function must be bundled by the Firebreak stack');
  return JSON.parse(baked) as FirebreakConfig;
}
