import * as z from './zod.ts';

/**
 * The words the configuration, the events and the stored items share (severities, categories,
 * roles...). Apart from config.ts so that a deployed function, which validates events and items
 * but never the configuration, does not bundle the configuration's schemas to get them.
 */

/** Incident severity: SEV1 is the worst. */
export const SeveritySchema = z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']);
export type Severity = z.infer<typeof SeveritySchema>;

/** `platform`: Firebreak itself (its dead letters, failing or throttled functions), from its own alarms. */
export const CategorySchema = z.enum(['security', 'availability', 'performance', 'release', 'compliance', 'platform', 'unknown']);
export type Category = z.infer<typeof CategorySchema>;

/** How bad the source itself says a signal is, normalized across sources. */
export const SeverityHintSchema = z.enum(['critical', 'high', 'medium', 'low', 'informational']);
export type SeverityHint = z.infer<typeof SeverityHintSchema>;

export const SignalStateSchema = z.enum(['firing', 'recovered']);
export type SignalState = z.infer<typeof SignalStateSchema>;

export const RoleSchema = z.enum(['cto', 'senior', 'responder']);
export type Role = z.infer<typeof RoleSchema>;

/** A deployment environment's name. */
export const ENVIRONMENT_PATTERN = /^[a-z0-9-]{1,32}$/;
