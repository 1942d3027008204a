import type { FirebreakConfig } from '../../core/config.ts';
import { loadRuntimeConfig } from '../runtime-config.ts';

let config: FirebreakConfig | undefined;
/** The configuration baked into the bundle at synth time (validated there), read once per execution environment. */
export function deployedConfig(): FirebreakConfig {
  return (config ??= loadRuntimeConfig());
}
