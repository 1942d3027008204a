/**
 * `firebreak config check [file]`: the validation `cdk synth` applies, without synth (well under a
 * second): the schema, the cross-field checks, and the catalog against the SSM documents the stack ships.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig, type FirebreakConfig } from '../../functions/core/config.ts';
import { catalogProblems, shippedDocuments } from '../../lib/documents/index.ts';
import type { CommonOptions } from './program.ts';

export interface ConfigCheckResult {
  readonly file: string;
  readonly valid: boolean;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/** Every problem and warning of a configuration file (never throws for a bad file). */
export function checkConfigFile(file: string): ConfigCheckResult {
  const invalid = (problems: string[]) => ({ file, valid: false, problems, warnings: [] });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return invalid([
      `(file): ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message}`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return invalid([`(file): is not valid JSON: ${(error as Error).message}`]);
  }
  let config: FirebreakConfig;
  try {
    config = parseConfig(raw, file);
  } catch (error) {
    if (error instanceof ConfigError) return invalid(error.problems);
    throw error;
  }
  // The documents' defaults (bucket, role, quarantine group) are deploy-time values; the catalog
  // check only needs their names, types and parameters, which do not depend on them.
  const shipped = shippedDocuments({
    diagnosticsBucketName: 'firebreak-diagnostics',
    automationRoleArn: 'arn:aws:iam::111111111111:role/firebreak-automation',
    fleetTagKey: config.fleet.tagKey,
    ...(config.fleet.vpcId ? { quarantine: { groupId: 'sg-00000000', vpcId: config.fleet.vpcId } } : {}),
  });
  const problems = catalogProblems(config.mitigations, shipped);
  const isolating = config.mitigations.filter((entry) => entry.document === 'Firebreak-IsolateInstance').map((entry) => entry.id);
  const warnings =
    isolating.length && !config.fleet.vpcId
      ? [
          `fleet.vpcId: not set, so the stack creates no quarantine security group and ${isolating.join(', ')} (Firebreak-IsolateInstance) will refuse to run`,
        ]
      : [];
  return { file, valid: problems.length === 0, problems, warnings };
}

/** Exit 0 when the configuration is valid (warnings allowed), 1 when it is not. */
export function configCheck(file: string, options: CommonOptions): number {
  const result = checkConfigFile(file);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.valid) {
    process.stdout.write(`${file}: valid configuration\n`);
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  } else {
    process.stderr.write(
      `${file} is not a valid Firebreak configuration:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  }
  return result.valid ? 0 : 1;
}
