import * as z from 'zod';
import { describeIssues } from './config-problems.ts';
import { AuditConfigSchema, DEFAULT_AUDIT_CONFIG } from './audit/notary-config.ts';
import { DEFAULT_DEPLOY_FREEZE, DeployFreezeConfigSchema } from './deployments/freeze-config.ts';
import { DEFAULT_TRACKER, TrackerConfigSchema } from './tracker/tracker-config.ts';
import { CATALOG_ID_PATTERN, SLACK_USER_ID_PATTERN } from './ids.ts';
import { FromIncidentPattern, ResourceTargetSchema, respondIssues, targetIssues } from './mitigations/resource-targets.ts';
import { MonitorsConfigSchema, WatchConfigSchema } from './signals/watch-config.ts';
import { MONITORS_DEFAULTS, WATCH_DEFAULTS } from './signals/watch-defaults.ts';
import { SILENCES_DEFAULTS, SilencesConfigSchema } from './silences/silence-config.ts';
import { INCIDENT_CHANNELS_DEFAULTS, IncidentChannelsConfigSchema } from './incidents/incident-channel-config.ts';
import { MaintenanceConfigSchema } from './maintenance/maintenance-config.ts';
import { ReviewConfigSchema } from './review/review-config.ts';
import { RegexSource } from './regex-source.ts';
import {
  CategorySchema,
  ENVIRONMENT_PATTERN,
  RoleSchema,
  SeverityHintSchema,
  SeveritySchema,
  SignalStateSchema,
  type Category,
  type Role,
  type Severity,
  type SeverityHint,
  type SignalState,
} from './vocabulary.ts';

// The shared words live in vocabulary.ts (deployed functions import them without these schemas).
export { CategorySchema, SeveritySchema };
export type { Category, Role, Severity, SeverityHint, SignalState };

export const FingerprintPartSchema = z.union([
  z.enum(['source', 'kind', 'subject', 'account', 'region']),
  z.string().regex(/^attr:[A-Za-z][A-Za-z0-9]{0,63}$/, 'an attribute part looks like "attr:namespace"'),
]);
export type FingerprintPart = z.infer<typeof FingerprintPartSchema>;

const OneOrMany = <T extends z.ZodTypeAny>(item: T) => z.union([item, z.array(item).min(1)]);

/** Slack ids: channels start with C or G, users with U or W, workspaces with T. */
const ChannelId = z.string().regex(/^[CG][A-Z0-9]{6,}$/, 'must be a Slack channel id such as C0123456789');
const CatalogId = z.string().regex(CATALOG_ID_PATTERN, 'must be lower-case letters, digits and dashes');

export const RuleSchema = z
  .object({
    name: z.string().min(1).max(200),
    match: z
      .object({
        source: OneOrMany(z.string().min(1)).optional(),
        kind: OneOrMany(z.string().min(1)).optional(),
        state: SignalStateSchema.optional(),
        severityHint: OneOrMany(SeverityHintSchema).optional(),
        /** Case-insensitive regular expression on the signal title. */
        title: RegexSource.optional(),
        /** Case-insensitive regular expressions on the signal's attributes (alarm namespace, finding type...). */
        attributes: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/), RegexSource).optional(),
      })
      .strict()
      .default({}),
    /** Drop matching signals on purpose (logged and counted, never recorded). */
    suppress: z.boolean().default(false),
    severity: SeveritySchema.optional(),
    category: CategorySchema.optional(),
    /** Overrides the category's channel. */
    channel: ChannelId.optional(),
    mitigations: z.array(CatalogId).default([]),
    /** Overrides dedup.fingerprint for signals this rule classifies. */
    fingerprint: z.array(FingerprintPartSchema).min(1).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (!rule.suppress && (!rule.severity || !rule.category)) {
      ctx.addIssue({ code: 'custom', message: 'a rule that does not suppress must set severity and category' });
    }
  });
export type Rule = z.infer<typeof RuleSchema>;

const ParameterName = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,49}$/, 'must be letters and digits, starting with a letter');

/** A mitigation's parameter: every value is checked against `allowedPattern` before anything runs. */
export const MitigationParameterSchema = z
  .object({
    description: z.string().max(300).default(''),
    /** An anchored regular expression (^...$) the value must match in full. */
    allowedPattern: RegexSource.refine((p) => p.startsWith('^') && p.endsWith('$'), 'must be anchored with ^ and $'),
    default: z.string().max(1024).optional(),
    fromIncident: FromIncidentPattern.optional(), // pre-filled from the incident's resources (mitigations/resource-targets.ts)
  })
  .strict();

