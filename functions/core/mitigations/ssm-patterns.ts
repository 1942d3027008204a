import type { EventPattern } from '../events/bus.ts';

/**
 * The event patterns of fleet mitigation, defined once: the stack turns them into EventBridge rules
 * (lib/constructs/fleet-mitigation.ts) and the local bus applies the very same patterns.
 */

/** Source of Systems Manager's own events, on the account's default bus. */
export const SSM_SOURCE = 'aws.ssm';

/** The status events Systems Manager publishes for every command, invocation and automation. */
export const SSM_STATUS_DETAIL_TYPES = {
  /** The command as a whole (all its targets): Pending, InProgress, Success, Failed, TimedOut, Cancelled... */
  command: 'EC2 Command Status-change Notification',
  /** One instance's invocation of a command. */
  invocation: 'EC2 Command Invocation Status-change Notification',
  /** An automation execution (a rate-controlled parent and each of its per-target children). */
  automation: 'EC2 Automation Execution Status-change Notification',
} as const;

/**
 * Feeds `track`, on the DEFAULT bus. It matches every command and automation in the account and
 * region, not only Firebreak's: a status event's detail carries no comment or tag to filter on
 * (and a rate-controlled automation's children name neither their parent nor their target), so
 * `track` looks the command or execution id up and ignores the ones it did not start; it reads an
 * automation's children from SSM when the parent ends (automation-children.ts).
 */
export const SSM_STATUS_PATTERN: EventPattern = {
  source: [SSM_SOURCE],
  'detail-type': [SSM_STATUS_DETAIL_TYPES.command, SSM_STATUS_DETAIL_TYPES.invocation, SSM_STATUS_DETAIL_TYPES.automation],
};
