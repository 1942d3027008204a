import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig, type FirebreakConfig } from '../functions/core/config.ts';

export { ConfigError, parseConfig };
export type { FirebreakConfig } from '../functions/core/config.ts';

/** The file `cdk synth` reads unless the `firebreak:config` context names another one. */
export const DEFAULT_CONFIG_PATH = 'firebreak.config.json';

/**
 * Reads and validates the Firebreak configuration file. Every failure (missing file, bad JSON,
 * invalid field) is a ConfigError naming the file, so `cdk synth` stops with a readable message
 * instead of deploying a stack built from a half-understood config.
 */
export function loadConfig(path: string = DEFAULT_CONFIG_PATH): FirebreakConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(path, [`(file): ${reason}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [`(file): is not valid JSON: ${(error as Error).message}`]);
  }
  return parseConfig(raw, path);
}
