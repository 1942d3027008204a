/**
 * A mitigation request's Slack messages (the approval request, its decided form, the escalation to
 * senior engineers, the expiry) as Block Kit JSON. Pure: time is an input. Untrusted text is escaped.
 */
import { isAway, type RosterMember } from '../approval/roster.ts';
import { type Approval, type MitigationRequest } from '../mitigations/mitigation.ts';
import { button, contextBlock, field, fieldsSection, header, plainText, section, type SlackMessage } from './block-kit.ts';
import { ACTION_IDS, mitigationButtonValue } from './button-values.ts';
import {
  SLACK_LIMITS,
  code,
  formatDuration,
  formatTime,
  joinAnd,
  listWithMore,
  mention,
  oneLine,
  plural,
  safeLine,
  truncate,
} from './text.ts';

const TARGET_IDS_SHOWN = 10;
const LIST_SHOWN = 10;
/** Characters of a failure reason shown on the request message (ten instance ids and the counts fit). */
const FAILURE_REASON_SHOWN = 600;

const STATE_HEADERS: Record<MitigationRequest['state'], string> = {
  awaiting_approval: 'Approval needed',
  approved: 'Mitigation approved',
  running: 'Mitigation running',
  succeeded: 'Mitigation succeeded',
  failed: 'Mitigation failed',
  cancelled: 'Mitigation cancelled',
  rejected: 'Mitigation rejected',
  expired: 'Mitigation expired',
};

/**
 * The approval request: what will run, where, with which parameters and how fast, the plan hash the
 * approval binds to, who may approve, the approvals so far, and Approve/Reject buttons. A request
 * that is no longer awaiting approval gets the decided form, without buttons.
 */
export function mitigationRequestMessage(
  request: MitigationRequest,
  roster: { cto: RosterMember; seniors: RosterMember[] },
  now: string,
): SlackMessage {
  if (request.state !== 'awaiting_approval') return mitigationDecidedMessage(request);
  const { cto, seniors } = roster;
  const blocks = summaryBlocks(request);
  blocks.push(section(`*Who may approve*\n${whoMayApprove(request, cto, seniors, now)}`));
  blocks.push(section(`*Approvals*\n${approvalsText(request)}`));
  blocks.push({
    type: 'actions',
    elements: [
      {
        ...button('Approve', ACTION_IDS.mitigationApprove, mitigationButtonValue(request), 'primary'),
        confirm: {
          title: plainText('Approve this mitigation?'),
          text: plainText(
            safeLine(
              `Run ${request.plan.document} on ${describeTargetsRaw(request)} for incident ${request.incidentId}, plan ${request.planHash.slice(0, 12)}?`,
              300,
            ),
          ),
          confirm: plainText('Approve'),
          deny: plainText('Cancel'),
          style: 'primary',
        },
      },
      button('Reject', ACTION_IDS.mitigationReject, mitigationButtonValue(request), 'danger'),
    ],
  });
  const text = `${mention(cto.slackUserId)} a mitigation awaits your approval: ${safeLine(request.title, 300)} for incident ${safeLine(request.incidentId, 100)} (${safeLine(request.risk, 20)} risk, plan ${safeLine(request.planHash.slice(0, 12), 12)}).`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks };
}

/** The request once decided (or running, finished): the same summary, the buttons replaced by who decided and when. */
export function mitigationDecidedMessage(request: MitigationRequest): SlackMessage {
  const blocks = summaryBlocks(request);
  if (request.approvals.length) blocks.push(section(`*Approvals*\n${approvalsText(request)}`));
  const outcome = decisionLine(request);
  const status = ['running', 'succeeded', 'failed'].includes(request.state) ? [`Status: *${safeLine(request.state, 20)}*`] : [];
  blocks.push(contextBlock([outcome, ...status]));
  // Why a run failed (the failed instances, or SSM's own verdict) on the request itself, not only in the thread.
  if (request.state === 'failed' && request.reason?.trim())
    blocks.push(section(`*Why it failed*\n${safeLine(request.reason.trim(), FAILURE_REASON_SHOWN)}`));
  const text = `${STATE_HEADERS[request.state] ?? 'Mitigation'}: ${safeLine(request.title, 300)} for incident ${safeLine(request.incidentId, 100)}.`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks };
}

