/**
 * Ids and names: the formats Firebreak gives its own records and the patterns it accepts for names
 * from elsewhere (services, Slack users, catalog entries). One place, so a command parser, a config
 * schema and an event schema cannot drift apart. Pure.
 */

/** An incident id: `INC-` and 10 upper-case hex digits, e.g. `INC-1A2B3C4D5E`. */
export const INCIDENT_ID_PATTERN = /^INC-[0-9A-F]{10}$/;
/** A mitigation request id: `MIT-` and 10 upper-case hex digits, e.g. `MIT-1A2B3C4D5E`. */
export const MITIGATION_REQUEST_ID_PATTERN = /^MIT-[0-9A-F]{10}$/;
/** A plan hash: SHA-256 in lower-case hex (an approval binds to it). */
export const PLAN_HASH_PATTERN = /^[0-9a-f]{64}$/;

/** The incident id made of a hex digest (its first 10 digits). */
export const incidentIdFromDigest = (hexDigest: string): string => `INC-${hexDigest.slice(0, 10).toUpperCase()}`;
/** The mitigation request id made of a hex digest (its first 10 digits). */
export const mitigationRequestIdFromDigest = (hexDigest: string): string => `MIT-${hexDigest.slice(0, 10).toUpperCase()}`;

/** A mitigation catalog entry id. */
export const CATALOG_ID_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

/** What the CLI and Slack commands accept as a service name (any source's); keys and commands use it. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9._@-]{1,255}$/;
/** The service name of a custom deploy-notice event (stricter). */
export const CUSTOM_SERVICE_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/** A Slack user id as the roster and drills take it: `U` or `W`, then at least 6 upper-case letters or digits. */
export const SLACK_USER_ID_PATTERN = /^[UW][A-Z0-9]{6,}$/;
/** Anything shaped like a Slack user id (what a mention may carry). */
export const SLACK_USER_ID_SHAPE = /^[UW][A-Z0-9]+$/;

/** A GitHub repository as the tracker section names it: `owner/repository`. */
export const REPOSITORY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
/** A Jira project key, e.g. `OPS`. */
export const JIRA_PROJECT_PATTERN = /^[A-Z][A-Z0-9_]{1,9}$/;
