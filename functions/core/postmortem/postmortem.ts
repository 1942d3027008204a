/**
 * A blameless postmortem draft, built from what Firebreak recorded: the incident, its audit trail,
 * its mitigation requests and the deployments before it. Pure: the document is a small tree of
 * sections whose text is plain (untrusted pieces included); the Markdown and HTML renderers escape it.
 */
import type { AuditEntry, ChainVerdict } from '../audit/chain.ts';
import type { RosterMember } from '../approval/roster.ts';
import type { DeploymentRecord } from '../deployments/deployment-record.ts';
import { deploymentTime } from '../deployments/what-changed.ts';
import type { Incident } from '../incidents/incident.ts';
import type { MitigationRequest, ResolvedTargets } from '../mitigations/mitigation.ts';
import { formatDuration, incidentTimeline, type IncidentTimeline } from './timeline.ts';

export interface PostmortemInput {
  readonly incident: Incident;
  readonly audit: readonly AuditEntry[];
  readonly chain: ChainVerdict;
  readonly requests: readonly MitigationRequest[];
  /** The deployments before it (see `recentDeployments`), newest first. */
  readonly deployments: readonly DeploymentRecord[];
  /** To name people: Slack ids become "Dana Okafor (CTO)". */
  readonly roster: readonly Pick<RosterMember, 'slackUserId' | 'name' | 'role'>[];
  readonly generatedAt: string;
}

export type Block =
  | { readonly kind: 'text'; readonly text: string }
  /** Left for the team to write: rendered as a prompt in italics. */
  | { readonly kind: 'prompt'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | { readonly kind: 'table'; readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: 'timeline' }
  | { readonly kind: 'section'; readonly title: string; readonly blocks: readonly Block[] };

export interface Postmortem {
  readonly title: string;
  readonly incidentId: string;
  readonly generatedAt: string;
  /** The audit chain verified: a draft from a broken chain says so, and the CLI exits 1. */
  readonly chainValid: boolean;
  readonly timeline: IncidentTimeline;
  /** Resolves an audit actor to a name for the renderers' timeline picture. */
  readonly people: Readonly<Record<string, string>>;
  readonly sections: readonly { readonly title: string; readonly blocks: readonly Block[] }[];
}

const ROLE_LABELS = { cto: 'CTO', senior: 'senior engineer', responder: 'responder' } as const;

/** Builds the draft. Times are shown in UTC, as recorded. */
export function buildPostmortem(input: PostmortemInput): Postmortem {
  const { incident, audit, chain, requests, deployments, generatedAt } = input;
  const timeline = incidentTimeline(incident, audit);
  const who = personNamer(input.roster);
  const people: Record<string, string> = {};
  for (const m of timeline.milestones) people[m.actor] = who(m.actor);
  const start = timeline.milestones[0]!.at;
  const resolved = timeline.milestones.find((m) => m.kind === 'resolved');
  const since = (at: string) => formatDuration(Date.parse(at) - Date.parse(start));
  const finished = timeline.mitigations;
  const ran = finished.succeeded + finished.failed + finished.cancelled;

  const summary = [
    `${incident.severity} ${incident.category} incident ${incident.id}: ${incident.title}.`,
    `First signalled by ${incident.source} at ${utc(start)}, detected by Firebreak ${formatDuration(timeline.times.toDetect ?? 0)} later`,
    timeline.times.toAcknowledge !== undefined
      ? `, acknowledged after ${formatDuration(timeline.times.toAcknowledge)}`
      : ', never acknowledged',
    resolved
      ? ` and resolved ${since(resolved.at)} after the first signal.`
      : `; still ${incident.status} when this draft was written.`,
    ran
      ? ` ${ran} mitigation run(s): ${finished.succeeded} succeeded, ${finished.failed} failed, ${finished.cancelled} cancelled.`
      : '',
  ].join('');

  const impact = [
    `Severity: ${incident.severity} (category ${incident.category}${incident.rule ? `, rule "${incident.rule}"` : ''})`,
    `Duration: ${resolved ? since(resolved.at) : `${since(generatedAt)} so far (${incident.status})`}, from ${utc(start)}${resolved ? ` to ${utc(resolved.at)}` : ''}`,
    `Resources: ${incident.resources.length ? incident.resources.join(', ') : 'none named'}${incident.resourcesOmitted ? ` and at least ${incident.resourcesOmitted} more` : ''}`,
    `Accounts: ${incident.account} (${incident.region})`,
    `Signals: ${incident.signalCount} from ${incident.source} (${incident.kind})${incident.reopenCount ? `; reopened ${incident.reopenCount} time(s)` : ''}`,
  ];

  const times = timeline.times;
  const responseRows: string[][] = [
    ['Time to detect (first signal → detected)', times.toDetect],
    ['Time to acknowledge', times.toAcknowledge],
    ['Time to first approval', times.toFirstApproval],
    ['Time to mitigate (first mitigation started)', times.toMitigate],
    ['Time to resolve', times.toResolve],
  ].map(([label, ms]) => [label as string, ms === undefined ? '—' : formatDuration(ms as number)]);
  responseRows.push(['Escalations to senior engineers', String(timeline.escalations)]);
  const refusals = Object.entries(timeline.refusals);
  if (refusals.length)
    responseRows.push(['Refused attempts', refusals.map(([reason, n]) => `${reason.replace(/_/g, ' ')} ×${n}`).join(', ')]);

  let previous = start;
  const timelineRows = timeline.milestones.map((m) => {
    const row = [
      utc(m.at),
      `T+${since(m.at)}`,
      `+${formatDuration(Date.parse(m.at) - Date.parse(previous))}`,
      who(m.actor),
      m.what,
    ];
    previous = m.at;
    return row;
  });

  const changed: Block[] = deployments.length
    ? [
        {
          kind: 'table',
          head: ['When (UTC)', 'Service', 'Environment', 'Version', 'Status', 'By'],
          rows: deployments.map((d) => [utc(deploymentTime(d)), d.service, d.environment, d.version, d.status, d.actor ?? '—']),
        },
      ]
    : [{ kind: 'text', text: 'No deployment to this account or service was recorded in the hour before the first signal.' }];
  changed.push({
    kind: 'text',
    text: 'Configuration changes are listed here once Firebreak watches them; none were recorded for this incident.',
  });

  const mitigationBlocks: Block[] = requests.length
    ? [...requests]
        .sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1))
        .map((r) => ({
          kind: 'section',
          title: `${r.id} · ${r.title}`,
          blocks: [{ kind: 'list', items: mitigationFacts(r, who) }],
        }))
    : [{ kind: 'text', text: 'No mitigation was requested.' }];

  return {
    title: `Postmortem (draft): ${incident.id} · ${incident.title}`,
    incidentId: incident.id,
    generatedAt,
    chainValid: chain.valid,
    timeline,
    people,
    sections: [
      {
        title: 'About this draft',
        blocks: [
          {
            kind: 'text',
            text: `Generated by Firebreak at ${utc(generatedAt)} from the incident's audit trail (${audit.length} entries, ${chain.valid ? 'hash chain valid' : `HASH CHAIN BROKEN at entry ${chain.brokenAt}: ${chain.reason}`}). It is blameless: it describes what the system and the people saw and did, so the team can improve the system.`,
          },
        ],
      },
      { title: 'Summary', blocks: [{ kind: 'text', text: summary }] },
      { title: 'Impact', blocks: [{ kind: 'list', items: impact }] },
      { title: 'Response times', blocks: [{ kind: 'table', head: ['Measure', 'Value'], rows: responseRows }] },
      {
        title: 'Timeline',
        blocks: [
          { kind: 'timeline' },
          { kind: 'table', head: ['Time (UTC)', 'Since first signal', 'Since previous', 'Who', 'What'], rows: timelineRows },
        ],
      },
      { title: 'What changed before it', blocks: changed },
      { title: 'Mitigations', blocks: mitigationBlocks },
      {
        title: 'Contributing factors',
        blocks: [{ kind: 'prompt', text: 'What conditions made this possible or worse? Systems and processes, not people.' }],
      },
      { title: 'What went well', blocks: [{ kind: 'prompt', text: 'What helped detect, decide or recover quickly?' }] },
      {
        title: 'Action items',
        blocks: [
          { kind: 'prompt', text: 'Each with an owner and a due date.' },
          { kind: 'table', head: ['Action', 'Owner', 'Due'], rows: [['', '', '']] },
        ],
      },
    ],
  };
}