/** Asks the senior engineers to decide because the CTO is away or did not answer in time. */
export function escalationMessage(
  request: MitigationRequest,
  seniors: RosterMember[],
  reason: 'cto_away' | 'cto_silent',
): SlackMessage {
  const waited = (Date.parse(request.escalateAt) - Date.parse(request.requestedAt)) / 1000;
  const why =
    reason === 'cto_away'
      ? 'The CTO is away'
      : `The CTO did not answer within ${Number.isFinite(waited) ? formatDuration(waited) : 'the timeout'}`;
  const quorum = plural(request.seniorQuorum, 'senior approval');
  const mentions = seniors.map((s) => mention(s.slackUserId)).join(' ');
  const lines = [
    `${mentions ? `${mentions} ` : ''}${why}: ${quorum} ${request.seniorQuorum === 1 ? 'is' : 'are'} needed to run *${safeLine(request.title, 200)}* for incident ${code(request.incidentId, 100)} (${safeLine(request.risk, 20)} risk).`,
    'Approve or reject it on the request message. Whoever requested it cannot approve it.',
  ];
  if (seniors.length < request.seniorQuorum) {
    lines.push(
      `:warning: Only ${plural(seniors.length, 'senior engineer')} can be asked, fewer than the ${request.seniorQuorum} needed: the CTO has to decide, or the roster needs more senior engineers.`,
    );
  }
  const blocks = [
    section(lines.join('\n')),
    contextBlock([
      `Plan ${code(request.planHash.slice(0, 12), 12)} · expires ${formatTime(request.expiresAt)} · request ${code(request.id, 100)}`,
    ]),
  ];
  const text = `${mentions ? `${mentions} ` : ''}${why}: ${quorum} needed for ${safeLine(request.title, 300)} (incident ${safeLine(request.incidentId, 100)}).`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks };
}

/**
 * The thread reply when a request's approval window ended without a decision: nothing ran, and the
 * command that asks again (with the same parameters when they can be typed on one command line).
 */
export function expiryMessage(request: MitigationRequest): SlackMessage {
  const requester = /^slack:(.+)$/.exec(request.requestedBy)?.[1];
  const seniors = new Set(
    request.approvals.filter((a) => a.planHash === request.planHash && a.role === 'senior').map((a) => a.userId),
  );
  const had = seniors.size ? ` It had ${seniors.size} of the ${request.seniorQuorum} senior approvals needed.` : '';
  const again = reRequestCommand(request);
  const lines = [
    `:hourglass: *${safeLine(request.title, 200)}* (${code(request.id, 20)}) expired unapproved: its approval window ended at ${formatTime(request.expiresAt)} without a decision, and nothing ran.${had}`,
    `${requester ? `${mention(requester)} ` : ''}If it is still needed, request it again: ${code(again.command, 1000)}${again.complete ? '' : ' with the parameters shown on the request'}.`,
  ];
  const blocks = [
    section(lines.join('\n')),
    contextBlock([
      `Plan ${code(request.planHash.slice(0, 12), 12)} · request ${code(request.id, 100)} · incident ${code(request.incidentId, 100)}`,
    ]),
  ];
  const text = `Mitigation expired unapproved: ${safeLine(request.title, 300)} (${safeLine(request.id, 20)}) for incident ${safeLine(request.incidentId, 100)}.`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks };
}

