import { verifyChain } from '../core/audit/chain.ts';
import type { FirebreakConfig } from '../core/config.ts';
import { recentDeployments } from '../core/deployments/what-changed.ts';
import { buildPostmortem, type Postmortem } from '../core/postmortem/postmortem.ts';
import type { PostmortemSourcesPort } from './ports/postmortem.ts';

/** How long before the first signal a deployment still counts as "what changed before it". */
const WHAT_CHANGED_WINDOW_MINUTES = 60;

/**
 * Reads everything an incident's postmortem is drawn from and builds the draft; undefined when
 * there is no such incident. Read-only: used by the CLI and by the function that posts it to Slack.
 */
export async function draftPostmortem(
  sources: PostmortemSourcesPort,
  config: Pick<FirebreakConfig, 'roster'>,
  incidentId: string,
  now: string,
): Promise<Postmortem | undefined> {
  const incident = await sources.incidents.getIncident(incidentId);
  if (!incident) return undefined;
  const [audit, requests] = await Promise.all([
    sources.incidents.getAudit(incident.id),
    sources.mitigations.listRequests(incident.id),
  ]);
  const from = new Date(
    Math.min(Date.parse(incident.firstSeen), Date.parse(incident.openedAt)) - WHAT_CHANGED_WINDOW_MINUTES * 60_000,
  ).toISOString();
  const deployments = recentDeployments(
    await sources.deployments.deploymentsBetween(incident.account, from, incident.openedAt),
    incident,
    WHAT_CHANGED_WINDOW_MINUTES,
  );
  return buildPostmortem({
    incident,
    audit,
    chain: verifyChain(audit, { seq: incident.auditSeq, hash: incident.auditHead }),
    requests,
    deployments,
    roster: config.roster,
    generatedAt: now,
  });
}
