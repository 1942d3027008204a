/**
 * Configuration of the change watch (CloudTrail management events, AWS Config compliance) and of
 * what a custom monitor's own severity means when no rule claims its signal. Pure.
 */
import * as z from 'zod';
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
  .object({
    /** Shown on the attached change and on an incident opened outside a deployment. */
    name: z.string().min(1).max(200),
    /** The deployment record's service: pipeline name, CodeDeploy application, ECS service, stack or custom service. */
    service: z.string().regex(SERVICE_NAME_PATTERN),
    /** `userIdentity.arn` (regular expression). */
    principalArn: RegexSource.optional(),
    /** `userIdentity.sessionContext.sessionIssuer.arn`: the pipeline's role (regular expression). */
    sessionIssuer: RegexSource.optional(),
    /** The account whose events record the deployment, when it is not the changed account (cross-account pipelines). */
    deploymentAccount: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    /** Minutes after a deployment finished during which its pipeline's changes still belong to it. */
    graceMinutes: z.number().int().min(0).max(120).default(5),
    /** A deployment whose end was never recorded stops counting as under way this long after it started. */
    maxDeploymentMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(120),
  })
  .strict()
  .refine(
    (pipeline) => pipeline.principalArn !== undefined || pipeline.sessionIssuer !== undefined,
    'a pipeline needs principalArn or sessionIssuer',
  );
export type WatchPipeline = z.infer<typeof WatchPipelineSchema>;

export const SigninBurstConfigSchema = z
  .object({
    /** Failures from one source IP, or for one user name, within the window that open an incident. */
    threshold: z.number().int().min(1).max(100).default(5),
    /** The sliding window, in whole minutes. */
    windowMinutes: z.number().int().min(1).max(60).default(10),
  })
  .strict();
export type SigninBurstConfig = z.infer<typeof SigninBurstConfigSchema>;

/**
 * An expected actor whose watched changes never open an incident (they are counted as suppressed).
 * Every field given must match (regular expressions, case-sensitive, over the whole CloudTrail value).
 */
export const WatchAllowSchema = z
  .object({
    /** Why these changes are expected: shown as the suppressing rule. */
    name: z.string().min(1).max(200),
    /** `userIdentity.arn` (e.g. `^arn:aws:sts::123456789012:assumed-role/deploy-pipeline/`). */
    principalArn: RegexSource.optional(),
    /** `userIdentity.sessionContext.sessionIssuer.arn`: the role behind an assumed-role session. */
    sessionIssuer: RegexSource.optional(),
    /** `userIdentity.invokedBy`: an AWS service acting for the caller (e.g. `^cloudformation\\.amazonaws\\.com$`). */
    invokedBy: RegexSource.optional(),
    /** Only these actions (CloudTrail event names); every watched action when omitted. */
    actions: z
      .array(z.string().regex(/^[A-Za-z0-9]{1,128}$/))
      .min(1)
      .optional(),
  })
  .strict()
  .refine(
    (allow) => allow.principalArn !== undefined || allow.sessionIssuer !== undefined || allow.invokedBy !== undefined,
    'an allow-list entry needs at least one of principalArn, sessionIssuer, invokedBy',
  );
export type WatchAllow = z.infer<typeof WatchAllowSchema>;

export const WatchConfigSchema = z
  .object({
    /** Turns the CloudTrail and AWS Config watch (its EventBridge rules) on or off. */
    enabled: z.boolean().default(true),
    /** Expected actors: their changes are suppressed (planned changes page no one). */
    allow: z.array(WatchAllowSchema).max(100).default(DEFAULT_WATCH_ALLOW),
    /** Severity overrides by watch id (see the README's table), e.g. `{ "network.ingress-world": "SEV1" }`. */
    severity: z.record(z.string().regex(/^[a-z0-9.-]{1,64}$/), SeveritySchema).default({}),
    /**
     * Catalog entries proposed when a watched change opens an incident no rule claims, by watch id
     * (e.g. `{ "network.ingress-world-admin": ["revoke-ingress-rule"] }`): requested, approved as usual.
     */
    respond: z.record(z.string().regex(/^[a-z0-9.-]{1,64}$/), z.array(z.string().min(1).max(64)).max(5)).default({}),
    /** Deployment pipelines: their changes during their service's deployment are attached to it instead of paging. */
    pipelines: z.array(WatchPipelineSchema).max(50).default([]),
    /** Failed console sign-ins page only in bursts: `threshold` per source IP or user name within `windowMinutes`. */
    signinFailures: SigninBurstConfigSchema.default(SIGNIN_BURST_DEFAULTS),
  })
  .strict();
export type WatchConfig = z.infer<typeof WatchConfigSchema>;

const SeverityByHint = z
  .object({
    critical: SeveritySchema,
    high: SeveritySchema,
    medium: SeveritySchema,
    low: SeveritySchema,
    informational: SeveritySchema,
  })
  .strict();

/** What a custom monitor's signal becomes when no classification rule matches it. */
export const MonitorsConfigSchema = z
  .object({
    /** The monitor's own `severity` mapped to a Firebreak severity. */
    severity: SeverityByHint.default(DEFAULT_MONITOR_SEVERITY),
    /** The category (and so the channel) of unmatched monitor signals. */
    category: MonitorCategorySchema.default('availability'),
  })
  .strict();
export type MonitorsConfig = z.infer<typeof MonitorsConfigSchema>;
