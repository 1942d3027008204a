/**
 * Deploy freeze: while an incident at or above the configured severity is open, releases in its
 * scope (every service, or its account) need an approval under the one approval policy. The freeze
 * lifts when the last of those incidents resolves. Pure.
 */
import { CAPS, capText } from '../caps.ts';
import type { Severity } from '../config.ts';
import { ACTIVE_STATUSES, type Incident } from '../incidents/incident.ts';
import type { DeployFreezeConfig } from './freeze-config.ts';
import { DEPLOYMENT_SIGNAL } from './release-incident.ts';
import type { HoldApproval } from './release-hold.ts';

/** At most this many incidents are named on a freeze; more still keep it on (`moreIncidents`). */
export const FREEZE_INCIDENT_CAP = 10;
const SEVERITY_RANK: Record<Severity, number> = { SEV1: 1, SEV2: 2, SEV3: 3, SEV4: 4 };

export interface FreezeIncident {
  readonly incidentId: string;
  readonly severity: Severity;
  /** Untrusted (from the signal): escape it where shown. */
  readonly title: string;
  readonly account: string;
}

/** Approvals to release one service while this freeze holds. */
export interface FreezeExemption {
  readonly service: string;
  readonly approvals: readonly HoldApproval[];
  /** Set once the policy is satisfied: the CTO, or the senior engineers who reached the quorum. */
  readonly approvedBy?: readonly string[];
  readonly approvedAt?: string;
}

/** One scope's freeze (`global`, or an account id). Stored per scope; `revision` guards concurrent writes. */
export interface FreezeState {
  readonly scope: string;
  readonly frozen: boolean;
  /** The incidents keeping it on (at most FREEZE_INCIDENT_CAP named). */
  readonly incidents: readonly FreezeIncident[];
  /** Incidents keeping it on beyond those named. */
  readonly moreIncidents: readonly string[];
  /** When the current freeze began (kept after it lifts, for the record). */
  readonly since: string;
  readonly liftedAt?: string;
  readonly seniorQuorum: number;
  /** Releases approved (or being approved) during this freeze; a new freeze starts with none. */
  readonly exemptions: readonly FreezeExemption[];
  readonly revision: number;
}

/** The freeze scope of one service (`scope: "service"`). */
export const serviceScope = (service: string): string => `service:${service}`;

/**
 * The scopes an incident freezes, by the configuration: every service, its account, or the services
 * it belongs to — a failed deployment's own service, or those whose accounts or resource patterns
 * match it; none matching freezes every service, as a freeze that cannot tell fails closed.
 */
export function freezeScopesOf(
  incident: Pick<Incident, 'account' | 'source' | 'kind' | 'subject' | 'resources'>,
  config: Pick<DeployFreezeConfig, 'scope' | 'services'>,
): string[] {
  if (config.scope === 'global') return ['global'];
  if (config.scope === 'account') return [incident.account];
  if (incident.source === DEPLOYMENT_SIGNAL.source && incident.kind === DEPLOYMENT_SIGNAL.kind)
    return [serviceScope(incident.subject.slice(0, incident.subject.lastIndexOf('/')))];
  const named = [incident.subject, ...incident.resources];
  const services = config.services.filter(
    (service) =>
      service.accounts.includes(incident.account) ||
      service.resources.some((pattern) => named.some((resource) => new RegExp(pattern, 'i').test(resource))),
  );
  return services.length ? services.map((service) => serviceScope(service.name)) : ['global'];
}

/** Whether an incident, as it is now, keeps its scope frozen. */
export function freezes(incident: Pick<Incident, 'status' | 'severity'>, config: DeployFreezeConfig): boolean {
  return (
    config.enabled &&
    ACTIVE_STATUSES.includes(incident.status) &&
    SEVERITY_RANK[incident.severity] <= SEVERITY_RANK[config.minimumSeverity]
  );
}

export type FreezeChange =
  | { readonly change: 'none' }
  | {
      readonly change: 'started' | 'joined' | 'left' | 'lifted' | 'updated';
      readonly freeze: FreezeState;
      readonly audit: { readonly action: string; readonly data: Readonly<Record<string, unknown>> };
    };

