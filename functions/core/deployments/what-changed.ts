/** "What changed?": the deployments under way around an incident. Pure. */
import type { DeploymentRecord } from './deployment-record.ts';

/** What `recentDeployments` needs of an incident (an Incident, or the IncidentEventDetail notify receives). */
export interface IncidentWindow {
  readonly account: string;
  /** When Firebreak opened it. */
  readonly openedAt?: string;
  /** When the source first saw the problem. */
  readonly firstSeen?: string;
  readonly subject?: string;
  readonly resources?: readonly string[];
}

/**
 * The deployments to the same account, or to the same service (the incident's subject is the
 * service or `<service>/<environment>`, or they share a resource), that were under way in the
 * `windowMinutes` before the incident: from `windowMinutes` before it was first seen until it
 * opened. Newest first.
 */
export function recentDeployments(
  records: readonly DeploymentRecord[],
  incident: IncidentWindow,
  windowMinutes = 60,
): DeploymentRecord[] {
  const first = incident.firstSeen ?? incident.openedAt;
  const end = incident.openedAt ?? incident.firstSeen;
  if (!first || !end) return [];
  const windowEnd = Math.max(Date.parse(first), Date.parse(end));
  const windowStart = Math.min(Date.parse(first), Date.parse(end)) - windowMinutes * 60_000;
  if (Number.isNaN(windowStart) || Number.isNaN(windowEnd)) return [];
  const resources = new Set(incident.resources ?? []);
  const related = (r: DeploymentRecord) =>
    r.account === incident.account ||
    incident.subject === r.service ||
    incident.subject?.startsWith(`${r.service}/`) === true ||
    r.resources.some((resource) => resources.has(resource));
  const inWindow = (r: DeploymentRecord) => {
    const start = Date.parse(r.startedAt ?? r.finishedAt ?? r.lastEventAt);
    // Still running: it is changing things right now.
    const finish = r.status === 'started' ? Infinity : Date.parse(r.finishedAt ?? r.lastEventAt);
    return start <= windowEnd && finish >= windowStart;
  };
  return records
    .filter((r) => related(r) && inWindow(r))
    .sort((a, b) => (deploymentTime(b) < deploymentTime(a) ? -1 : deploymentTime(b) > deploymentTime(a) ? 1 : 0));
}

/** When a deployment happened, for sorting and display: its end, else its start. */
export const deploymentTime = (r: Pick<DeploymentRecord, 'finishedAt' | 'startedAt' | 'lastEventAt'>): string =>
  r.finishedAt ?? r.startedAt ?? r.lastEventAt;
