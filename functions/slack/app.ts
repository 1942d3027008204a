import {
  App,
  AwsLambdaReceiver,
  LogLevel,
  type AllMiddlewareArgs,
  type BlockAction,
  type SlackActionMiddlewareArgs,
} from '@slack/bolt';
import type { AwsHandler } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { HELP, parseCommand, type Command } from '../core/slack/commands.ts';
import type { FirebreakConfig } from '../core/config.ts';
import { ACTIVE_STATUSES } from '../core/incidents/incident.ts';
import { parseMitigationButtonValue } from '../core/slack/button-values.ts';
import { escapeSlackText, truncate } from '../core/slack/text.ts';
import { releaseCheck } from '../core/deployments/release-check.ts';
import type { Actor, Reply } from '../workflow/reply.ts';
import type { Workflow } from '../workflow/workflow.ts';
import { requestCancel, type CancelRequestDependencies } from '../workflow/cancel-mitigation.ts';
import type { SlackHoldsPort, SlackIncidentsPort, SlackMitigationsPort } from './ports.ts';
import type { DeployFreezesPort } from '../workflow/ports/freeze.ts';
import { approveDuringFreeze } from '../workflow/deploy-freeze.ts';
import { applicableFreezes } from '../core/deployments/deploy-freeze.ts';
import { combinedCheck, freezeCheck } from '../core/deployments/freeze-approval.ts';
import { BATCH_ACTION_IDS } from '../core/maintenance/batch-message.ts';
import { PATCH_BATCH_ID_PATTERN } from '../core/maintenance/patch-batch.ts';
import { decidePatchBatch, type PatchWindowDependencies } from '../workflow/patch-windows.ts';
import { batchDecisionReply, windowsSchedule } from '../workflow/patch-batch-slack.ts';
import type { ReviewAckDependencies } from '../workflow/configuration-review.ts';
import { auditForeignReviewClick, registerReviewButton } from './review-button.ts';

export interface SlackAppDependencies {
  readonly signingSecret: string;
  readonly botToken: string;
  /** When set, requests from any other Slack app are refused. */
  readonly appId?: string;
  /** Points the Web API client at a local stand-in in tests and drills. */
  readonly slackApiUrl?: string;
  readonly config: FirebreakConfig;
  readonly incidents: SlackIncidentsPort;
  readonly mitigations: SlackMitigationsPort;
  readonly holds: SlackHoldsPort;
  /** Deploy freezes: `release status` reads them, `release approve --during-freeze` decides on them. */
  readonly freezes: DeployFreezesPort;
  readonly workflow: Workflow;
  /** Records cancels of running mitigations (`/firebreak cancel`); execute stops the run. */
  readonly cancels: CancelRequestDependencies;
  /** Patch batches (maintenance windows): their buttons and `/firebreak windows`. */
  readonly patchWindows?: PatchWindowDependencies;
  /** Configuration reviews: their Reviewed button (absent when `review.enabled` is false). */
  readonly configurationReviews?: ReviewAckDependencies;
  /** Structured log of refused requests (no message text: it may carry personal data). */
  readonly onRefused?: (reason: string, details: Record<string, unknown>) => void;
}

/**
 * The Bolt app behind the HTTPS endpoint. Listeners only verify, authorize, write and emit events:
 * substantial messages are posted by notify, so Slack gets its answer well inside 3 seconds.
 */
