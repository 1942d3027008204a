import * as z from '../zod.ts';
import { SLACK_USER_ID_PATTERN } from '../ids.ts';

/**
 * A category, or `default` for every category without its own list. The categories are config.ts's
 * `CategorySchema` (which imports this file, hence the copy; a test keeps the two equal).
 */
export const INVITE_KEYS = [
  'default',
  'security',
  'availability',
  'performance',
  'release',
  'compliance',
  'platform',
  'unknown',
] as const;
const InviteKey = z.enum(INVITE_KEYS);
/** A roster role (every member with it) or a roster member's Slack user id. */
const Invitee = z.union([z.enum(['cto', 'senior', 'responder']), z.string().check(z.regex(SLACK_USER_ID_PATTERN))]);

/**
 * Incident channels (optional, off by default): incidents at or above `minSeverity` get their own
 * public channel `inc-<yyyymmdd>-<slug>`, with the roster members listed for their category invited.
 */
export const IncidentChannelsConfigSchema = z.strictObject({
  enabled: z._default(z.boolean(), false),
  /** The least severe severity that gets a channel (SEV1 is the most severe). */
  minSeverity: z._default(z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']), 'SEV1'),
  /** Who is invited, per category (`default` for the rest): roles or user ids, roster members only. */
  invite: z._default(z.partialRecord(InviteKey, z.array(Invitee).check(z.maxLength(100))), {}),
});
export type IncidentChannelsConfig = z.output<typeof IncidentChannelsConfigSchema>;
export const INCIDENT_CHANNELS_DEFAULTS: IncidentChannelsConfig = { enabled: false, minSeverity: 'SEV1', invite: {} };
