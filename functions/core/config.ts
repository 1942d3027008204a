import * as z from './zod.ts';
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
  z.string().check(z.regex(/^attr:[A-Za-z][A-Za-z0-9]{0,63}$/, 'an attribute part looks like "attr:namespace"')),
]);
export type FingerprintPart = z.infer<typeof FingerprintPartSchema>;

const OneOrMany = <T extends z.ZodMiniType>(item: T) => z.union([item, z.array(item).check(z.minLength(1))]);

/** Slack ids: channels start with C or G, users with U or W, workspaces with T. */
const ChannelId = z.string().check(z.regex(/^[CG][A-Z0-9]{6,}$/, 'must be a Slack channel id such as C0123456789'));
const CatalogId = z.string().check(z.regex(CATALOG_ID_PATTERN, 'must be lower-case letters, digits and dashes'));

export const RuleSchema = z
  .strictObject({
    name: z.string().check(z.minLength(1), z.maxLength(200)),
    match: z._default(
      z.strictObject({
        source: z.optional(OneOrMany(z.string().check(z.minLength(1)))),
        kind: z.optional(OneOrMany(z.string().check(z.minLength(1)))),
        state: z.optional(SignalStateSchema),
        severityHint: z.optional(OneOrMany(SeverityHintSchema)),
        /** Case-insensitive regular expression on the signal title. */
        title: z.optional(RegexSource),
        /** Case-insensitive regular expressions on the signal's attributes (alarm namespace, finding type...). */
        attributes: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/)), RegexSource)),
      }),
      {},
    ),
    /** Drop matching signals on purpose (logged and counted, never recorded). */
    suppress: z._default(z.boolean(), false),
    severity: z.optional(SeveritySchema),
    category: z.optional(CategorySchema),
    /** Overrides the category's channel. */
    channel: z.optional(ChannelId),
    mitigations: z._default(z.array(CatalogId), []),
    /** Overrides dedup.fingerprint for signals this rule classifies. */
    fingerprint: z.optional(z.array(FingerprintPartSchema).check(z.minLength(1))),
  })
  .check(
    z.superRefine((rule, ctx) => {
      if (!rule.suppress && (!rule.severity || !rule.category)) {
        ctx.addIssue({ code: 'custom', message: 'a rule that does not suppress must set severity and category' });
      }
    }),
  );
export type Rule = z.infer<typeof RuleSchema>;

const ParameterName = z
  .string()
  .check(z.regex(/^[A-Za-z][A-Za-z0-9]{0,49}$/, 'must be letters and digits, starting with a letter'));

/** A mitigation's parameter: every value is checked against `allowedPattern` before anything runs. */
export const MitigationParameterSchema = z.strictObject({
  description: z._default(z.string().check(z.maxLength(300)), ''),
  /** An anchored regular expression (^...$) the value must match in full. */
  allowedPattern: RegexSource.check(z.refine((p) => p.startsWith('^') && p.endsWith('$'), 'must be anchored with ^ and $')),
  default: z.optional(z.string().check(z.maxLength(1024))),
  fromIncident: z.optional(FromIncidentPattern), // pre-filled from the incident's resources (mitigations/resource-targets.ts)
});

export const MitigationTargetsSchema = z.discriminatedUnion('type', [
  /** Instances carrying a tag (the only way to reach large fleets). */
  z.strictObject({
    type: z.literal('tags'),
    key: z.string().check(z.minLength(1), z.maxLength(128)),
    values: z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.minLength(1), z.maxLength(50)),
  }),
  z.strictObject({ type: z.literal('resource-group'), name: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/)) }),
  /** The EC2 instances the incident names. */
  z.strictObject({ type: z.literal('incident-instances') }),
  ResourceTargetSchema,
]);
export type MitigationTargets = z.infer<typeof MitigationTargetsSchema>;