export function createSlackHandler(deps: SlackAppDependencies): AwsHandler {
  const receiver = new AwsLambdaReceiver({
    signingSecret: deps.signingSecret,
    logLevel: LogLevel.ERROR,
    invalidRequestSignatureHandler: ({ ts }) => deps.onRefused?.('bad_signature', { ts }),
  });
  const app = new App({
    // A fixed authorization instead of `token`: Bolt would otherwise call auth.test on every request,
    // a Slack round trip on the path that must answer within 3 seconds.
    authorize: async () => ({ botToken: deps.botToken }),
    receiver,
    logLevel: LogLevel.ERROR,
    ...(deps.slackApiUrl ? { clientOptions: { slackApiUrl: deps.slackApiUrl } } : {}),
  });

  // Every request must come from our own app (when its id is known) and from the configured workspace.
  app.use(async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const teamId =
      (body.team_id as string | undefined) ??
      (body.team as { id?: string } | undefined)?.id ??
      (body.user as { team_id?: string } | undefined)?.team_id;
    const appId = body.api_app_id as string | undefined;
    if (deps.appId && appId !== deps.appId) {
      // Not a Firebreak request at all: logged, answered, never audited on a chain.
      deps.onRefused?.('other_app', { teamId, appId });
      return refuse(args, FOREIGN_REPLY);
    }
    if (teamId !== deps.config.slack.teamId) {
      deps.onRefused?.('other_workspace', { teamId, appId });
      await auditForeignRequest(body, { userId: userIdOf(body), teamId: teamId ?? '' }, deps);
      return refuse(args, FOREIGN_REPLY);
    }
    await args.next();
  });

  app.command('/firebreak', async ({ command, ack }) => {
    const actor = { userId: command.user_id, teamId: command.team_id };
    // `windows` is parsed here rather than in commands.ts: it takes no arguments.
    if (/^\s*windows\b/i.test(command.text ?? '')) {
      const extra = !/^\s*windows\s*$/i.test(command.text ?? '');
      const reply = extra
        ? { text: '`windows` takes no arguments.' }
        : deps.patchWindows
          ? await windowsSchedule(deps.patchWindows)
          : { text: 'No maintenance windows are configured (`maintenance.windows`).' };
      await ack({ response_type: 'ephemeral', text: reply.text });
      return;
    }
    const parsed = parseCommand(command.text ?? '');
    // An invalid `silence` naming an incident is refused and audited there, like a refused approval.
    if (!parsed.ok && parsed.refusedSilence)
      await deps.workflow.refuseSilence({ target: parsed.refusedSilence.target, actor, refusal: parsed.refusedSilence.problem });
    const reply = parsed.ok ? await run(parsed.command, actor, deps) : { ok: false, text: parsed.message };
    await ack({ response_type: 'ephemeral', text: reply.text });
  });

  const button =
    (handler: (value: string, actor: { userId: string; teamId: string }) => Promise<Reply>) =>
    async ({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs) => {
      await ack();
      const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
      const actor = { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id ?? '' };
      const reply = await handler(value, actor);
      await respond({ response_type: 'ephemeral', replace_original: false, text: reply.text });
    };

  app.action(
    'incident_ack',
    button((incidentId, actor) => deps.workflow.incidentAction({ kind: 'ack', incidentId, userId: actor.userId })),
  );
  app.action(
    'incident_resolve',
    button((incidentId, actor) =>
      deps.workflow.incidentAction({ kind: 'resolve', incidentId, userId: actor.userId, note: 'resolved from the Slack button' }),
    ),
  );
  app.action(
    'mitigation_approve',
    button((value, actor) => {
      const shown = parseMitigationButtonValue(value);
      return deps.workflow.decideMitigation({
        requestId: shown?.requestId ?? '',
        action: 'approve',
        actor,
        ...(shown?.planHash ? { seenPlanHash: shown.planHash } : {}),
      });
    }),
  );
  app.action(
    'mitigation_reject',
    button((value, actor) =>
      deps.workflow.decideMitigation({
        requestId: parseMitigationButtonValue(value)?.requestId ?? '',
        action: 'reject',
        actor,
        reason: 'rejected with the Slack button',
      }),
    ),
  );

  for (const action of ['approve', 'reject'] as const)
    app.action(
      BATCH_ACTION_IDS[action],
      button(async (batchId, actor) => {
        // Only ids as Firebreak mints them reach the table.
        if (!deps.patchWindows || !PATCH_BATCH_ID_PATTERN.test(batchId))
          return { ok: false, text: 'This patch batch is unknown.' };
        return batchDecisionReply(batchId, await decidePatchBatch({ batchId, action, actor }, deps.patchWindows));
      }),
    );
  registerReviewButton(app, button, deps.configurationReviews);

  return receiver.toHandler();
}

const FOREIGN_REPLY = 'Firebreak does not accept requests from this workspace or app.';

