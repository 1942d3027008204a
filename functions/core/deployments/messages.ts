/**
 * Slack messages about deployments and release holds, as Block Kit JSON. Pure: no I/O, no Slack SDK.
 *
 * Everything a deployment event or a CI system sends (service, version, commit, actor, reason, link)
 * is untrusted: it goes through `slack-text.ts` (escaped, one line, bounded) and links only through
 * `link()` (plain https). The only `<…>` sequences written here are mentions of validated Slack user
 * ids and checked links. Every mrkdwn text object is `verbatim`.
 */
import { isAway, type RosterMember } from '../approval/roster.ts';
import type { SlackMessage } from '../slack/block-kit.ts';
import { deploymentTime } from './what-changed.ts';
import { SOURCE_NAMES, type DeploymentStatus } from './deployment-sources.ts';
import { type DeploymentRecord } from './deployment-record.ts';
import { type HoldState } from './release-hold.ts';
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
  truncate,
} from '../slack/text.ts';

const STATUS_EMOJI: Record<DeploymentStatus, string> = {
  started: ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  stopped: ':black_square_for_stop:',
};

const STATUS_WORD: Record<DeploymentStatus, string> = {
  started: 'in progress',
  succeeded: 'succeeded',
  failed: 'failed',
  stopped: 'stopped',
};

/** What the console link opens, by source. */
const LINK_LABEL: Record<string, string> = {
  'aws.codepipeline': 'Open the pipeline execution',
  'aws.codedeploy': 'Open the CodeDeploy deployment',
  'aws.ecs': 'Open the ECS service deployments',
  'aws.cloudformation': 'Open the CloudFormation stack',
};

export interface DeploymentNoticeOptions {
  /** The service's hold, when this notice should say it is held. */
  readonly hold?: HoldState;
  /** The release incident this failure opened. */
  readonly incidentId?: string;
}

/**
 * The notice in the deployments channel: posted once per deployment and updated in place as its
 * events arrive (started, then succeeded or failed). Service, environment, version, commit, who,
 * how long, link, and for a failure the reason, the incident and the hold.
 */
export function deploymentNotice(record: DeploymentRecord, options: DeploymentNoticeOptions = {}): SlackMessage {
  const emoji = STATUS_EMOJI[record.status] ?? ':grey_question:';
  const service = code(record.service, 100);
  const version = code(record.version, 100);
  const environment = `*${safeLine(record.environment, 32)}*`;
  const headline: Record<DeploymentStatus, string> = {
    started: `${emoji} Deploying ${service} ${version} to ${environment}`,
    succeeded: `${emoji} Deployed ${service} ${version} to ${environment}${record.durationSeconds !== undefined ? ` in ${formatDuration(record.durationSeconds)}` : ''}`,
    failed: `${emoji} Deployment of ${service} ${version} to ${environment} *failed*`,
    stopped: `${emoji} Deployment of ${service} ${version} to ${environment} was stopped`,
  };
  const blocks: object[] = [section(headline[record.status] ?? `${emoji} ${service} ${version}`)];

  const fields = [
    field('Service', `${service}${record.group ? ` (${code(record.group, 100)})` : ''}`),
    field('Environment', safeLine(record.environment, 32)),
    field('Version', version),
    field('Status', `${STATUS_WORD[record.status] ?? safeLine(record.status, 20)} (${code(record.sourceStatus, 60)})`),
  ];
  const commit = commitText(record);
  if (commit) fields.push(field('Commit', commit));
  if (record.actor) fields.push(field('By', safeLine(record.actor, 100)));
  fields.push(field(record.status === 'started' ? 'Started' : 'Duration', durationText(record)));
  fields.push(field('Account / region', `${code(record.account, 40)} / ${code(record.region, 40)}`));
  blocks.push(fieldsSection(fields));

  if ((record.status === 'failed' || record.status === 'stopped') && record.reason)
    blocks.push(section(`*Reason*\n${safeLine(record.reason, 500)}`));
  if (options.incidentId)
    blocks.push(section(`:rotating_light: Incident ${code(options.incidentId, 100)} opened for this failure.`));
  if (options.hold?.held) blocks.push(section(holdLine(options.hold)));

  const context: string[] = [];
  const consoleLink = link(record.link, LINK_LABEL[record.source] ?? 'Open the build');
  if (consoleLink) context.push(consoleLink);
  context.push(`${safeLine(SOURCE_NAMES[record.source] ?? record.source, 60)} · deployment ${code(record.id, 40)}`);
  blocks.push(contextBlock(context));

  const duration =
    record.status === 'succeeded' && record.durationSeconds !== undefined ? ` in ${formatDuration(record.durationSeconds)}` : '';
  const text = `${emoji} ${safeLine(record.service, 100)} ${safeLine(record.version, 100)} to ${safeLine(record.environment, 32)}: ${STATUS_WORD[record.status] ?? safeLine(record.status, 20)}${duration}`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks };
}