export const MitigationTargetsSchema = z.discriminatedUnion('type', [
  /** Instances carrying a tag (the only way to reach large fleets). */
  z
    .object({
      type: z.literal('tags'),
      key: z.string().min(1).max(128),
      values: z.array(z.string().min(1).max(256)).min(1).max(50),
    })
    .strict(),
  z.object({ type: z.literal('resource-group'), name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/) }).strict(),
  /** The EC2 instances the incident names. */
  z.object({ type: z.literal('incident-instances') }).strict(),
  ResourceTargetSchema,
]);
export type MitigationTargets = z.infer<typeof MitigationTargetsSchema>;

export const MitigationEntrySchema = z
  .object({
    id: CatalogId,
    title: z.string().min(1).max(150),
    description: z.string().max(1000).default(''),
    /** Run Command (`command`) or an Automation runbook (`automation`). */
    kind: z.enum(['command', 'automation']).default('command'),
    /** An SSM document the stack ships (by name) or an AWS-managed one such as AWS-RunPatchBaseline. */
    document: z.string().regex(/^[A-Za-z0-9_.:/-]{3,128}$/),
    documentVersion: z
      .string()
      .regex(/^(\$DEFAULT|\$LATEST|[0-9]{1,6})$/)
      .default('$DEFAULT'),
    parameters: z.record(ParameterName, MitigationParameterSchema).default({}),
    targets: MitigationTargetsSchema,
    rateControl: z
      .object({
        maxConcurrency: z.string().regex(/^([1-9][0-9]{0,3}|[1-9][0-9]?%|100%)$/, 'a count (1-9999) or a percentage (1%-100%)'),
        maxErrors: z.string().regex(/^([0-9]{1,4}|[0-9]{1,2}%|100%)$/, 'a count (0-9999) or a percentage (0%-100%)'),
      })
      .strict()
      .default({ maxConcurrency: '10%', maxErrors: '1' }),
    timeoutMinutes: z.number().int().min(1).max(2880).default(30),
    risk: z.enum(['low', 'medium', 'high']),
    /** Low-risk countermeasures may run at once, audited as approved by policy. */
    preApproved: z.boolean().default(false),
    /** The catalog entry that undoes this one, offered when it fails. */
    rollback: CatalogId.optional(),
    /** IAM actions (`service:Action`) an automation runbook calls as the automation role; synth fails if the role lacks one. */
    permissions: z
      .array(z.string().regex(/^[a-z0-9-]{2,32}:[A-Za-z0-9]{1,128}$/, 'an IAM action such as ec2:StartInstances'))
      .max(50)
      .default([]),
  })
  .strict()
  .superRefine((entry, ctx) => {
    for (const issue of targetIssues(entry)) ctx.addIssue(issue);
    if (entry.preApproved && entry.risk !== 'low')
      ctx.addIssue({ code: 'custom', path: ['preApproved'], message: 'only low-risk entries may be pre-approved' });
    for (const [name, parameter] of Object.entries(entry.parameters)) {
      if (parameter.default !== undefined && !new RegExp(parameter.allowedPattern).test(parameter.default)) {
        ctx.addIssue({ code: 'custom', path: ['parameters', name, 'default'], message: 'does not match its allowedPattern' });
      }
    }
  });
export type MitigationEntry = z.infer<typeof MitigationEntrySchema>;

const EnvironmentName = z.string().regex(ENVIRONMENT_PATTERN, 'must be 1-32 lower-case letters, digits and dashes');