export const MitigationEntrySchema = z
  .strictObject({
    id: CatalogId,
    title: z.string().check(z.minLength(1), z.maxLength(150)),
    description: z._default(z.string().check(z.maxLength(1000)), ''),
    /** Run Command (`command`) or an Automation runbook (`automation`). */
    kind: z._default(z.enum(['command', 'automation']), 'command'),
    /** An SSM document the stack ships (by name) or an AWS-managed one such as AWS-RunPatchBaseline. */
    document: z.string().check(z.regex(/^[A-Za-z0-9_.:/-]{3,128}$/)),
    documentVersion: z._default(z.string().check(z.regex(/^(\$DEFAULT|\$LATEST|[0-9]{1,6})$/)), '$DEFAULT'),
    parameters: z._default(z.record(ParameterName, MitigationParameterSchema), {}),
    targets: MitigationTargetsSchema,
    rateControl: z._default(
      z.strictObject({
        maxConcurrency: z
          .string()
          .check(z.regex(/^([1-9][0-9]{0,3}|[1-9][0-9]?%|100%)$/, 'a count (1-9999) or a percentage (1%-100%)')),
        maxErrors: z.string().check(z.regex(/^([0-9]{1,4}|[0-9]{1,2}%|100%)$/, 'a count (0-9999) or a percentage (0%-100%)')),
      }),
      { maxConcurrency: '10%', maxErrors: '1' },
    ),
    timeoutMinutes: z._default(z.number().check(z.int(), z.gte(1), z.lte(2880)), 30),
    risk: z.enum(['low', 'medium', 'high']),
    /** Low-risk countermeasures may run at once, audited as approved by policy. */
    preApproved: z._default(z.boolean(), false),
    /** The catalog entry that undoes this one, offered when it fails. */
    rollback: z.optional(CatalogId),
    /** IAM actions (`service:Action`) an automation runbook calls as the automation role; synth fails if the role lacks one. */
    permissions: z._default(
      z
        .array(z.string().check(z.regex(/^[a-z0-9-]{2,32}:[A-Za-z0-9]{1,128}$/, 'an IAM action such as ec2:StartInstances')))
        .check(z.maxLength(50)),
      [],
    ),
  })
  .check(
    z.superRefine((entry, ctx) => {
      for (const issue of targetIssues(entry)) ctx.addIssue(issue);
      if (entry.preApproved && entry.risk !== 'low')
        ctx.addIssue({ code: 'custom', path: ['preApproved'], message: 'only low-risk entries may be pre-approved' });
      for (const [name, parameter] of Object.entries(entry.parameters)) {
        if (parameter.default !== undefined && !new RegExp(parameter.allowedPattern).test(parameter.default)) {
          ctx.addIssue({ code: 'custom', path: ['parameters', name, 'default'], message: 'does not match its allowedPattern' });
        }
      }
    }),
  );
export type MitigationEntry = z.infer<typeof MitigationEntrySchema>;

const EnvironmentName = z.string().check(z.regex(ENVIRONMENT_PATTERN, 'must be 1-32 lower-case letters, digits and dashes'));

