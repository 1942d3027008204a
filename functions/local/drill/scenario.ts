import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from '../../core/zod.ts';
import { SLACK_USER_ID_PATTERN } from '../../core/ids.ts';
import { SeveritySchema, CategorySchema } from '../../core/config.ts';
import { formatPath } from '../../core/config-problems.ts';
import { closest } from '../../core/config-problems.ts';

// The drill scenario format (documented in the README): steps and expectations, and loading a scenario file.

const Duration = z.string().check(z.regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 90s, 5m, 2h or 1d'));
const StatusSchema = z.enum(['open', 'acknowledged', 'mitigating', 'resolved', 'closed']);

const InjectStep = z.strictObject({
  /** An EventBridge event: a path relative to the scenario file, or the event itself. */
  inject: z.union([z.string().check(z.minLength(1)), z.record(z.string(), z.unknown())]),
  /** Which bus it arrives on: AWS services use the default bus, custom monitors the firebreak bus. */
  bus: z._default(z.enum(['default', 'firebreak']), 'default'),
  /** Deliver it this many times as distinct events (ids suffixed -repeat-N): a repeating signal. */
  times: z._default(z.number().check(z.int(), z.gte(1), z.lte(10_000)), 1),
  note: z.optional(z.string()),
});
const RedeliverStep = z.strictObject({ redeliver: z.literal(true), note: z.optional(z.string()) });
const AdvanceStep = z.strictObject({ advance: Duration, note: z.optional(z.string()) });
const NoteStep = z.strictObject({ note: z.string() });
/** EventBridge refuses PutEvents for a while (throttling, an outage): what was committed waits in the outbox. */
const PublishFaultStep = z.strictObject({ publishFault: Duration, note: z.optional(z.string()) });
const SlackUser = z.string().check(z.regex(SLACK_USER_ID_PATTERN, 'a Slack user id such as U0CTO000001'));
/** A roster user's slash command; {{incident}} and {{request}} / {{request:<catalog id>}} stand for the latest ones. */
const CommandStep = z.strictObject({
  slack: z.string().check(z.minLength(1)),
  as: SlackUser,
  team: z.optional(z.string()),
  note: z.optional(z.string()),
});
/** A roster user clicks a button (by its label) on the latest message that has it, optionally the latest whose text contains `on`. */
/** A deployment announced like `firebreak deploy-notice` does (a custom event on the firebreak bus). */
const DeployStep = z.strictObject({ deploy: z.record(z.string(), z.unknown()), note: z.optional(z.string()) });
/** Work items as the GitHub and Jira stand-in will hold them: `owner/repo#N` → open/closed, `KEY-N` → a Jira status. */
const TrackerStep = z.strictObject({
  tracker: z.strictObject({
    github: z.optional(z.record(z.string().check(z.regex(/^[\w.-]+\/[\w.-]+#\d+$/)), z.enum(['open', 'closed']))),
    jira: z.optional(z.record(z.string().check(z.regex(/^[A-Z][A-Z0-9]+-\d+$/)), z.enum(['To Do', 'In Progress', 'Done']))),
  }),
  note: z.optional(z.string()),
});
/** How the SIMULATED fleet answers the next Systems Manager runs. */
const FleetStep = z.strictObject({
  fleet: z.strictObject({
    instances: z.number().check(z.int(), z.gte(1), z.lte(100_000)),
    fail: z.optional(z.number().check(z.int(), z.gte(0))),
    timeOut: z.optional(z.number().check(z.int(), z.gte(0))),
    /** Runs stay in progress until someone cancels them (`/firebreak cancel`). */
    hold: z.optional(z.boolean()),
  }),
  note: z.optional(z.string()),
});
/** The CTO's configuration review runs now, as its schedule runs it, against the SIMULATED fleet. */
const ReviewStep = z.strictObject({ review: z.strictObject({}), note: z.optional(z.string()) });
const ClickStep = z.strictObject({
  click: z.enum(['Approve', 'Reject', 'Acknowledge', 'Resolve', 'Approve batch', 'Reject batch', 'Reviewed']),
  as: SlackUser,
  on: z.optional(z.string()),
  note: z.optional(z.string()),
});

const IncidentExpectation = z.strictObject({
  /** Picks exactly one incident: title contains (case-insensitive), and/or source, kind, subject equal. */
  match: z.strictObject({
    title: z.optional(z.string()),
    source: z.optional(z.string()),
    kind: z.optional(z.string()),
    subject: z.optional(z.string()),
  }),
  severity: z.optional(SeveritySchema),
  category: z.optional(CategorySchema),
  status: z.optional(StatusSchema),
  signalCount: z.optional(z.number().check(z.int(), z.gte(0))),
  reopenCount: z.optional(z.number().check(z.int(), z.gte(0))),
});

const MitigationExpectation = z.strictObject({
  catalogId: z.string(),
  state: z.optional(
    z.enum(['awaiting_approval', 'approved', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired']),
  ),
  /** Exactly these users decided (approved or rejected), in any order. */
  decidedBy: z.optional(z.array(z.string())),
  escalated: z.optional(z.boolean()),
  /** The final progress of its Systems Manager run: instances succeeded, failed, timed out. */
  progress: z.optional(
    z.strictObject({
      succeeded: z.optional(z.number().check(z.int(), z.gte(0))),
      failed: z.optional(z.number().check(z.int(), z.gte(0))),
      timed_out: z.optional(z.number().check(z.int(), z.gte(0))),
    }),
  ),
  /** Each of these attempts was refused for this reason: a `Refusal` of core/approval/policy.ts (other_workspace, not_on_roster, wrong_role, self_approval, cto_available, expired, already_decided, already_approved, plan_changed, incident_resolved). */
  refused: z.optional(z.array(z.strictObject({ user: z.string(), reason: z.string() }))),
});

const SlackExpectation = z.strictObject({
  channel: z.optional(z.string()),
  /** Only messages whose readable text contains this (case-insensitive). */
  contains: z.optional(z.string()),
  /** How many such messages (thread replies included). */
  count: z.optional(z.number().check(z.int(), z.gte(0))),
  /** No message anywhere may contain this raw text (e.g. an unescaped "<!channel>"). */
  never: z.optional(z.string()),
});

/** A channel Firebreak created for an incident (incident channels), by its name. */
const ChannelExpectation = z.strictObject({
  name: z.string().check(z.minLength(1)),
  /** Exactly these members besides Firebreak's bot, in any order. */
  members: z.optional(z.array(SlackUser)),
  archived: z.optional(z.boolean()),
});

export const ScenarioSchema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  description: z._default(z.string(), ''),
  /**
   * Sections set over the configuration file for this drill only (e.g. `tracker`, so deployments
   * close work items on the local GitHub and Jira stand-in); the result is checked like any configuration.
   */
  config: z.optional(z.record(z.string(), z.unknown())),
  /** Where the virtual clock starts (ISO 8601). */
  start: z._default(z.iso.datetime(), '2026-01-01T09:00:00Z'),
  steps: z
    .array(
      z.union([
        InjectStep,
        RedeliverStep,
        AdvanceStep,
        CommandStep,
        ClickStep,
        DeployStep,
        TrackerStep,
        FleetStep,
        PublishFaultStep,
        ReviewStep,
        NoteStep,
      ]),
    )
    .check(z.minLength(1)),
  expect: z._default(
    z.strictObject({
      incidents: z._default(z.array(IncidentExpectation), []),
      /** How many incidents exist at the end, whatever their status. */
      incidentCount: z.optional(z.number().check(z.int(), z.gte(0))),
      /** Incidents by status at the end, e.g. { "open": 3, "resolved": 1 }. */
      statusCounts: z.optional(z.partialRecord(StatusSchema, z.number().check(z.int(), z.gte(0)))),
      /** Events that failed and went to the dead-letter queue. */
      deadLetters: z.optional(z.number().check(z.int(), z.gte(0))),
      /** Events Firebreak put on its bus, by detail-type. */
      emitted: z.optional(z.record(z.string(), z.number().check(z.int(), z.gte(0)))),
      /** Mitigation requests at the end, by catalog id: state, who approved, who was refused and why. */
      mitigations: z._default(z.array(MitigationExpectation), []),
      /** Slack messages the stand-in received (after updates). */
      slack: z._default(z.array(SlackExpectation), []),
      /** Channels created for incidents: who is in them, whether archived. */
      channels: z._default(z.array(ChannelExpectation), []),
      /** Deployment records at the end, by service: how many, and the latest one's status. */
      deployments: z._default(
        z.array(
          z.strictObject({
            service: z.string(),
            status: z.optional(z.enum(['started', 'succeeded', 'failed', 'stopped'])),
            count: z.optional(z.number().check(z.int(), z.gte(0))),
          }),
        ),
        [],
      ),
      /** Release holds at the end: held or lifted, and by whom. */
      holds: z._default(
        z.array(z.strictObject({ service: z.string(), held: z.boolean(), liftedBy: z.optional(z.array(z.string())) })),
        [],
      ),
      /** Work items on the GitHub and Jira stand-in at the end: `owner/repo#N` → open/closed, `KEY-N` → its status. */
      trackers: z.optional(z.record(z.string(), z.string())),
      /** Systems Manager calls the executor made (to the simulated fleet), with their exact inputs. */
      ssm: z._default(
        z.array(
          z.strictObject({
            document: z.string(),
            count: z.optional(z.number().check(z.int(), z.gte(0))),
            /** Targets as SSM reads them, e.g. "tag:firebreak:fleet=production" or "InstanceIds=i-99999999". */
            targets: z.optional(z.string()),
            maxConcurrency: z.optional(z.string()),
            maxErrors: z.optional(z.string()),
            /** How many of those runs the executor asked to stop (CancelCommand or StopAutomationExecution). */
            cancelled: z.optional(z.number().check(z.int(), z.gte(0))),
          }),
        ),
        [],
      ),
      /** Every incident's audit chain verifies (checked unless set to false). */
      auditChainsValid: z._default(z.boolean(), true),
      /** Every committed event was published: nothing waits in the outbox, nothing was dead-lettered by the relay. */
      outboxDrained: z._default(z.boolean(), true),
      /** The notary signed every audit chain's head and `audit verify --all` finds nothing (checked when true). */
      auditVerifies: z.optional(z.boolean()),
    }),
    {
      incidents: [],
      mitigations: [],
      slack: [],
      channels: [],
      deployments: [],
      holds: [],
      ssm: [],
      auditChainsValid: true,
      outboxDrained: true,
    },
  ),
});
export type Scenario = z.infer<typeof ScenarioSchema>;
export type InjectStep = z.infer<typeof InjectStep>;
export type IncidentExpectation = z.infer<typeof IncidentExpectation>;
export type MitigationExpectation = z.infer<typeof MitigationExpectation>;
export type SlackExpectation = z.infer<typeof SlackExpectation>;

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Each kind of step by the key that marks it; a step with only `note` is a note. */
const STEP_KINDS = {
  inject: InjectStep,
  redeliver: RedeliverStep,
  advance: AdvanceStep,
  slack: CommandStep,
  click: ClickStep,
  deploy: DeployStep,
  tracker: TrackerStep,
  fleet: FleetStep,
  publishFault: PublishFaultStep,
  review: ReviewStep,
} as const;

/**
 * Every step checked on its own, before anything starts: the kind it is, that kind's fields (one
 * message per field, naming the step by its number from 1), event files that exist and parse, and
 * a redeliver that has something to redeliver.
 */
function stepProblems(steps: unknown, baseDir: string): string[] {
  if (!Array.isArray(steps)) return [];
  const problems: string[] = [];
  let injected = false;
  steps.forEach((step, index) => {
    const at = `step ${index + 1}`;
    if (step === null || typeof step !== 'object' || Array.isArray(step)) return void problems.push(`${at}: must be an object`);
    const keys = Object.keys(step);
    const kinds = keys.filter((key): key is keyof typeof STEP_KINDS => Object.hasOwn(STEP_KINDS, key));
    if (kinds.length > 1) return void problems.push(`${at}: one kind per step, but it has ${kinds.join(' and ')}`);
    if (kinds.length === 0) {
      if (keys.length === 1 && keys[0] === 'note')
        return void (NoteStep.safeParse(step).success || problems.push(`${at} (note): note must be text`));
      const unknown = keys.filter((key) => !['note', 'as', 'team', 'on', 'bus', 'times'].includes(key));
      const guess = unknown.map((key) => closest(key, Object.keys(STEP_KINDS))).find(Boolean);
      return void problems.push(
        `${at}: not a step kind (${Object.keys(STEP_KINDS).join(', ')} or a lone note)${unknown.length ? `: unknown ${unknown.map((k) => `"${k}"`).join(', ')}` : ''}${guess ? ` (did you mean "${guess}"?)` : ''}`,
      );
    }
    const kind = kinds[0]!;
    const parsed = STEP_KINDS[kind].safeParse(step);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        problems.push(
          `${at} (${kind}): ${issue.code === 'unrecognized_keys' ? `unknown ${issue.keys.map((k) => `"${k}"`).join(', ')} for a ${kind} step` : `${formatPath(issue.path)}: ${issue.message}`}`,
        );
    if (kind === 'redeliver' && !injected) problems.push(`${at} (redeliver): needs an earlier inject step`);
    if (kind === 'inject') {
      injected = true;
      const file = (step as { inject: unknown }).inject;
      if (typeof file === 'string' && file) {
        try {
          JSON.parse(readFileSync(resolve(baseDir, file), 'utf8'));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          problems.push(`${at} (inject): ${file}: ${code === 'ENOENT' ? 'file not found' : (error as Error).message}`);
        }
      }
    }
  });
  return problems;
}

/** Reads and validates a scenario file, event files included; the error names each step and field and why. */
export function loadScenario(path: string): { scenario: Scenario; baseDir: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ScenarioError(`${path}: ${(error as Error).message}`);
  }
  const baseDir = dirname(resolve(path));
  const steps = stepProblems((raw as { steps?: unknown } | null)?.steps, baseDir);
  const result = ScenarioSchema.safeParse(raw);
  // Step issues are reported by stepProblems, each in its own words; the rest as the schema says.
  const others = result.success
    ? []
    : result.error.issues
        .filter((i) => !(i.path[0] === 'steps' && i.path.length > 1 && steps.length))
        .map((i) => `${formatPath(i.path)}: ${i.message}`);
  const problems = [...steps, ...others];
  if (problems.length || !result.success)
    throw new ScenarioError(`${path} is not a valid drill scenario:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { scenario: result.data, baseDir };
}

export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new ScenarioError(`"${text}" is not a duration`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
