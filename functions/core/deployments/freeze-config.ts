/** The `deployFreeze` section of the configuration. Pure. */
import * as z from '../zod.ts';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { RegexSource } from '../regex-source.ts';

// Spelled out rather than imported: config.ts imports this module, and a cycle would read it before it exists.
const Severity = z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']);

/**
 * Which incidents belong to a service, for `scope: "service"`: those in one of its accounts, or naming
 * a resource (ARN, instance id, subject) that one of its patterns matches.
 */
const FreezeServiceSchema = z
  .strictObject({
    name: z.string().check(z.regex(SERVICE_NAME_PATTERN, 'must be a service name as deployments name it')),
    accounts: z._default(z.array(z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'))), []),
    resources: z._default(z.array(RegexSource), []),
  })
  .check(
    z.refine((service) => service.accounts.length > 0 || service.resources.length > 0, {
      message: 'a service needs accounts or resource patterns, or no incident could belong to it',
    }),
  );

/**
 * Deploy freeze: while an incident at or above `minimumSeverity` is open, releases need approval.
 * `scope: "global"` freezes every service; `"account"` freezes releases into the incident's account;
 * `"service"` freezes the services the incident belongs to (`services`), and every service when it
 * belongs to none, since a freeze that cannot tell fails closed.
 */
export const DeployFreezeConfigSchema = z
  .strictObject({
    enabled: z._default(z.boolean(), true),
    minimumSeverity: z._default(Severity, 'SEV2'),
    scope: z._default(z.enum(['global', 'account', 'service']), 'global'),
    services: z._default(z.array(FreezeServiceSchema), []),
  })
  .check(
    z.refine((config) => new Set(config.services.map((s) => s.name)).size === config.services.length, {
      message: 'each service is named once',
      path: ['services'],
    }),
  );
export type DeployFreezeConfig = z.infer<typeof DeployFreezeConfigSchema>;
export const DEFAULT_DEPLOY_FREEZE: DeployFreezeConfig = {
  enabled: true,
  minimumSeverity: 'SEV2',
  scope: 'global',
  services: [],
};
