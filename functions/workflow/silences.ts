import { createHash } from 'node:crypto';
import type { RosterMember } from '../core/approval/roster.ts';
import { appendToChain } from '../core/audit/chain.ts';
import type { FirebreakConfig } from '../core/config.ts';
import { SilenceExpired } from '../core/events/silence-expired.ts';
import { SilenceExpiryDue } from '../core/events/silence-expiry-due.ts';
import { SilenceSet } from '../core/events/silence-set.ts';
import type { Incident } from '../core/incidents/incident.ts';
import {
  describeTarget,
  maySilence,
  silenceChainId,
  silenceIdFromDigest,
  silences,
  type Silence,
  type SilenceRefusal,
  type SilenceTarget,
} from '../core/silences/silence.ts';
import type { SilenceInputProblem } from '../core/slack/silence-commands.ts';
import { escapeSlackText } from '../core/slack/text.ts';
import type { OneTimeScheduler } from './ports/bus.ts';
import { auditRefusal } from './other-workspace.ts';
import type { IncidentsPort } from './ports/repositories.ts';
import type { SilencesPort } from './ports/silences.ts';
import type { Actor, Reply } from './reply.ts';
import { scheduleTimeFor } from './request-timers.ts';

export interface SilenceDependencies {
  readonly silences: SilencesPort;
  /** Read to check the silence; a refusal is audited on the incident's chain. */
  readonly incidents: IncidentsPort;
  readonly scheduler: OneTimeScheduler;
  readonly config: Pick<FirebreakConfig, 'silences'>;
  readonly member: (userId: string) => Promise<RosterMember | undefined>;
  readonly now: () => Date;
}

const REFUSALS = {
  not_on_roster: 'You are not on the Firebreak roster.',
  not_allowed: 'Only the CTO, senior engineers and whoever acknowledged the incident may silence it.',
  too_long: 'That is longer than a silence may last',
} as const;

/** Why a silence attempt was refused, as its audit entry records it. */
type SilenceAttemptRefusal = SilenceRefusal | 'other_workspace' | SilenceInputProblem;

/**
 * Audits a refused `/firebreak silence` as `incident.silence_refused` on the chain of the incident it
 * names (for a fingerprint, its current incident), with who, from which workspace, why and what was
 * asked. The reason typed is not kept (free text from someone refused). False when it names no incident.
 */
export async function auditSilenceRefusal(
  input: { target: SilenceTarget; actor: Actor; refusal: SilenceAttemptRefusal; minutes?: number },
  deps: Pick<SilenceDependencies, 'incidents' | 'now'>,
): Promise<boolean> {
  const incident =
    input.target.kind === 'incident'
      ? await deps.incidents.getIncident(input.target.incidentId)
      : await deps.incidents.findByFingerprint(input.target.fingerprint);
  if (!incident) return false;
  return auditRefusal(
    {
      incidentId: incident.id,
      action: 'incident.silence_refused',
      data: {
        refusal: input.refusal,
        target: describeTarget(input.target),
        ...(input.minutes === undefined ? {} : { minutes: input.minutes }),
      },
    },
    input.actor,
    deps,
  );
}

/**
 * `/firebreak silence <incident|fingerprint> <duration> <reason>`: one transaction writes the
 * silence, its first audit entry and `Silence Set`; then a one-time schedule ends it. The schedule
 * comes after the commit: if it fails, the person is told, and the silence still ends on time for
 * notify (which never honours a silence past `endsAt`), only its expiry is not yet audited.
 */