/** `/firebreak mitigate <incident> <entry> key=value …`; a value with a space cannot be typed as one word, so then none are. */
function reRequestCommand(request: MitigationRequest): { command: string; complete: boolean } {
  const parameters = Object.entries(request.plan.parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const complete = parameters.every(([, value]) => value !== '' && !/\s/.test(value));
  const given = complete ? parameters.map(([name, value]) => ` ${name}=${value}`).join('') : '';
  return { command: `/firebreak mitigate ${request.incidentId} ${request.catalogId}${given}`, complete };
}

function summaryBlocks(request: MitigationRequest): object[] {
  const { plan } = request;
  const requester = requesterText(request.requestedBy);
  const blocks: object[] = [
    header(`${STATE_HEADERS[request.state] ?? 'Mitigation'} · ${oneLine(request.title)}`),
    section(
      `*${safeLine(request.title, 300)}* for incident ${code(request.incidentId, 100)} (${safeLine(request.severity, 20)})\nRequested by ${requester} at ${formatTime(request.requestedAt)}`,
    ),
    fieldsSection([
      field('Document', `${code(plan.document, 200)} version ${code(plan.documentVersion, 20)}`),
      field('Kind', plan.kind === 'automation' ? 'Automation runbook' : 'Run Command'),
      field('Risk', safeLine(request.risk, 20)),
      field(
        'Rate control',
        `max concurrency ${code(plan.rateControl.maxConcurrency, 20)}, max errors ${code(plan.rateControl.maxErrors, 20)}`,
      ),
      field('Timeout', formatDuration(plan.timeoutSeconds)),
      field('Expires', formatTime(request.expiresAt)),
      field('Plan hash', code(request.planHash.slice(0, 12), 12)),
      field('Request', code(request.id, 100)),
    ]),
    section(`*Targets*\n${targetsText(request)}`),
    section(`*Parameters*\n${parametersText(plan.parameters)}`),
    contextBlock([`Approvals bind to plan sha256 ${code(request.planHash, 80)}`]),
  ];
  return blocks;
}

function targetsText(request: MitigationRequest): string {
  const targets = request.plan.targets;
  switch (targets.type) {
    case 'tags':
      return `instances tagged ${code(targets.key, 128)} = ${listWithMore(
        targets.values.map((v) => code(v, 100)),
        TARGET_IDS_SHOWN,
        ' or ',
      )}`;
    case 'resource-group':
      return `resource group ${code(targets.name, 128)}`;
    case 'instances':
      return `${plural(targets.instanceIds.length, 'instance')}: ${listWithMore(
        targets.instanceIds.map((id) => code(id, 64)),
        TARGET_IDS_SHOWN,
      )}`;
    case 'resource':
      return 'the resource its parameters name (one execution, no instances)';
    default:
      return safeLine(JSON.stringify(targets), 500);
  }
}

function describeTargetsRaw(request: MitigationRequest): string {
  const targets = request.plan.targets;
  switch (targets.type) {
    case 'tags':
      return `instances tagged ${oneLine(targets.key)}=${targets.values.length === 1 ? oneLine(targets.values[0] ?? '') : `${targets.values.length} values`}`;
    case 'resource-group':
      return `resource group ${oneLine(targets.name)}`;
    case 'instances':
      return plural(targets.instanceIds.length, 'instance');
    case 'resource':
      return 'one resource';
    default:
      return 'targets';
  }
}

/** `name = value` lines, each as inline code, bounded to the section limit. */
function parametersText(parameters: Readonly<Record<string, string>>): string {
  const entries = Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!entries.length) return '_none_';
  const lines: string[] = [];
  let length = 0;
  for (const [i, [name, value]] of entries.entries()) {
    const line = code(`${name} = ${value}`, 300);
    if (length + line.length + 1 > SLACK_LIMITS.sectionText - 200) {
      lines.push(`+${entries.length - i} more parameters`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
}

function whoMayApprove(request: MitigationRequest, cto: RosterMember, seniors: RosterMember[], now: string): string {
  const quorum = request.seniorQuorum;
  const names = seniors.length
    ? listWithMore(
        seniors.map((s) => `${safeLine(s.name, 80)}${isAway(s, now) ? ' (away)' : ''}`),
        LIST_SHOWN,
      )
    : '';
  const seniorsPart = seniors.length ? `${quorum} of the senior engineers (${names})` : '';
  const ctoAway = isAway(cto, now);
  const ctoSilent = !!request.escalatedAt || now >= request.escalateAt;
  let text: string;
  if (ctoAway) {
    text = seniors.length
      ? `The CTO ${mention(cto.slackUserId)} is away until ${formatTime(cto.awayUntil ?? '')}, so ${seniorsPart} may approve.`
      : `The CTO ${mention(cto.slackUserId)} is away until ${formatTime(cto.awayUntil ?? '')} and no senior engineer is on the roster: only the CTO can approve.`;
  } else if (ctoSilent) {
    text = seniors.length
      ? `The CTO ${mention(cto.slackUserId)} did not answer by ${formatTime(request.escalateAt)}: the CTO, or ${seniorsPart}, may approve.`
      : `The CTO ${mention(cto.slackUserId)} did not answer by ${formatTime(request.escalateAt)}; no senior engineer is on the roster, so only the CTO can approve.`;
  } else {
    text = seniors.length
      ? `The CTO ${mention(cto.slackUserId)} approves alone. If the CTO is away or does not answer by ${formatTime(request.escalateAt)}, ${seniorsPart} may approve instead.`
      : `The CTO ${mention(cto.slackUserId)} approves alone.`;
  }
  const requester = /^slack:/.test(request.requestedBy) ? ' The requester cannot approve it.' : '';
  return `${text}${requester} The CTO or any senior engineer may reject it.`;
}

function approvalsText(request: MitigationRequest): string {
  const current = request.approvals.filter((a) => a.planHash === request.planHash);
  const superseded = request.approvals.filter((a) => a.planHash !== request.planHash);
  const lines: string[] = [];
  if (!current.length) lines.push('None yet.');
  else {
    lines.push(listWithMore(current.map(approvalLine), LIST_SHOWN, '\n'));
    const seniors = new Set(current.filter((a) => a.role === 'senior').map((a) => a.userId)).size;
    if (seniors && !current.some((a) => a.role === 'cto')) lines.push(`${seniors} of ${request.seniorQuorum} senior approvals.`);
  }
  if (superseded.length)
    lines.push(
      listWithMore(
        superseded.map(
          (a) => `~${approvalLine(a)}~ for an earlier plan (${code(a.planHash.slice(0, 12), 12)}); it no longer counts`,
        ),
        LIST_SHOWN,
        '\n',
      ),
    );
  return lines.join('\n');
}

const approvalLine = (a: Approval): string => `${mention(a.userId)} (${safeLine(a.role, 20)}) at ${formatTime(a.at)}`;

function decisionLine(request: MitigationRequest): string {
  const by = request.decidedBy?.length ? request.decidedBy : undefined;
  const at = request.decidedAt ? ` at ${formatTime(request.decidedAt)}` : '';
  const reason = request.reason?.trim() ? `: ${safeLine(request.reason.trim(), 500)}` : '';
  switch (request.state) {
    case 'approved':
    case 'running':
    case 'succeeded':
    case 'failed': {
      if (by?.includes('policy') || (request.requestedBy.startsWith('policy:') && !request.approvals.length))
        return `Approved by policy (pre-approved low-risk countermeasure)${at}.`;
      const approvers = by ?? request.approvals.filter((a) => a.planHash === request.planHash).map((a) => a.userId);
      return `Approved by ${approvers.length ? joinAnd(approvers.map(mention)) : 'an unknown approver'}${at}.`;
    }
    case 'rejected':
      return `Rejected by ${by ? joinAnd(by.map(mention)) : 'an unknown approver'}${at}${reason || ': no reason given'}.`;
    case 'expired':
      return `Expired at ${formatTime(request.decidedAt ?? request.expiresAt)} without a decision.`;
    case 'cancelled':
      return `Cancelled${by ? ` by ${joinAnd(by.map(mention))}` : ''}${at}${reason}.`;
    case 'awaiting_approval':
      return `Awaiting approval until ${formatTime(request.expiresAt)}.`;
    default:
      return safeLine(String(request.state), 40);
  }
}

function requesterText(requestedBy: string): string {
  const slack = /^slack:(.+)$/.exec(requestedBy);
  if (slack) return mention(slack[1]!);
  if (requestedBy.startsWith('policy:')) return `policy (${safeLine(requestedBy.slice('policy:'.length), 80)})`;
  return safeLine(requestedBy, 100);
}