/** Deployment environments: which services are which environment, and what a failure there means. */
export const DeploymentsConfigSchema = z.strictObject({
  environments: z._default(
    z
      .array(
        z
          .strictObject({
            environment: EnvironmentName,
            service: z.optional(RegexSource),
            group: z.optional(RegexSource),
            accounts: z.optional(
              z.array(z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id'))).check(z.minLength(1)),
            ),
          })
          .check(
            z.refine(
              (rule) => rule.service !== undefined || rule.group !== undefined || rule.accounts !== undefined,
              'a rule needs at least one of service, group, accounts',
            ),
          ),
      )
      .check(z.maxLength(100)),
    [],
  ),
  defaultEnvironment: z._default(EnvironmentName, 'production'),
  incidentSeverity: z._default(z.record(EnvironmentName, SeveritySchema), { production: 'SEV2', staging: 'SEV4' }),
  holdEnvironments: z.optional(z.array(EnvironmentName).check(z.minLength(1))),
});
export type DeploymentsConfig = z.infer<typeof DeploymentsConfigSchema>;

/** The tag every instance Firebreak may act on carries (IAM conditions name it), unless `fleet.tagKey` says otherwise. */
export const DEFAULT_FLEET_TAG_KEY = 'firebreak:fleet';

/**
 * The fleet Firebreak mitigates. The tag key ends up in IAM condition keys
 * (`ssm:resourceTag/<key>`, `aws:ResourceTag/<key>`), so it is limited to characters that are
 * safe there and cannot be an AWS-reserved `aws:` key.
 */
export const FleetConfigSchema = z.strictObject({
  /** Instances carrying this tag (any value) are the only ones Firebreak's commands and runbooks may touch. */
  tagKey: z._default(
    z.string().check(
      z.regex(/^[A-Za-z0-9_.:/=+@-]{1,128}$/, 'must be 1-128 letters, digits and _ . : / = + @ -'),
      z.refine((key) => !key.toLowerCase().startsWith('aws:'), 'the aws: prefix is reserved by AWS'),
    ),
    DEFAULT_FLEET_TAG_KEY,
  ),
  /**
   * The VPC of the quarantine security group the stack creates for isolate-instance. Without it
   * the stack creates no quarantine group and the isolation runbook refuses to run (synth warns).
   */
  vpcId: z.optional(z.string().check(z.regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as vpc-0123456789abcdef0'))),
  /** At most one progress post per running mitigation in this many seconds (the final summary always goes out). */
  progressIntervalSeconds: z._default(z.number().check(z.int(), z.gte(1), z.lte(3600)), 10),
});

const MinutesBySeverity = z.strictObject({
  SEV1: z.number().check(z.int(), z.positive()),
  SEV2: z.number().check(z.int(), z.positive()),
  SEV3: z.number().check(z.int(), z.positive()),
  SEV4: z.number().check(z.int(), z.positive()),
});

export const FirebreakConfigSchema = z
  .strictObject({
    /** Where editors find the JSON Schema (firebreak.schema.json); ignored by Firebreak. */
    $schema: z.optional(z.string().check(z.maxLength(2048))),
    slack: z.strictObject({
      /** The workspace whose requests are accepted. */
      teamId: z.string().check(z.regex(/^T[A-Z0-9]{6,}$/, 'must be a Slack workspace id such as T0123456789')),
      channels: z
        .catchall(
          z.object({
            default: ChannelId,
            deployments: ChannelId,
          }),
          ChannelId,
        )
        .check(
          z.superRefine((channels, ctx) => {
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
        ),
    }),
    roster: z
      .array(
        z.strictObject({
          slackUserId: z.string().check(z.regex(SLACK_USER_ID_PATTERN, 'must be a Slack user id such as U0123456789')),
          name: z.string().check(z.minLength(1), z.maxLength(80)),
          role: RoleSchema,
        }),
      )
      .check(
        z.minLength(1),
        z.superRefine((roster, ctx) => {
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
      ),
    sources: z._default(
      z.strictObject({
        /** Third-party monitor sources accepted on the firebreak bus besides the "firebreak.monitor" prefix. */
        custom: z._default(z.array(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,256}$/))), []),
        /** EC2 instance states worth an incident. */
        ec2States: z._default(
          z.array(z.enum(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'])).check(z.minLength(1)),
          ['stopped', 'terminated'],
        ),
      }),
      { custom: [], ec2States: ['stopped', 'terminated'] },
    ),
    classification: z.strictObject({ rules: z.array(RuleSchema) }),
    dedup: z._default(
      z.strictObject({
        fingerprint: z._default(z.array(FingerprintPartSchema).check(z.minLength(1)), ['source', 'kind', 'subject']),
        /** A signal this long after an incident resolved reopens it; later ones open a new incident. */
        reopenWindowMinutes: z._default(z.number().check(z.int(), z.gte(0), z.lte(10080)), 60),
      }),
      { fingerprint: ['source', 'kind', 'subject'], reopenWindowMinutes: 60 },
    ),
    policy: z._default(
      z.strictObject({
        /** How long the CTO may stay silent before senior engineers are asked. */
        ctoTimeoutMinutes: z._default(MinutesBySeverity, { SEV1: 5, SEV2: 15, SEV3: 60, SEV4: 240 }),
        seniorQuorum: z._default(
          z.strictObject({
            low: z.number().check(z.int(), z.gte(1)),
            medium: z.number().check(z.int(), z.gte(1)),
            high: z.number().check(z.int(), z.gte(1)),
          }),
          { low: 1, medium: 2, high: 2 },
        ),
        approvalExpiryMinutes: z._default(z.number().check(z.int(), z.gte(1), z.lte(1440)), 60),
      }),
      {
        ctoTimeoutMinutes: { SEV1: 5, SEV2: 15, SEV3: 60, SEV4: 240 },
        seniorQuorum: { low: 1, medium: 2, high: 2 },
        approvalExpiryMinutes: 60,
      },
    ),
    mitigations: z._default(z.array(MitigationEntrySchema), []),
    deployments: z._default(DeploymentsConfigSchema, {
      environments: [],
      defaultEnvironment: 'production',
      incidentSeverity: { production: 'SEV2', staging: 'SEV4' },
    }),
    fleet: z._default(FleetConfigSchema, { tagKey: DEFAULT_FLEET_TAG_KEY, progressIntervalSeconds: 10 }),
    watch: z._default(WatchConfigSchema, WATCH_DEFAULTS),
    monitors: z._default(MonitorsConfigSchema, MONITORS_DEFAULTS),
    audit: z._default(AuditConfigSchema, DEFAULT_AUDIT_CONFIG),
    silences: z._default(SilencesConfigSchema, SILENCES_DEFAULTS),
    incidentChannels: z._default(IncidentChannelsConfigSchema, INCIDENT_CHANNELS_DEFAULTS),
    maintenance: z.prefault(MaintenanceConfigSchema, {}),
    review: z.prefault(ReviewConfigSchema, {}),
    /** How long processed-event markers are kept for idempotency. */
    eventRetentionDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(30)), 7),
    deployFreeze: z._default(DeployFreezeConfigSchema, DEFAULT_DEPLOY_FREEZE),
    tracker: z._default(TrackerConfigSchema, DEFAULT_TRACKER),
  })
  .check(
    z.superRefine((config, ctx) => {
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
    }),
  );

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