/** An ephemeral answer to a refused command (in the HTTP response) or click (through its response_url). */
async function refuse(args: { ack?: unknown; respond?: unknown; body: unknown }, text: string): Promise<void> {
  const ack = typeof args.ack === 'function' ? (args.ack as (response?: unknown) => Promise<void>) : undefined;
  if ((args.body as { command?: string }).command) return ack?.({ response_type: 'ephemeral', text });
  await ack?.();
  if (typeof args.respond === 'function')
    await (args.respond as (message: unknown) => Promise<unknown>)({ response_type: 'ephemeral', replace_original: false, text });
}

const userIdOf = (body: Record<string, unknown>): string =>
  (body.user_id as string | undefined) ?? (body.user as { id?: string } | undefined)?.id ?? '';

/**
 * A command or click from another workspace is audited on the chain of what it names: approvals and
 * rejections through the policy (which refuses them as `other_workspace`), incident actions,
 * mitigation requests, cancellations and silences (even invalid ones naming an incident) as `…_refused`
 * entries. What names nothing (help, list,
 * away…) has no chain to go on: the refusal is logged only.
 */
async function auditForeignRequest(body: Record<string, unknown>, actor: Actor, deps: SlackAppDependencies): Promise<void> {
  const { workflow } = deps;
  if (typeof body.command === 'string') {
    const parsed = parseCommand(typeof body.text === 'string' ? body.text : '');
    if (!parsed.ok) {
      if (parsed.refusedSilence)
        await workflow.refuseSilence({ target: parsed.refusedSilence.target, actor, refusal: 'other_workspace' });
      return;
    }
    const c = parsed.command;
    if (c.name === 'approve' || c.name === 'reject')
      await workflow.decideMitigation({
        requestId: c.requestId,
        action: c.name,
        actor,
        ...(c.name === 'reject' ? { reason: c.reason } : {}),
      });
    else if (c.name === 'release' && c.action === 'approve') await workflow.approveRelease({ service: c.service, actor });
    else if (c.name === 'ack' || c.name === 'resolve' || c.name === 'sev' || c.name === 'mitigate')
      await workflow.refuseOtherWorkspace({ on: 'incident', incidentId: c.incidentId, action: c.name }, actor);
    else if (c.name === 'cancel')
      await workflow.refuseOtherWorkspace({ on: 'request', requestId: c.requestId, action: 'cancel' }, actor);
    else if (c.name === 'silence') await workflow.refuseSilence({ target: c.target, actor, refusal: 'other_workspace' });
    return;
  }
  const [action] = Array.isArray(body.actions) ? (body.actions as Array<{ action_id?: unknown; value?: unknown }>) : [];
  const value = typeof action?.value === 'string' ? action.value : '';
  await auditForeignReviewClick(action?.action_id, value, actor, deps.configurationReviews);
  switch (action?.action_id) {
    case 'incident_ack':
    case 'incident_resolve':
      await workflow.refuseOtherWorkspace(
        { on: 'incident', incidentId: value, action: action.action_id === 'incident_ack' ? 'ack' : 'resolve' },
        actor,
      );
      return;
    case 'mitigation_approve':
    case 'mitigation_reject': {
      const requestId = parseMitigationButtonValue(value)?.requestId;
      if (requestId)
        await workflow.decideMitigation({
          requestId,
          action: action.action_id === 'mitigation_approve' ? 'approve' : 'reject',
          actor,
          ...(action.action_id === 'mitigation_reject' ? { reason: 'rejected with the Slack button' } : {}),
        });
    }
  }
}

