/**
 * Slack messages as Block Kit JSON (plain objects). Pure: no I/O, no Slack SDK; time is an input.
 *
 * Every piece of untrusted text goes through `slack-text.ts` (escaped, one line where it should be,
 * bounded). The only `<…>` sequences written here are mentions of validated Slack user ids and the
 * incident's source link after it was checked to be a plain https URL. All mrkdwn text objects are
 * `verbatim`, so Slack does not turn bare URLs, `@here` or `#channel` in untrusted text into links.
 */
import type { IncidentEventDetail } from '../events/incident-events.ts';
import { isAway, type RosterMember } from '../approval/roster.ts';
import { type Approval, type MitigationRequest } from '../mitigations/mitigation.ts';
import {
  SLACK_LIMITS,
  code,
  formatDuration,
  formatTime,
  joinAnd,
  link,
  listWithMore,
  mention,
  oneLine,
  plural,
  safeLine,
  safeText,
  truncate,
} from './text.ts';

export type SlackMessage = { text: string; blocks: object[] };
export type EphemeralReply = { response_type: 'ephemeral'; replace_original: false; text: string };

export const ACTION_IDS = {
  incidentAck: 'incident_ack',
  incidentResolve: 'incident_resolve',
  mitigationApprove: 'mitigation_approve',
  mitigationReject: 'mitigation_reject',
} as const;

/** The value of the mitigation buttons: `<incident id>|<request id>|<plan hash, 12 hex>`: a click approves the plan it was shown with. */
export const mitigationButtonValue = (request: Pick<MitigationRequest, 'incidentId' | 'id' | 'planHash'>): string =>
  `${request.incidentId}|${request.id}|${request.planHash.slice(0, 12)}`;

export function parseMitigationButtonValue(
  value: string,
): { incidentId: string; requestId: string; planHash?: string } | undefined {
  const match = /^([^|]{1,200})\|([^|]{1,200})(?:\|([0-9a-f]{12}))?$/.exec(value);
  return match ? { incidentId: match[1]!, requestId: match[2]!, ...(match[3] ? { planHash: match[3] } : {}) } : undefined;
}

const RESOURCES_SHOWN = 5;
const TARGET_IDS_SHOWN = 10;
const LIST_SHOWN = 10;

// ---------------------------------------------------------------------------------------------
// Incidents
// ---------------------------------------------------------------------------------------------

export type IncidentMessageInput = IncidentEventDetail & {
  description?: string;
  url?: string;
  acknowledgedBy?: string;
  resolvedBy?: string;
};

/** The incident's message in its channel: posted when it opens, updated in place afterwards. */
/**
 * @param options.whatChanged lines from `whatChangedLines` (deployment-messages.ts): the deployments
 * to the same service or account in the hour before the incident opened; already escaped mrkdwn.
 */
export function incidentMessage(incident: IncidentMessageInput, options: { whatChanged?: readonly string[] } = {}): SlackMessage {
  const blocks: object[] = [header(`${incident.severity} · ${incident.category} · ${oneLineRaw(incident.title)}`)];
  if (incident.description?.trim()) blocks.push(section(safeText(incident.description.trim(), 1500)));
  blocks.push(
    fieldsSection([
      field('Severity', safeLine(incident.severity, 20)),
      field('Category', safeLine(incident.category, 40)),
      field('Status', safeLine(incident.status, 40)),
      field('Signals', String(incident.signalCount)),
      field('Account / region', `${code(incident.account, 40)} / ${code(incident.region, 40)}`),
      field('Source', safeLine(incident.source, 200)),
      field('First seen', formatTime(incident.firstSeen)),
      field('Last seen', formatTime(incident.lastSeen)),
      field('Incident', code(incident.incidentId, 100)),
    ]),
  );
  if (incident.resources.length) {
    const shown = incident.resources.slice(0, RESOURCES_SHOWN).map((r) => `• ${code(r, 300)}`);
    const more = incident.resources.length - shown.length;
    blocks.push(section(`*Resources* (${incident.resources.length})\n${shown.join('\n')}${more > 0 ? `\n+${more} more` : ''}`));
  }
  if (options.whatChanged?.length)
    blocks.push(
      section(
        truncate(`*What changed?* Deployments in the hour before\n${options.whatChanged.join('\n')}`, SLACK_LIMITS.sectionText),
      ),
    );
  const context: string[] = [];
  const source = link(incident.url, 'Open in console');
  if (source) context.push(source);
  if (incident.mitigations.length)
    context.push(
      `Proposed mitigations: ${listWithMore(
        incident.mitigations.map((m) => code(m, 64)),
        5,
      )}`,
    );
  if (context.length) blocks.push(contextBlock(context));

  const closed = incident.status === 'resolved' || incident.status === 'closed';
  if (closed) {
    const by = incident.resolvedBy ? ` by ${mention(incident.resolvedBy)}` : '';
    blocks.push(
      contextBlock([
        incident.status === 'closed'
          ? `:white_check_mark: Closed${by}. No further action.`
          : `:white_check_mark: Resolved${by}${by ? '' : ': every affected resource recovered'}. No further action needed.`,
      ]),
    );
  } else {
    if (incident.status !== 'open' && incident.acknowledgedBy)
      blocks.push(contextBlock([`Acknowledged by ${mention(incident.acknowledgedBy)}.`]));
    const buttons: object[] = [];
    if (incident.status === 'open') buttons.push(button('Acknowledge', ACTION_IDS.incidentAck, incident.incidentId, 'primary'));
    buttons.push(button('Resolve', ACTION_IDS.incidentResolve, incident.incidentId));
    blocks.push({ type: 'actions', elements: buttons });
  }

  const status = incident.status === 'open' ? '' : ` (${safeLine(incident.status, 40)})`;
  const text = `${safeLine(incident.severity, 20)} ${safeLine(incident.category, 40)} incident ${safeLine(incident.incidentId, 100)}${status}: ${safeLine(incident.title, 500)}`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks };
}

