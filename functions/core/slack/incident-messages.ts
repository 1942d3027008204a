/**
 * An incident's Slack messages (its channel message and thread replies) as Block Kit JSON (plain objects). Pure: no I/O,
 * no Slack SDK; time is an input.
 *
 * Every piece of untrusted text goes through `slack-text.ts` (escaped, one line where it should be,
 * bounded). The only `<…>` sequences written here are mentions of validated Slack user ids and the
 * incident's source link after it was checked to be a plain https URL. All mrkdwn text objects are
 * `verbatim`, so Slack does not turn bare URLs, `@here` or `#channel` in untrusted text into links.
 */
import type { IncidentEventDetail } from '../events/incident-events.ts';
import { button, contextBlock, field, fieldsSection, header, section, type SlackMessage } from './block-kit.ts';
import { ACTION_IDS } from './button-values.ts';
import {
  SLACK_LIMITS,
  code,
  formatTime,
  link,
  listWithMore,
  mention,
  oneLine,
  plural,
  safeLine,
  safeText,
  truncate,
} from './text.ts';

const RESOURCES_SHOWN = 5;

export type IncidentMessageInput = IncidentEventDetail & {
  description?: string;
  url?: string;
  acknowledgedBy?: string;
  resolvedBy?: string;
};

/** The incident's message in its channel: posted when it opens, updated in place afterwards. */
/**
 * @param options.whatChanged lines from `whatChangedLines` (deployments/messages.ts): the deployments
 * to the same service or account in the hour before the incident opened; already escaped mrkdwn.
 */
export function incidentMessage(incident: IncidentMessageInput, options: { whatChanged?: readonly string[] } = {}): SlackMessage {
  const blocks: object[] = [header(`${incident.severity} · ${incident.category} · ${oneLine(incident.title)}`)];
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
        truncate(
          `*What changed?* Deployments and configuration changes in the hour before\n${options.whatChanged.join('\n')}`,
          SLACK_LIMITS.sectionText,
        ),
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
export function threadChangeFor(detail: Pick<IncidentEventDetail, 'changes'>): ThreadChange | undefined {
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