async function run(command: Command, actor: { userId: string; teamId: string }, deps: SlackAppDependencies): Promise<Reply> {
  const { workflow, mitigations, holds } = deps;
  switch (command.name) {
    case 'help':
      return { ok: true, text: HELP };
    case 'list': {
      const incidents = await deps.incidents.listIncidents(ACTIVE_STATUSES, 20);
      if (!incidents.length) return { ok: true, text: 'No open incidents.' };
      return {
        ok: true,
        text: incidents
          .map(
            (i) =>
              `\`${i.id}\` ${i.severity} ${i.category} · ${i.status} · ${i.signalCount}× · ${escapeSlackText(truncate(i.title, 120))}`,
          )
          .join('\n'),
      };
    }
    case 'show': {
      // Both at once: the incident's requests share its partition, keyed by the id the command names.
      const [incident, requests] = await Promise.all([
        deps.incidents.getIncident(command.incidentId),
        mitigations.listRequests(command.incidentId),
      ]);
      if (!incident) return { ok: false, text: `No incident ${command.incidentId}.` };
      return {
        ok: true,
        text: [
          `*${incident.id}* ${incident.severity} ${incident.category} · ${incident.status}`,
          escapeSlackText(truncate(incident.title, 300)),
          `Signals: ${incident.signalCount} (first ${incident.firstSeen}, last ${incident.lastSeen}) · ${incident.account} ${incident.region}`,
          `Resources: ${escapeSlackText(truncate(incident.resources.slice(0, 10).join(', '), 500)) || '–'}`,
          ...requests.map((r) => `Mitigation \`${r.id}\` ${escapeSlackText(r.title)}: ${r.state.replace('_', ' ')}`),
        ].join('\n'),
      };
    }
    case 'ack':
      return workflow.incidentAction({ kind: 'ack', incidentId: command.incidentId, userId: actor.userId });
    case 'silence':
      return workflow.setSilence({
        target: command.target,
        minutes: command.minutes,
        reason: command.reason,
        actor,
      });
    case 'silences':
      return workflow.listSilences();
    case 'postmortem':
      return workflow.requestPostmortem({ incidentId: command.incidentId, userId: actor.userId });
    case 'resolve':
      return workflow.incidentAction({
        kind: 'resolve',
        incidentId: command.incidentId,
        userId: actor.userId,
        note: command.note,
      });
    case 'sev':
      return workflow.incidentAction({
        kind: 'sev',
        incidentId: command.incidentId,
        userId: actor.userId,
        severity: command.severity,
      });
    case 'mitigate': {
      if (!(await workflow.member(actor.userId)))
        return { ok: false, text: 'You are not on the Firebreak roster, so you cannot request mitigations.' };
      return workflow.requestMitigation({
        incidentId: command.incidentId,
        catalogId: command.catalogId,
        parameters: command.parameters,
        requestedBy: `slack:${actor.userId}`,
      });
    }
    case 'approve':
      return workflow.decideMitigation({ requestId: command.requestId, action: 'approve', actor });
    case 'reject':
      return workflow.decideMitigation({ requestId: command.requestId, action: 'reject', actor, reason: command.reason });
    case 'away':
      return workflow.setAway(actor.userId, command.minutes);
    case 'back':
      return workflow.setAway(actor.userId, undefined);
    case 'cancel':
      return requestCancel({ requestId: command.requestId, actor }, deps.cancels);
    case 'release': {
      if (command.action === 'approve' && command.duringFreeze)
        return approveDuringFreeze(
          { service: command.service, actor, ...(command.duringFreeze.account ? { account: command.duringFreeze.account } : {}) },
          {
            freezes: deps.freezes,
            incidents: deps.incidents,
            config: deps.config,
            now: () => new Date(workflow.now()),
            roster: () => workflow.roster(),
          },
        );
      if (command.action === 'approve') return workflow.approveRelease({ service: command.service, actor });
      const [hold, freezes] = await Promise.all([holds.getHold(command.service), deps.freezes.activeFreezes()]);
      const { cto, seniors } = await workflow.roster();
      const now = workflow.now();
      const check = combinedCheck(
        releaseCheck({ service: command.service, hold, cto, seniors, now }),
        freezeCheck({
          service: command.service,
          freezes: applicableFreezes(freezes, command.service, undefined),
          cto,
          seniors,
          now,
        }),
      );
      return { ok: check.allowed, text: escapeSlackText(check.reason) };
    }
    case 'roster': {
      const { members } = await workflow.roster();
      const now = workflow.now();
      return {
        ok: true,
        text: members
          .map((m) => `<@${m.slackUserId}> ${m.role}${m.awayUntil && m.awayUntil > now ? ` · away until ${m.awayUntil}` : ''}`)
          .join('\n'),
      };
    }
  }
}
