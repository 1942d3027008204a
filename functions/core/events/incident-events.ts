import type { Incident } from '../incidents/incident.ts';

export const INCIDENT_DETAIL_TYPES = {
  opened: 'Incident Opened',
  updated: 'Incident Updated',
  reopened: 'Incident Updated',
  resolved: 'Incident Resolved',
} as const;

export type IncidentDetailType = (typeof INCIDENT_DETAIL_TYPES)[keyof typeof INCIDENT_DETAIL_TYPES];

/** What Firebreak announces on its bus about an incident: a snapshot at a version, so consumers can drop stale ones. */
export interface IncidentEventDetail {
  readonly incidentId: string;
  readonly version: number;
  /** What moved it: opened, signal, severity_raised, resolved, reopened, acknowledged, severity_changed. */
  readonly changes: readonly string[];
  readonly status: Incident['status'];
  readonly severity: Incident['severity'];
  readonly category: Incident['category'];
  readonly title: string;
  readonly channel: string;
  readonly fingerprint: string;
  readonly source: string;
  readonly account: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly signalCount: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly mitigations: readonly string[];
  /** Set when this repeats an announcement for a redelivered event. */
  readonly redelivery?: true;
}

/** EventBridge details are capped at 256 KB with the rest of the event: send a bounded resource list. */
const MAX_EVENT_RESOURCES = 20;

export function incidentEvent(
  outcome: keyof typeof INCIDENT_DETAIL_TYPES,
  incident: Incident,
  changes: readonly string[],
  redelivery = false,
): { detailType: IncidentDetailType; detail: IncidentEventDetail } {
  return {
    detailType: INCIDENT_DETAIL_TYPES[outcome],
    detail: {
      incidentId: incident.id,
      version: incident.version,
      changes,
      status: incident.status,
      severity: incident.severity,
      category: incident.category,
      title: incident.title,
      channel: incident.channel,
      fingerprint: incident.fingerprint,
      source: incident.source,
      account: incident.account,
      region: incident.region,
      resources: incident.resources.slice(0, MAX_EVENT_RESOURCES),
      signalCount: incident.signalCount,
      firstSeen: incident.firstSeen,
      lastSeen: incident.lastSeen,
      mitigations: incident.mitigations,
      ...(redelivery ? { redelivery: true as const } : {}),
    },
  };
}
