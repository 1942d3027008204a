/**
 * Which environment a deployment from an AWS source went to, from the configured rules (custom
 * events name their own). Pure.
 */
import type { DeploymentsConfig } from '../config.ts';

/**
 * The `deployments` section of the configuration (for `lib/config.ts` to embed).
 *
 * - `environments`: ordered rules naming the environment of deployments from AWS sources (custom
 *   events name their own). The first rule whose matchers all match wins; each matcher is optional
 *   but a rule needs at least one: `service` (case-insensitive regex on the service name), `group`
 *   (regex on the CodeDeploy deployment group or the ECS cluster), `accounts` (account ids).
 * - `defaultEnvironment`: when no rule matches (`production`: unknown means treat as production).
 * - `incidentSeverity`: the severity of the incident a failed deployment opens, per environment;
 *   a failure in an environment not listed opens no incident (its notice is still posted).
 * - `holdEnvironments`: environments whose failures put the service on a release hold; every
 *   environment when unset.
 */
// Spelled out (not `DeploymentsConfigSchema.parse({})`) so that deployed functions do not bundle the
// configuration's schemas; a test keeps it equal to what the schema's defaults give.
export const DEFAULT_DEPLOYMENTS_CONFIG: DeploymentsConfig = {
  environments: [],
  defaultEnvironment: 'production',
  incidentSeverity: { production: 'SEV2', staging: 'SEV4' },
};

/** What an environment is decided from, for deployments from AWS sources. */
export interface DeploymentContext {
  readonly service: string;
  /** CodeDeploy deployment group or ECS cluster, when the source has one. */
  readonly group?: string;
  readonly source: string;
  readonly account: string;
  readonly region: string;
}

/** Names the environment a deployment went to; must return a name matching ENVIRONMENT_PATTERN. */
export type EnvironmentOf = (context: DeploymentContext) => string;

/** Compiles the configured rules once (per cold start) into an {@link EnvironmentOf}. */
export function environmentResolver(
  config: Pick<DeploymentsConfig, 'environments' | 'defaultEnvironment'> = DEFAULT_DEPLOYMENTS_CONFIG,
): EnvironmentOf {
  const rules = config.environments.map((rule) => ({
    environment: rule.environment,
    service: rule.service === undefined ? undefined : new RegExp(rule.service, 'i'),
    group: rule.group === undefined ? undefined : new RegExp(rule.group, 'i'),
    accounts: rule.accounts,
  }));
  return (context) =>
    rules.find(
      (rule) =>
        (!rule.service || rule.service.test(context.service)) &&
        (!rule.group || (context.group !== undefined && rule.group.test(context.group))) &&
        (!rule.accounts || rule.accounts.includes(context.account)),
    )?.environment ?? config.defaultEnvironment;
}
