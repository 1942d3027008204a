/**
 * Configuration of the change watch (CloudTrail management events, AWS Config compliance) and of
 * what a custom monitor's own severity means when no rule claims its signal. Pure.
 */
import * as z from '../zod.ts';
import { RegexSource } from '../regex-source.ts';
// Types only: config.ts imports this module, so a value import back would be a cycle.
import type { Category, Severity } from '../config.ts';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { SIGNIN_BURST_DEFAULTS } from './signin-bursts.ts';
import { DEFAULT_MONITOR_SEVERITY, DEFAULT_WATCH_ALLOW } from './watch-defaults.ts';

const SeveritySchema = z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const satisfies readonly Severity[]);
/** The categories an unmatched monitor signal may take (platform and unknown are Firebreak's own). */
const MonitorCategorySchema = z.enum([
  'security',
  'availability',
  'performance',
  'release',
  'compliance',
] as const satisfies readonly Category[]);

/**
 * One service's deployment pipeline: the principal(s) it acts as, and the deployments (by the
 * service name Firebreak records them under) during which its changes are expected.
 */
export const WatchPipelineSchema = z
  .strictObject({
    /** Shown on the attached change and on an incident opened outside a deployment. */
    name: z.string().check(z.minLength(1), z.maxLength(200)),
    /** The deployment record's service: pipeline name, CodeDeploy application, ECS service, stack or custom service. */
    service: z.string().check(z.regex(SERVICE_NAME_PATTERN)),
    /** `userIdentity.arn` (regular expression). */
    principalArn: z.optional(RegexSource),
    /** `userIdentity.sessionContext.sessionIssuer.arn`: the pipeline's role (regular expression). */
    sessionIssuer: z.optional(RegexSource),
    /** The account whose events record the deployment, when it is not the changed account (cross-account pipelines). */
    deploymentAccount: z.optional(z.string().check(z.regex(/^\d{12}$/))),
    /** Minutes after a deployment finished during which its pipeline's changes still belong to it. */
    graceMinutes: z._default(z.number().check(z.int(), z.gte(0), z.lte(120)), 5),
    /** A deployment whose end was never recorded stops counting as under way this long after it started. */
    maxDeploymentMinutes: z._default(z.number().check(z.int(), z.gte(1), z.lte(24 * 60)), 120),
  })
  .check(
    z.refine(
      (pipeline) => pipeline.principalArn !== undefined || pipeline.sessionIssuer !== undefined,
      'a pipeline needs principalArn or sessionIssuer',
    ),
  );
export type WatchPipeline = z.infer<typeof WatchPipelineSchema>;

export const SigninBurstConfigSchema = z.strictObject({
  /** Failures from one source IP, or for one user name, within the window that open an incident. */
  threshold: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), 5),
  /** The sliding window, in whole minutes. */
  windowMinutes: z._default(z.number().check(z.int(), z.gte(1), z.lte(60)), 10),
});
export type SigninBurstConfig = z.infer<typeof SigninBurstConfigSchema>;

/**
 * An expected actor whose watched changes never open an incident (they are counted as suppressed).
 * Every field given must match (regular expressions, case-sensitive, over the whole CloudTrail value).
 */
export const WatchAllowSchema = z
  .strictObject({
    /** Why these changes are expected: shown as the suppressing rule. */
    name: z.string().check(z.minLength(1), z.maxLength(200)),
    /** `userIdentity.arn` (e.g. `^arn:aws:sts::123456789012:assumed-role/deploy-pipeline/`). */
    principalArn: z.optional(RegexSource),
    /** `userIdentity.sessionContext.sessionIssuer.arn`: the role behind an assumed-role session. */
    sessionIssuer: z.optional(RegexSource),
    /** `userIdentity.invokedBy`: an AWS service acting for the caller (e.g. `^cloudformation\\.amazonaws\\.com$`). */
    invokedBy: z.optional(RegexSource),
    /** Only these actions (CloudTrail event names); every watched action when omitted. */
    actions: z.optional(z.array(z.string().check(z.regex(/^[A-Za-z0-9]{1,128}$/))).check(z.minLength(1))),
  })
  .check(
    z.refine(
      (allow) => allow.principalArn !== undefined || allow.sessionIssuer !== undefined || allow.invokedBy !== undefined,
      'an allow-list entry needs at least one of principalArn, sessionIssuer, invokedBy',
    ),
  );
export type WatchAllow = z.infer<typeof WatchAllowSchema>;

export const WatchConfigSchema = z.strictObject({
  /** Turns the CloudTrail and AWS Config watch (its EventBridge rules) on or off. */
  enabled: z._default(z.boolean(), true),
  /** Expected actors: their changes are suppressed (planned changes page no one). */
  allow: z._default(z.array(WatchAllowSchema).check(z.maxLength(100)), DEFAULT_WATCH_ALLOW),
  /** Severity overrides by watch id (see the README's table), e.g. `{ "network.ingress-world": "SEV1" }`. */
  severity: z._default(z.record(z.string().check(z.regex(/^[a-z0-9.-]{1,64}$/)), SeveritySchema), {}),
  /**
   * Catalog entries proposed when a watched change opens an incident no rule claims, by watch id
   * (e.g. `{ "network.ingress-world-admin": ["revoke-ingress-rule"] }`): requested, approved as usual.
   */
  respond: z._default(
    z.record(
      z.string().check(z.regex(/^[a-z0-9.-]{1,64}$/)),
      z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.maxLength(5)),
    ),
    {},
  ),
  /** Deployment pipelines: their changes during their service's deployment are attached to it instead of paging. */
  pipelines: z._default(z.array(WatchPipelineSchema).check(z.maxLength(50)), []),
  /** Failed console sign-ins page only in bursts: `threshold` per source IP or user name within `windowMinutes`. */
  signinFailures: z._default(SigninBurstConfigSchema, SIGNIN_BURST_DEFAULTS),
});
export type WatchConfig = z.infer<typeof WatchConfigSchema>;

const SeverityByHint = z.strictObject({
  critical: SeveritySchema,
  high: SeveritySchema,
  medium: SeveritySchema,
  low: SeveritySchema,
  informational: SeveritySchema,
});

/** What a custom monitor's signal becomes when no classification rule matches it. */
export const MonitorsConfigSchema = z.strictObject({
  /** The monitor's own `severity` mapped to a Firebreak severity. */
  severity: z._default(SeverityByHint, DEFAULT_MONITOR_SEVERITY),
  /** The category (and so the channel) of unmatched monitor signals. */
  category: z._default(MonitorCategorySchema, 'availability'),
});
export type MonitorsConfig = z.infer<typeof MonitorsConfigSchema>;