export type ThreadChange = 'severity_raised' | 'resolved' | 'reopened' | 'acknowledged' | 'severity_changed';

/** The change in an announcement worth a thread reply, if any (a plain repeat signal is not). */
export function threadChangeFor(detail: Pick<IncidentEventDetail, 'changes' | 'redelivery'>): ThreadChange | undefined {
  if (detail.redelivery) return undefined;
  const order: readonly ThreadChange[] = ['reopened', 'resolved', 'severity_raised', 'severity_changed', 'acknowledged'];
  return order.find((change) => detail.changes.includes(change));
}

/** A short reply in the incident's thread for a meaningful change. `actor` is a Slack user id. */
export function incidentThreadReply(detail: IncidentEventDetail, change: ThreadChange, actor?: string): SlackMessage {
  const by = actor ? ` by ${mention(actor)}` : '';
  const severity = `*${safeLine(detail.severity, 20)}*`;
  const signals = plural(detail.signalCount, 'signal');
  const line: Record<ThreadChange, string> = {
    severity_raised: `:arrow_up: Severity raised to ${severity}${by} (${signals} so far).`,
    severity_changed: `Severity changed to ${severity}${by}.`,
    resolved: actor ? `:white_check_mark: Resolved${by}.` : ':white_check_mark: Resolved: every affected resource recovered.',
    reopened: `:warning: Reopened: a new signal arrived after it was resolved (${signals} so far).`,
    acknowledged: `:eyes: Acknowledged${by}.`,
  };
  const text = line[change];
  return { text, blocks: [section(text)] };
}

// ---------------------------------------------------------------------------------------------
// Mitigations
// ---------------------------------------------------------------------------------------------

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

/** A plain ephemeral reply (slash command or button response); the text is escaped. */
export function ephemeral(text: string): EphemeralReply {
  return { response_type: 'ephemeral', replace_original: false, text: safeText(text, SLACK_LIMITS.fallbackText) };
}

function summaryBlocks(request: MitigationRequest): object[] {
  const { plan } = request;
  const requester = requesterText(request.requestedBy);
  const blocks: object[] = [
    header(`${STATE_HEADERS[request.state] ?? 'Mitigation'} · ${oneLineRaw(request.title)}`),
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
    default:
      return safeLine(JSON.stringify(targets), 500);
  }
}

