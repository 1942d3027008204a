import type { Incident } from '../core/incidents/incident.ts';
import { incidentStats, type IncidentStats } from '../core/metrics/incident-stats.ts';
import { incidentTimeline } from '../core/postmortem/timeline.ts';
import type { StatsSourcesPort } from './ports/stats.ts';

/** At most this many audit trails are read at once, so a long window does not burst the table. */
const READ_CONCURRENCY = 8;

/** The response statistics of the incidents opened in [since, until], read from the table. */
export async function readIncidentStats(sources: StatsSourcesPort, since: string, until: string): Promise<IncidentStats> {
  const incidents = (await sources.incidents.listOpenedSince(since)).filter((i) => i.openedAt <= until);
  const samples: { incident: Incident; timeline: ReturnType<typeof incidentTimeline> }[] = [];
  for (let i = 0; i < incidents.length; i += READ_CONCURRENCY) {
    const batch = incidents.slice(i, i + READ_CONCURRENCY);
    const audits = await Promise.all(batch.map((incident) => sources.incidents.getAudit(incident.id)));
    batch.forEach((incident, n) => samples.push({ incident, timeline: incidentTimeline(incident, audits[n]!) }));
  }
  return incidentStats(samples, since, until);
}
