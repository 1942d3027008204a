import { parseConfig, type FirebreakConfig } from '../core/config.ts';

/**
 * The validated configuration a deployed function runs with. The CDK stack bakes it into each
 * bundle at synth time (esbuild `define`), because Lambda's 4 KB environment cannot hold the rules.
 */
export function loadRuntimeConfig(): FirebreakConfig {
  const baked = process.env.FIREBREAK_CONFIG;
  if (!baked) throw new Error('FIREBREAK_CONFIG is not set: the function must be bundled by the Firebreak stack');
  return parseConfig(JSON.parse(baked), 'the bundled configuration');
}