function describeTargetsRaw(request: MitigationRequest): string {
  const targets = request.plan.targets;
  switch (targets.type) {
    case 'tags':
      return `instances tagged ${oneLineRaw(targets.key)}=${targets.values.length === 1 ? oneLineRaw(targets.values[0] ?? '') : `${targets.values.length} values`}`;
    case 'resource-group':
      return `resource group ${oneLineRaw(targets.name)}`;
    case 'instances':
      return plural(targets.instanceIds.length, 'instance');
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

// ---------------------------------------------------------------------------------------------
// Block Kit builders
// ---------------------------------------------------------------------------------------------

const plainText = (text: string) => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

/** A header from raw (untrusted) text: escaped and cut to Slack's 150 characters. */
const header = (raw: string) => ({ type: 'header', text: plainText(safeLine(raw, SLACK_LIMITS.header)) });
/** A section from mrkdwn that is already safe. */
const section = (safe: string) => ({ type: 'section', text: mrkdwn(clip(safe, SLACK_LIMITS.sectionText)) });
const field = (label: string, safeValue: string) => `*${label}*\n${safeValue}`;
const fieldsSection = (fields: string[]) => ({
  type: 'section',
  fields: fields.slice(0, SLACK_LIMITS.sectionFields).map((f) => mrkdwn(clip(f, SLACK_LIMITS.sectionField))),
});
const contextBlock = (safe: string[]) => ({
  type: 'context',
  elements: safe.slice(0, SLACK_LIMITS.contextElements).map((t) => mrkdwn(clip(t, SLACK_LIMITS.contextText))),
});

function button(label: string, actionId: string, value: string, style?: 'primary' | 'danger'): object {
  return {
    type: 'button',
    action_id: actionId,
    text: plainText(safeLine(label, SLACK_LIMITS.buttonText)),
    value: value.slice(0, SLACK_LIMITS.buttonValue),
    ...(style ? { style } : {}),
  };
}

/** Raw text made one line (for text that is escaped later). */
const oneLineRaw = oneLine;

/**
 * Last-resort cut of already-safe mrkdwn that never ends inside an entity (`&amp;`) or a mention
 * (`<@U…>`); the builders above keep their pieces short enough that this rarely applies.
 */
function clip(safe: string, max: number): string {
  if (safe.length <= max) return safe;
  let end = max - 1;
  const openTag = safe.lastIndexOf('<', end);
  if (openTag > safe.lastIndexOf('>', end - 1)) end = openTag;
  const amp = safe.lastIndexOf('&', end);
  if (amp >= 0 && amp > safe.lastIndexOf(';', end - 1) && end - amp < 6) end = amp;
  const code = safe.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${safe.slice(0, end)}…`;
}

// ---------------------------------------------------------------------------------------------
// Reading messages back (drill transcripts, tests)
// ---------------------------------------------------------------------------------------------

/**
 * Renders a message as the plain text a reader would see: mentions as `@U123`, links as
 * `label (url)`, escaped characters as the characters themselves, buttons as `[Approve] [Reject]`.
 */
export function renderMessageText(message: { text?: string; blocks?: object[] }): string {
  const blocks = (message.blocks ?? []) as Array<Record<string, unknown>>;
  if (!blocks.length) return readable(message.text ?? '');
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        lines.push(readable(textOf(block.text)));
        break;
      case 'section': {
        if (block.text) lines.push(readable(textOf(block.text)));
        const fields = Array.isArray(block.fields) ? block.fields : [];
        for (const f of fields) {
          const t = textOf(f);
          const labelled = /^\*([^*\n]+)\*\n([\s\S]*)$/.exec(t);
          lines.push(labelled ? `${readable(labelled[1]!)}: ${readable(labelled[2]!)}` : readable(t));
        }
        const accessory = block.accessory as Record<string, unknown> | undefined;
        if (accessory?.type === 'button') lines.push(`[${readable(textOf(accessory.text))}]`);
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? (block.elements as unknown[]) : [];
        lines.push(
          elements
            .map((e) => readable(textOf(e)))
            .filter(Boolean)
            .join(' · '),
        );
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? (block.elements as Array<Record<string, unknown>>) : [];
        lines.push(elements.map((e) => `[${readable(textOf(e.text) || String(e.action_id ?? e.type))}]`).join(' '));
        break;
      }
      case 'divider':
        lines.push('---');
        break;
      default:
        lines.push(`[${String(block.type)}]`);
    }
  }
  return lines.join('\n');
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string')
    return (value as { text: string }).text;
  return '';
}

/** Slack's markup as displayed: real `<…>` sequences first, then the escaped characters. */
function readable(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_all, inner: string) => {
      const [target = '', label] = inner.split('|', 2);
      if (/^@[UW][A-Z0-9]+$/.test(target)) return label ? `@${label}` : target;
      if (target.startsWith('!')) return `@${(label ?? target.slice(1)).replace(/^subteam\^\w+$/, 'group')}`;
      if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
      return label ? `${label} (${target})` : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
