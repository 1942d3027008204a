/**
 * Silences, after Alertmanager's: a person quiets an incident (or every incident of a fingerprint)
 * for a while, with a reason. Matching signals are still recorded and counted; notify just does not
 * announce them until the silence ends, by schedule. Pure: who may silence, what a silence matches.
 */
import type { RosterMember } from '../approval/roster.ts';
import type { Incident } from '../incidents/incident.ts';
import { INCIDENT_ID_PATTERN } from '../ids.ts';
import type { SilencesConfig } from './silence-config.ts';

/** A silence's id: `SIL-` and 10 upper-case hex digits. */
export const SILENCE_ID_PATTERN = /^SIL-[0-9A-F]{10}$/;
/** A fingerprint as Firebreak computes it (32 lower-case hex digits). */
export const FINGERPRINT_PATTERN = /^[0-9a-f]{32}$/;

export type SilenceTarget =
  { readonly kind: 'incident'; readonly incidentId: string } | { readonly kind: 'fingerprint'; readonly fingerprint: string };

export interface Silence {
  readonly id: string;
  readonly target: SilenceTarget;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly endsAt: string;
  readonly state: 'active' | 'expired';
  readonly expiredAt?: string;
  readonly version: number;
}

/** `INC-…` or a 32-digit fingerprint; undefined for anything else. */
export function parseSilenceTarget(text: string): SilenceTarget | undefined {
  if (INCIDENT_ID_PATTERN.test(text.toUpperCase())) return { kind: 'incident', incidentId: text.toUpperCase() };
  if (FINGERPRINT_PATTERN.test(text.toLowerCase())) return { kind: 'fingerprint', fingerprint: text.toLowerCase() };
  return undefined;
}

export const describeTarget = (target: SilenceTarget): string =>
  target.kind === 'incident' ? target.incidentId : `fingerprint ${target.fingerprint}`;

/** Whether a silence quiets this incident at `now`: active, not yet ended, and naming it or its fingerprint. */
export function silences(silence: Silence, incident: Pick<Incident, 'id' | 'fingerprint'>, now: string): boolean {
  if (silence.state !== 'active' || silence.endsAt <= now) return false;
  return silence.target.kind === 'incident'
    ? silence.target.incidentId === incident.id
    : silence.target.fingerprint === incident.fingerprint;
}

export type SilenceRefusal = 'not_on_roster' | 'not_allowed' | 'too_long';

/**
 * Who may silence: the configured roles (default CTO and senior engineers), and, when
 * `incidentResponders`, whoever acknowledged the incident silenced (or the fingerprint's incident).
 */
export function maySilence(input: {
  readonly member: Pick<RosterMember, 'slackUserId' | 'role'> | undefined;
  readonly incident: Pick<Incident, 'acknowledgedBy'> | undefined;
  readonly minutes: number;
  readonly config: SilencesConfig;
}): { readonly allowed: true } | { readonly allowed: false; readonly refusal: SilenceRefusal } {
  const { member, incident, minutes, config } = input;
  if (!member) return { allowed: false, refusal: 'not_on_roster' };
  if (minutes > config.maxMinutes) return { allowed: false, refusal: 'too_long' };
  if (config.roles.includes(member.role)) return { allowed: true };
  if (config.incidentResponders && incident?.acknowledgedBy === member.slackUserId) return { allowed: true };
  return { allowed: false, refusal: 'not_allowed' };
}

/** The silence's id from a digest of who set it, what and when (a retried command makes the same one). */
export const silenceIdFromDigest = (hexDigest: string): string => `SIL-${hexDigest.slice(0, 10).toUpperCase()}`;

/** The partition of a silence's audit chain. */
export const silenceChainId = (id: string): string => `SILENCE#${id}`;
