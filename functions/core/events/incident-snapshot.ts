import * as z from '../zod.ts';
import { CategorySchema, SeveritySchema } from '../vocabulary.ts';
import type { Incident } from '../incidents/incident.ts';
import { IncidentIdSchema } from './contract.ts';

/**
 * What Firebreak announces about an incident: a snapshot at a version, so consumers can drop
 * stale ones. Shared by Incident Opened, Updated and Resolved.
 */
export const IncidentSnapshotSchema = z.object({
  incidentId: IncidentIdSchema,
  version: z.number().check(z.int(), z.positive()),
  /** What moved it: opened, signal, severity_raised, resolved, reopened, acknowledged, severity_changed. */
  changes: z.array(z.string()),
  status: z.enum(['open', 'acknowledged', 'mitigating', 'resolved', 'closed']),
  severity: SeveritySchema,
  category: CategorySchema,
  title: z.string(),
  channel: z.string(),
  fingerprint: z.string(),
  source: z.string(),
  account: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  signalCount: z.number().check(z.int()),
  firstSeen: z.string(),
  lastSeen: z.string(),
  mitigations: z.array(z.string()),
  /** The person who moved it, for changes made from Slack. */
  actor: z.optional(z.string()),
});
export type IncidentSnapshot = z.input<typeof IncidentSnapshotSchema>;

/** EventBridge details are capped at 256 KB with the rest of the event: send a bounded resource list. */
const MAX_EVENT_RESOURCES = 20;

export function incidentSnapshot(
  incident: Incident,
  changes: readonly string[],
  extra: { readonly actor?: string } = {},
): IncidentSnapshot {
  return {
    incidentId: incident.id,
    version: incident.version,
    changes: [...changes],
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
    mitigations: [...incident.mitigations],
    ...(extra.actor ? { actor: extra.actor } : {}),
  };
}