export async function setSilence(
  input: { target: SilenceTarget; minutes: number; reason: string; actor: Actor },
  deps: SilenceDependencies,
): Promise<Reply> {
  const userId = input.actor.userId;
  const now = deps.now().toISOString();
  const incident =
    input.target.kind === 'incident'
      ? await deps.incidents.getIncident(input.target.incidentId)
      : await deps.incidents.findByFingerprint(input.target.fingerprint);
  if (input.target.kind === 'incident' && !incident) return { ok: false, text: `No incident ${input.target.incidentId}.` };
  const verdict = maySilence({
    member: await deps.member(userId),
    incident,
    minutes: input.minutes,
    config: deps.config.silences,
  });
  if (!verdict.allowed) {
    await auditSilenceRefusal(
      { target: input.target, actor: input.actor, refusal: verdict.refusal, minutes: input.minutes },
      deps,
    );
    return {
      ok: false,
      text:
        verdict.refusal === 'too_long'
          ? `${REFUSALS.too_long} (${deps.config.silences.maxMinutes} minutes).`
          : REFUSALS[verdict.refusal],
    };
  }
  const id = silenceIdFromDigest(
    createHash('sha256')
      .update(JSON.stringify([userId, input.target, input.minutes, input.reason, now]))
      .digest('hex'),
  );
  const silence: Silence = {
    id,
    target: input.target,
    reason: input.reason,
    createdBy: userId,
    createdAt: now,
    endsAt: new Date(Date.parse(now) + input.minutes * 60_000).toISOString(),
    state: 'active',
    version: 1,
  };
  const audit = appendToChain(
    silenceChainId(id),
    undefined,
    [{ action: 'silence.set', data: { target: input.target, endsAt: silence.endsAt, reason: input.reason } }],
    `slack:${userId}`,
    now,
  );
  const ref = { silenceId: id, target: input.target, endsAt: silence.endsAt };
  if (!(await deps.silences.saveSilence(silence, undefined, audit, [SilenceSet.build({ ...ref, createdBy: userId })])))
    return { ok: false, text: 'That silence already exists.' };
  let scheduled = true;
  try {
    await deps.scheduler.schedule({
      name: `silence-${id}`,
      at: scheduleTimeFor(silence.endsAt),
      target: 'escalate',
      event: SilenceExpiryDue.build({ silenceId: id }),
    });
  } catch {
    scheduled = false;
  }
  return {
    ok: true,
    text: `Silenced ${describeTarget(input.target)} until ${silence.endsAt} (\`${id}\`): ${escapeSlackText(input.reason)}. Its signals are still recorded and counted, not announced.${scheduled ? '' : ' (Its end could not be scheduled; it still stops quieting at that time.)'}`,
  };
}

/** `/firebreak silences`: the active ones, newest end last. */
export async function listSilences(deps: Pick<SilenceDependencies, 'silences' | 'now'>): Promise<Reply> {
  const now = deps.now().toISOString();
  const active = (await deps.silences.listSilences()).filter((s) => s.state === 'active' && s.endsAt > now);
  if (!active.length) return { ok: true, text: 'No active silences.' };
  return {
    ok: true,
    text: active
      .map(
        (s) => `\`${s.id}\` ${describeTarget(s.target)} until ${s.endsAt} · by <@${s.createdBy}> · ${escapeSlackText(s.reason)}`,
      )
      .join('\n'),
  };
}

/** The schedule fired: the silence ends, audited and announced (`Silence Expired`) in one commit; idempotent. */
export async function expireSilence(
  silenceId: string,
  deps: Pick<SilenceDependencies, 'silences' | 'now'>,
): Promise<'expired' | 'not_due' | 'already' | 'missing'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = deps.now().toISOString();
    const silence = await deps.silences.getSilence(silenceId);
    if (!silence) return 'missing';
    if (silence.state === 'expired') return 'already';
    if (silence.endsAt > now) return 'not_due';
    const { auditSeq, auditHead, ...rest } = silence;
    const expired: Silence = { ...rest, state: 'expired', expiredAt: now, version: silence.version + 1 };
    const audit = appendToChain(
      silenceChainId(silenceId),
      { auditSeq, auditHead },
      [{ action: 'silence.expired', data: { endsAt: silence.endsAt } }],
      'system:escalate',
      now,
    );
    const event = SilenceExpired.build({ silenceId, target: silence.target, endsAt: silence.endsAt });
    if (await deps.silences.saveSilence(expired, silence, audit, [event])) return 'expired';
  }
  throw new Error(`silence ${silenceId} kept changing`);
}

/** The silence quieting this incident now, if any (notify asks before announcing). */
export async function activeSilence(
  incident: Pick<Incident, 'id' | 'fingerprint'>,
  deps: Pick<SilenceDependencies, 'now'> & { silences: Pick<SilencesPort, 'listSilences'> },
): Promise<Silence | undefined> {
  const now = deps.now().toISOString();
  return (await deps.silences.listSilences()).find((s) => silences(s, incident, now));
}