/**
 * The freeze of one scope after the incident changed (read as it is now, so events in any order, or
 * delivered twice, give the same freeze). Starts a freeze, adds the incident to it, removes it (also
 * when the incident no longer belongs to the scope), or lifts the freeze when it was the last one
 * keeping it on. Exemptions belong to one freeze: a new one starts with none.
 */
export function freezeAfterIncident(
  incident: Incident,
  existing: FreezeState | undefined,
  config: DeployFreezeConfig,
  options: { readonly now: string; readonly seniorQuorum: number; readonly scope: string },
): FreezeChange {
  const { scope } = options;
  if (existing && existing.scope !== scope) throw new Error(`the freeze of ${existing.scope} is not ${scope}'s`);
  const inFreeze = !!existing?.frozen && keeps(existing, incident.id);
  const entry: FreezeIncident = {
    incidentId: incident.id,
    severity: incident.severity,
    title: capText(incident.title, CAPS.titleBytes),
    account: incident.account,
  };
  const data = { incidentId: incident.id, severity: incident.severity, status: incident.status };
  if (freezes(incident, config) && freezeScopesOf(incident, config).includes(scope)) {
    if (!existing?.frozen)
      return {
        change: 'started',
        freeze: {
          scope,
          frozen: true,
          incidents: [entry],
          moreIncidents: [],
          since: options.now,
          seniorQuorum: options.seniorQuorum,
          exemptions: [],
          revision: (existing?.revision ?? 0) + 1,
        },
        audit: { action: 'freeze.started', data },
      };
    if (inFreeze) {
      const named = existing.incidents.find((i) => i.incidentId === incident.id);
      if (!named || (named.severity === entry.severity && named.title === entry.title)) return { change: 'none' };
      return {
        change: 'updated',
        freeze: {
          ...existing,
          incidents: existing.incidents.map((i) => (i.incidentId === incident.id ? entry : i)),
          revision: existing.revision + 1,
        },
        audit: { action: 'freeze.incident_updated', data },
      };
    }
    const room = existing.incidents.length < FREEZE_INCIDENT_CAP;
    return {
      change: 'joined',
      freeze: {
        ...existing,
        incidents: room ? [...existing.incidents, entry] : existing.incidents,
        moreIncidents: room ? existing.moreIncidents : [...existing.moreIncidents, incident.id],
        revision: existing.revision + 1,
      },
      audit: { action: 'freeze.incident_added', data },
    };
  }
  if (!existing || !inFreeze) return { change: 'none' };
  const incidents = existing.incidents.filter((i) => i.incidentId !== incident.id);
  const moreIncidents = existing.moreIncidents.filter((id) => id !== incident.id);
  if (incidents.length === 0 && moreIncidents.length === 0)
    return {
      change: 'lifted',
      freeze: { ...existing, frozen: false, incidents, moreIncidents, liftedAt: options.now, revision: existing.revision + 1 },
      audit: { action: 'freeze.lifted', data },
    };
  return {
    change: 'left',
    freeze: { ...existing, incidents, moreIncidents, revision: existing.revision + 1 },
    audit: { action: 'freeze.incident_removed', data },
  };
}

const keeps = (freeze: FreezeState, incidentId: string): boolean =>
  freeze.incidents.some((i) => i.incidentId === incidentId) || freeze.moreIncidents.includes(incidentId);

/**
 * The freezes that apply to a release of `service` into `account`: the global one, the service's own,
 * and the account's (an unknown account: every account's, as a gate fails closed).
 */
export function applicableFreezes(freezes: readonly FreezeState[], service: string, account: string | undefined): FreezeState[] {
  return freezes.filter(
    (f) =>
      f.frozen &&
      (f.scope === 'global' ||
        f.scope === serviceScope(service) ||
        (!f.scope.startsWith(serviceScope('')) && (account === undefined || f.scope === account))),
  );
}

/** Whether the service's release during this freeze has been approved. */
export const exempted = (freeze: FreezeState, service: string): boolean =>
  !!freeze.exemptions.find((e) => e.service === service)?.approvedBy?.length;