/**
 * A service went on a release hold: why, who can lift it (the CTO alone; senior engineers while
 * the CTO is away), the approvals so far, and the command. A lifted hold gets the lifted form.
 */
export function releaseHoldMessage(
  hold: HoldState,
  roster: { readonly cto: RosterMember; readonly seniors: readonly RosterMember[] },
  now: string,
): SlackMessage {
  if (!hold.held) return releaseLiftedMessage(hold);
  const { cto, seniors } = roster;
  const service = code(hold.service, 100);
  const quorum = plural(hold.seniorQuorum, 'senior engineer');
  const seniorNames = seniors.length
    ? listWithMore(
        seniors.map((s) => `${safeLine(s.name, 80)}${isAway(s, now) ? ' (away)' : ''}`),
        10,
      )
    : '';
  let who: string;
  if (isAway(cto, now)) {
    who = seniors.length
      ? `The CTO ${mention(cto.slackUserId)} is away until ${formatTime(cto.awayUntil ?? '')}, so ${quorum} (of ${seniorNames}) may lift it; the CTO still can alone.`
      : `The CTO ${mention(cto.slackUserId)} is away until ${formatTime(cto.awayUntil ?? '')} and no senior engineer is on the roster: only the CTO can lift it.`;
  } else {
    who = `The CTO ${mention(cto.slackUserId)} lifts it alone.${seniors.length ? ` If the CTO is away, ${quorum} (of ${seniorNames}) may lift it instead.` : ''}`;
  }
  if (seniors.length && seniors.length < hold.seniorQuorum) {
    who += `\n:warning: Only ${plural(seniors.length, 'senior engineer')} ${seniors.length === 1 ? 'is' : 'are'} on the roster, fewer than the ${hold.seniorQuorum} needed: only the CTO can lift it.`;
  }
  const seniorApprovals = new Set(hold.approvals.filter((a) => a.role === 'senior').map((a) => a.userId));
  const approvals = hold.approvals.length
    ? `${listWithMore(
        hold.approvals.map((a) => `${mention(a.userId)} (${safeLine(a.role, 20)}) at ${formatTime(a.at)}`),
        10,
        '\n',
      )}\n${seniorApprovals.size} of ${hold.seniorQuorum} senior approvals.`
    : 'None yet.';
  const blocks: object[] = [
    header(`Release hold · ${oneLine(hold.service)}`),
    section(
      `:lock: ${service} is on a release hold since ${formatTime(hold.heldAt)}: deployment ${code(hold.deploymentId, 40)} of ${code(hold.version, 100)} to *${safeLine(hold.environment, 32)}* failed. New releases of ${service} need approval.`,
    ),
    section(`*Who can lift it*\n${who}`),
    section(`*Approvals*\n${approvals}`),
    contextBlock([
      `Approve with ${code(`/firebreak release approve ${hold.service}`, 300)}. Pipelines can gate on ${code(`firebreak release check ${hold.service}`, 300)} (exit 1 while held).${hold.incidentId ? ` Incident ${code(hold.incidentId, 100)}.` : ''}`,
    ]),
  ];
  const text = `${mention(cto.slackUserId)} ${safeLine(hold.service, 100)} is on a release hold: deployment ${safeLine(hold.deploymentId, 40)} of ${safeLine(hold.version, 100)} to ${safeLine(hold.environment, 32)} failed. Approve with /firebreak release approve ${safeLine(hold.service, 100)}.`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks };
}

/** The hold on a service was lifted: by whom and when; new releases may deploy. */
export function releaseLiftedMessage(hold: HoldState): SlackMessage {
  const service = code(hold.service, 100);
  const by = hold.liftedBy?.length ? ` by ${joinAnd(hold.liftedBy.map(mention))}` : '';
  const at = hold.liftedAt ? ` at ${formatTime(hold.liftedAt)}` : '';
  const line = `:unlock: The release hold on ${service} was lifted${by}${at}. New releases may deploy.`;
  const blocks = [
    section(line),
    contextBlock([
      `The hold followed the failed deployment ${code(hold.deploymentId, 40)} of ${code(hold.version, 100)} to ${safeLine(hold.environment, 32)} (held since ${formatTime(hold.heldAt)}).`,
    ]),
  ];
  const text = `The release hold on ${safeLine(hold.service, 100)} was lifted${by}${at}. New releases may deploy.`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks };
}

