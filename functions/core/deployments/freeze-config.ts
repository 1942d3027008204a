/** The `deployFreeze` section of the configuration. Pure. */
import * as z from 'zod';

// Spelled out rather than imported: config.ts imports this module, and a cycle would read it before it exists.
const Severity = z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']);

/**
 * Deploy freeze: while an incident at or above `minimumSeverity` is open, releases need approval.
 * `scope: "global"` freezes every service; `"account"` freezes releases into the incident's account.
 */
export const DeployFreezeConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    minimumSeverity: Severity.default('SEV2'),
    scope: z.enum(['global', 'account']).default('global'),
  })
  .strict();
export type DeployFreezeConfig = z.infer<typeof DeployFreezeConfigSchema>;
export const DEFAULT_DEPLOY_FREEZE: DeployFreezeConfig = { enabled: true, minimumSeverity: 'SEV2', scope: 'global' };