/** Deployment environments: which services are which environment, and what a failure there means. */
export const DeploymentsConfigSchema = z
  .object({
    environments: z
      .array(
        z
          .object({
            environment: EnvironmentName,
            service: RegexSource.optional(),
            group: RegexSource.optional(),
            accounts: z
              .array(z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'))
              .min(1)
              .optional(),
          })
          .strict()
          .refine(
            (rule) => rule.service !== undefined || rule.group !== undefined || rule.accounts !== undefined,
            'a rule needs at least one of service, group, accounts',
          ),
      )
      .max(100)
      .default([]),
    defaultEnvironment: EnvironmentName.default('production'),
    incidentSeverity: z.record(EnvironmentName, SeveritySchema).default({ production: 'SEV2', staging: 'SEV4' }),
    holdEnvironments: z.array(EnvironmentName).min(1).optional(),
  })
  .strict();
export type DeploymentsConfig = z.infer<typeof DeploymentsConfigSchema>;

/** The tag every instance Firebreak may act on carries (IAM conditions name it), unless `fleet.tagKey` says otherwise. */
export const DEFAULT_FLEET_TAG_KEY = 'firebreak:fleet';

/**
 * The fleet Firebreak mitigates. The tag key ends up in IAM condition keys
 * (`ssm:resourceTag/<key>`, `aws:ResourceTag/<key>`), so it is limited to characters that are
 * safe there and cannot be an AWS-reserved `aws:` key.
 */
export const FleetConfigSchema = z
  .object({
    /** Instances carrying this tag (any value) are the only ones Firebreak's commands and runbooks may touch. */
    tagKey: z
      .string()
      .regex(/^[A-Za-z0-9_.:/=+@-]{1,128}$/, 'must be 1-128 letters, digits and _ . : / = + @ -')
      .refine((key) => !key.toLowerCase().startsWith('aws:'), 'the aws: prefix is reserved by AWS')
      .default(DEFAULT_FLEET_TAG_KEY),
    /**
     * The VPC of the quarantine security group the stack creates for isolate-instance. Without it
     * the stack creates no quarantine group and the isolation runbook refuses to run (synth warns).
     */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as vpc-0123456789abcdef0')
      .optional(),
    /** At most one progress post per running mitigation in this many seconds (the final summary always goes out). */
    progressIntervalSeconds: z.number().int().min(1).max(3600).default(10),
  })
  .strict();

const MinutesBySeverity = z
  .object({
    SEV1: z.number().int().positive(),
    SEV2: z.number().int().positive(),
    SEV3: z.number().int().positive(),
    SEV4: z.number().int().positive(),
  })
  .strict();

export const FirebreakConfigSchema = z
  .object({
    /** Where editors find the JSON Schema (firebreak.schema.json); ignored by Firebreak. */
    $schema: z.string().max(2048).optional(),
    slack: z
      .object({
        /** The workspace whose requests are accepted. */
        teamId: z.string().regex(/^T[A-Z0-9]{6,}$/, 'must be a Slack workspace id such as T0123456789'),
        channels: z
          .object({
            default: ChannelId,
            deployments: ChannelId,
          })
          .catchall(ChannelId)
          .superRefine((channels, ctx) => {
            for (const key of Object.keys(channels)) {
              if (key !== 'default' && key !== 'deployments' && !CategorySchema.safeParse(key).success) {
                ctx.addIssue({
                  code: 'custom',
                  path: [key],
                  message: `is not a category (${CategorySchema.options.join(', ')})`,
                });
              }
            }
          }),
      })
      .strict(),
    roster: z
      .array(
        z
          .object({
            slackUserId: z.string().regex(SLACK_USER_ID_PATTERN, 'must be a Slack user id such as U0123456789'),
            name: z.string().min(1).max(80),
            role: RoleSchema,
          })
          .strict(),
      )
      .min(1)
      .superRefine((roster, ctx) => {
        if (roster.filter((m) => m.role === 'cto').length !== 1) {
          ctx.addIssue({ code: 'custom', message: 'must name exactly one member with role "cto"' });
        }
        const seen = new Set<string>();
        roster.forEach((m, i) => {
          if (seen.has(m.slackUserId))
            ctx.addIssue({ code: 'custom', path: [i, 'slackUserId'], message: `${m.slackUserId} appears twice` });
          seen.add(m.slackUserId);
        });
      }),
    sources: z
      .object({
        /** Third-party monitor sources accepted on the firebreak bus besides the "firebreak.monitor" prefix. */
        custom: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,256}$/)).default([]),
        /** EC2 instance states worth an incident. */
        ec2States: z
          .array(z.enum(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']))
          .min(1)
          .default(['stopped', 'terminated']),
      })
      .strict()
      .default({ custom: [], ec2States: ['stopped', 'terminated'] }),
    classification: z.object({ rules: z.array(RuleSchema) }).strict(),
    dedup: z
      .object({
        fingerprint: z.array(FingerprintPartSchema).min(1).default(['source', 'kind', 'subject']),
        /** A signal this long after an incident resolved reopens it; later ones open a new incident. */
        reopenWindowMinutes: z.number().int().min(0).max(10080).default(60),
      })
      .strict()
      .default({ fingerprint: ['source', 'kind', 'subject'], reopenWindowMinutes: 60 }),
    policy: z
      .object({
        /** How long the CTO may stay silent before senior engineers are asked. */
        ctoTimeoutMinutes: MinutesBySeverity.default({ SEV1: 5, SEV2: 15, SEV3: 60, SEV4: 240 }),
        seniorQuorum: z
          .object({ low: z.number().int().min(1), medium: z.number().int().min(1), high: z.number().int().min(1) })
          .strict()
          .default({ low: 1, medium: 2, high: 2 }),
        approvalExpiryMinutes: z.number().int().min(1).max(1440).default(60),
      })
      .strict()
      .default({
        ctoTimeoutMinutes: { SEV1: 5, SEV2: 15, SEV3: 60, SEV4: 240 },
        seniorQuorum: { low: 1, medium: 2, high: 2 },
        approvalExpiryMinutes: 60,
      }),
    mitigations: z.array(MitigationEntrySchema).default([]),
    deployments: DeploymentsConfigSchema.default({
      environments: [],
      defaultEnvironment: 'production',
      incidentSeverity: { production: 'SEV2', staging: 'SEV4' },
    }),
    fleet: FleetConfigSchema.default({ tagKey: DEFAULT_FLEET_TAG_KEY, progressIntervalSeconds: 10 }),
    watch: WatchConfigSchema.default(WATCH_DEFAULTS),
    monitors: MonitorsConfigSchema.default(MONITORS_DEFAULTS),
    audit: AuditConfigSchema.default(DEFAULT_AUDIT_CONFIG),
    silences: SilencesConfigSchema.default(SILENCES_DEFAULTS),
    incidentChannels: IncidentChannelsConfigSchema.default(INCIDENT_CHANNELS_DEFAULTS),
    maintenance: MaintenanceConfigSchema.prefault({}),
    review: ReviewConfigSchema.prefault({}),
    /** How long processed-event markers are kept for idempotency. */
    eventRetentionDays: z.number().int().min(1).max(30).default(7),
    deployFreeze: DeployFreezeConfigSchema.default(DEFAULT_DEPLOY_FREEZE),
    tracker: TrackerConfigSchema.default(DEFAULT_TRACKER),
  })
  .strict()
  .superRefine((config, ctx) => {
    const catalog = new Set(config.mitigations.map((m) => m.id));
    config.mitigations.forEach((entry, i) => {
      if (entry.rollback && !catalog.has(entry.rollback))
        ctx.addIssue({
          code: 'custom',
          path: ['mitigations', i, 'rollback'],
          message: `"${entry.rollback}" is not in the mitigation catalog`,
        });
    });
    for (const issue of respondIssues(config.watch.respond, catalog)) ctx.addIssue(issue);
    if (catalog.size !== config.mitigations.length)
      ctx.addIssue({ code: 'custom', path: ['mitigations'], message: 'catalog ids must be unique' });
    config.classification.rules.forEach((rule, i) => {
      rule.mitigations.forEach((id, j) => {
        if (!catalog.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['classification', 'rules', i, 'mitigations', j],
            message: `"${id}" is not in the mitigation catalog`,
          });
        }
      });
    });
    if (config.sources.custom.some((source) => source.startsWith('firebreak'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources', 'custom'],
        message: 'sources starting with "firebreak" are Firebreak\'s own (firebreak.monitor* is always accepted)',
      });
    }
    const seniors = config.roster.filter((m) => m.role === 'senior').length;
    const quorum = Math.max(config.policy.seniorQuorum.low, config.policy.seniorQuorum.medium, config.policy.seniorQuorum.high);
    if (seniors < quorum) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'seniorQuorum'],
        message: `needs ${quorum} senior engineers but the roster has ${seniors}`,
      });
    }
  });

export type FirebreakConfig = z.infer<typeof FirebreakConfigSchema>;
export type FirebreakConfigInput = z.input<typeof FirebreakConfigSchema>;

export class ConfigError extends Error {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(`${where} is not a valid Firebreak configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates a parsed configuration; the error names each field (rules and catalog entries by name) and why it is wrong. */
export function parseConfig(raw: unknown, where = 'configuration'): FirebreakConfig {
  const result = FirebreakConfigSchema.safeParse(raw);
  // `$schema` is for editors only: it is not carried into the stack or baked into the functions.
  if (result.success)
    return Object.fromEntries(Object.entries(result.data).filter(([key]) => key !== '$schema')) as FirebreakConfig;
  throw new ConfigError(where, describeIssues(result.error.issues, raw, FirebreakConfigSchema));
}