/** One line per deployment for an incident's "What changed?" (newest first as given), `+N more` past `max`. */
export function whatChangedLines(
  records: readonly DeploymentRecord[],
  options: { readonly max?: number; readonly format?: 'mrkdwn' | 'plain' } = {},
): string[] {
  const max = options.max ?? 5;
  const plain = options.format === 'plain';
  const lines = records.slice(0, max).map((r) => (plain ? plainLine(r) : mrkdwnLine(r)));
  if (records.length > max) lines.push(`+${records.length - max} more`);
  return lines;
}

function mrkdwnLine(r: DeploymentRecord): string {
  const by = r.actor ? ` by ${safeLine(r.actor, 60)}` : '';
  const target = link(r.link, 'link');
  return `${STATUS_EMOJI[r.status] ?? ''} ${code(r.service, 100)} ${code(r.version, 60)} to ${safeLine(r.environment, 32)} ${STATUS_WORD[r.status] ?? safeLine(r.status, 20)} at ${formatTime(deploymentTime(r))}${by}${target ? ` · ${target}` : ''}`.trim();
}

/** For a terminal (`firebreak incidents show`): no markup, no control characters (C0 or C1). */
function plainLine(r: DeploymentRecord): string {
  const clean = (text: string, max: number) => truncate(oneLine(text).replace(/[\u0080-\u009f]/g, ' '), max);
  const by = r.actor ? ` by ${clean(r.actor, 60)}` : '';
  return `${clean(r.service, 100)} ${clean(r.version, 60)} to ${clean(r.environment, 32)} ${STATUS_WORD[r.status] ?? clean(r.status, 20)} at ${formatTime(deploymentTime(r))}${by} (${clean(r.id, 40)})`;
}

function commitText(record: DeploymentRecord): string | undefined {
  const parts: string[] = [];
  if (record.commit)
    parts.push(/^[0-9a-f]{7,64}$/i.test(record.commit) ? code(record.commit.slice(0, 12), 12) : safeLine(record.commit, 200));
  if (record.commitMessage) parts.push(safeLine(record.commitMessage, 200));
  return parts.length ? parts.join(' ') : undefined;
}

function durationText(record: DeploymentRecord): string {
  if (record.status === 'started') return record.startedAt ? formatTime(record.startedAt) : 'now';
  if (record.durationSeconds !== undefined)
    return `${formatDuration(record.durationSeconds)} (finished ${formatTime(record.finishedAt ?? record.lastEventAt)})`;
  return `unknown (finished ${formatTime(record.finishedAt ?? record.lastEventAt)})`;
}

function holdLine(hold: HoldState): string {
  return `:lock: ${code(hold.service, 100)} is on a release hold: new releases need the CTO's approval (or senior engineers' while the CTO is away): ${code(`/firebreak release approve ${hold.service}`, 300)}.`;
}

// --- Block Kit builders (the shapes of slack/block-kit.ts; sections cut by slice) -----------------

const plainText = (text: string) => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
/** A header from raw (untrusted) text: escaped and cut to Slack's 150 characters. */
const header = (raw: string) => ({ type: 'header', text: plainText(safeLine(raw, SLACK_LIMITS.header)) });
/** Sections, fields and context take mrkdwn that is already safe; every piece above is bounded well below the limits. */
const section = (safe: string) => ({ type: 'section', text: mrkdwn(safe.slice(0, SLACK_LIMITS.sectionText)) });
const field = (label: string, safeValue: string) => `*${label}*\n${safeValue}`;
const fieldsSection = (fields: string[]) => ({
  type: 'section',
  fields: fields.slice(0, SLACK_LIMITS.sectionFields).map((f) => mrkdwn(f.slice(0, SLACK_LIMITS.sectionField))),
});
const contextBlock = (safe: string[]) => ({
  type: 'context',
  elements: safe.slice(0, SLACK_LIMITS.contextElements).map((t) => mrkdwn(t.slice(0, SLACK_LIMITS.contextText))),
});