function mitigationFacts(r: MitigationRequest, who: (actor: string) => string): string[] {
  const p = r.plan;
  const parameters = Object.entries(p.parameters).map(([k, v]) => `${k}=${v}`);
  const approvers = r.approvals.filter((a) => a.planHash === r.planHash);
  return [
    `Requested by ${who(r.requestedBy)} at ${utc(r.requestedAt)}${r.escalatedAt ? `; escalated to senior engineers at ${utc(r.escalatedAt)}` : ''}`,
    `Plan: ${p.kind === 'automation' ? 'automation' : 'command'} document ${p.document} version ${p.documentVersion}; parameters ${parameters.length ? parameters.join(', ') : 'none'}`,
    `Targets: ${describeTargets(p.targets)}; rate control MaxConcurrency ${p.rateControl.maxConcurrency}, MaxErrors ${p.rateControl.maxErrors}; timeout ${formatDuration(p.timeoutSeconds * 1000)}`,
    `Plan hash: ${r.planHash}`,
    `Approvers: ${
      r.decidedBy?.includes('policy')
        ? 'pre-approved by policy (low-risk countermeasure)'
        : approvers.length
          ? approvers.map((a) => `${who(`slack:${a.userId}`)} at ${utc(a.at)}`).join('; ')
          : 'none'
    }`,
    `Outcome: ${r.state.replace(/_/g, ' ')}${r.decidedAt ? ` at ${utc(r.decidedAt)}` : ''}${r.reason ? ` (${r.reason})` : ''}${r.decidedBy?.length && ['rejected', 'cancelled'].includes(r.state) ? ` by ${r.decidedBy.map((d) => who(d === 'policy' ? d : `slack:${d}`)).join(', ')}` : ''}`,
  ];
}

function describeTargets(t: ResolvedTargets): string {
  switch (t.type) {
    case 'instances':
      return `instances ${t.instanceIds.join(', ')}`;
    case 'tags':
      return `instances tagged ${t.key}=${t.values.join('|')}`;
    case 'resource-group':
      return `resource group ${t.name}`;
    case 'resource':
      return 'the resource named by its parameters';
  }
}

/** `slack:U123` → "Dana Okafor (CTO)"; system actors keep a readable name. */
export function personNamer(roster: PostmortemInput['roster']): (actor: string) => string {
  const byId = new Map(roster.map((m) => [m.slackUserId, m]));
  return (actor) => {
    const [kind, id = ''] = actor.includes(':')
      ? [actor.slice(0, actor.indexOf(':')), actor.slice(actor.indexOf(':') + 1)]
      : [actor];
    if (kind === 'slack') {
      const member = byId.get(id);
      return member ? `${member.name} (${ROLE_LABELS[member.role]})` : id;
    }
    if (kind === 'system') return `Firebreak (${id})`;
    if (kind === 'policy') return 'policy';
    return actor;
  };
}

/** `2026-11-23 09:15:00 UTC`. */
export const utc = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
