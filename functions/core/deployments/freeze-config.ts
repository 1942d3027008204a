/** The `deployFreeze` section of the configuration. Pure. */
import * as z from 'zod';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { RegexSource } from '../regex-source.ts';

// Spelled out rather than imported: config.ts imports this module, and a cycle would read it before it exists.
const Severity = z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']);

/**
 * Which incidents belong to a service, for `scope: "service"`: those in one of its accounts, or naming
 * a resource (ARN, instance id, subject) that one of its patterns matches.
 */
const FreezeServiceSchema = z
  .object({
    name: z.string().regex(SERVICE_NAME_PATTERN, 'must be a service name as deployments name it'),
    accounts: z.array(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')).default([]),
    resources: z.array(RegexSource).default([]),
  })
  .strict()
  .refine((service) => service.accounts.length > 0 || service.resources.length > 0, {
    message: 'a service needs accounts or resource patterns, or no incident could belong to it',
  });

/**
 * Deploy freeze: while an incident at or above `minimumSeverity` is open, releases need approval.
 * `scope: "global"` freezes every service; `"account"` freezes releases into the incident's account;
 * `"service"` freezes the services the incident belongs to (`services`), and every service when it
 * belongs to none, since a freeze that cannot tell fails closed.
 */
export const DeployFreezeConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    minimumSeverity: Severity.default('SEV2'),
    scope: z.enum(['global', 'account', 'service']).default('global'),
    services: z.array(FreezeServiceSchema).default([]),
  })
  .strict()
  .refine((config) => new Set(config.services.map((s) => s.name)).size === config.services.length, {
    message: 'each service is named once',
    path: ['services'],
  });
export type DeployFreezeConfig = z.infer<typeof DeployFreezeConfigSchema>;
export const DEFAULT_DEPLOY_FREEZE: DeployFreezeConfig = {
  enabled: true,
  minimumSeverity: 'SEV2',
  scope: 'global',
  services: [],
};
