import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { SLACK_USER_ID_PATTERN } from '../../core/ids.ts';
import { SeveritySchema, CategorySchema } from '../../core/config.ts';
import { formatPath } from '../../core/config-problems.ts';
import { closest } from '../../core/config-problems.ts';

// The drill scenario format (documented in the README): steps and expectations, and loading a scenario file.

const Duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 90s, 5m, 2h or 1d');
const StatusSchema = z.enum(['open', 'acknowledged', 'mitigating', 'resolved', 'closed']);

const InjectStep = z
  .object({
    /** An EventBridge event: a path relative to the scenario file, or the event itself. */
    inject: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
    /** Which bus it arrives on: AWS services use the default bus, custom monitors the firebreak bus. */
    bus: z.enum(['default', 'firebreak']).default('default'),
    /** Deliver it this many times as distinct events (ids suffixed -repeat-N): a repeating signal. */
    times: z.number().int().min(1).max(10_000).default(1),
    note: z.string().optional(),
  })
  .strict();
const RedeliverStep = z.object({ redeliver: z.literal(true), note: z.string().optional() }).strict();
const AdvanceStep = z.object({ advance: Duration, note: z.string().optional() }).strict();
const NoteStep = z.object({ note: z.string() }).strict();
/** EventBridge refuses PutEvents for a while (throttling, an outage): what was committed waits in the outbox. */
const PublishFaultStep = z.object({ publishFault: Duration, note: z.string().optional() }).strict();
const SlackUser = z.string().regex(SLACK_USER_ID_PATTERN, 'a Slack user id such as U0CTO000001');
/** A roster user's slash command; {{incident}} and {{request}} / {{request:<catalog id>}} stand for the latest ones. */
const CommandStep = z
  .object({ slack: z.string().min(1), as: SlackUser, team: z.string().optional(), note: z.string().optional() })
  .strict();
/** A roster user clicks a button (by its label) on the latest message that has it, optionally the latest whose text contains `on`. */
/** A deployment announced like `firebreak deploy-notice` does (a custom event on the firebreak bus). */
const DeployStep = z.object({ deploy: z.record(z.string(), z.unknown()), note: z.string().optional() }).strict();
/** Work items as the GitHub and Jira stand-in will hold them: `owner/repo#N` → open/closed, `KEY-N` → a Jira status. */
const TrackerStep = z
  .object({
    tracker: z
      .object({
        github: z.record(z.string().regex(/^[\w.-]+\/[\w.-]+#\d+$/), z.enum(['open', 'closed'])).optional(),
        jira: z.record(z.string().regex(/^[A-Z][A-Z0-9]+-\d+$/), z.enum(['To Do', 'In Progress', 'Done'])).optional(),
      })
      .strict(),
    note: z.string().optional(),
  })
  .strict();
/** How the SIMULATED fleet answers the next Systems Manager runs. */
const FleetStep = z
  .object({
    fleet: z
      .object({
        instances: z.number().int().min(1).max(100_000),
        fail: z.number().int().min(0).optional(),
        timeOut: z.number().int().min(0).optional(),
      })
      .strict(),
    note: z.string().optional(),
  })
  .strict();
/** The CTO's configuration review runs now, as its schedule runs it, against the SIMULATED fleet. */
const ReviewStep = z.object({ review: z.object({}).strict(), note: z.string().optional() }).strict();
const ClickStep = z
  .object({
    click: z.enum(['Approve', 'Reject', 'Acknowledge', 'Resolve', 'Approve batch', 'Reject batch', 'Reviewed']),
    as: SlackUser,
    on: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();

const IncidentExpectation = z
  .object({
    /** Picks exactly one incident: title contains (case-insensitive), and/or source, kind, subject equal. */
    match: z
      .object({
        title: z.string().optional(),
        source: z.string().optional(),
        kind: z.string().optional(),
        subject: z.string().optional(),
      })
      .strict(),
    severity: SeveritySchema.optional(),
    category: CategorySchema.optional(),
    status: StatusSchema.optional(),
    signalCount: z.number().int().min(0).optional(),
    reopenCount: z.number().int().min(0).optional(),
  })
  .strict();

const MitigationExpectation = z
  .object({
    catalogId: z.string(),
    state: z
      .enum(['awaiting_approval', 'approved', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'])
      .optional(),
    /** Exactly these users decided (approved or rejected), in any order. */
    decidedBy: z.array(z.string()).optional(),
    escalated: z.boolean().optional(),
    /** The final progress of its Systems Manager run: instances succeeded, failed, timed out. */
    progress: z
      .object({
        succeeded: z.number().int().min(0).optional(),
        failed: z.number().int().min(0).optional(),
        timed_out: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    /** Each of these attempts was refused for this reason: a `Refusal` of core/approval/policy.ts (other_workspace, not_on_roster, wrong_role, self_approval, cto_available, expired, already_decided, already_approved, plan_changed, incident_resolved). */
    refused: z.array(z.object({ user: z.string(), reason: z.string() }).strict()).optional(),
  })
  .strict();

const SlackExpectation = z
  .object({
    channel: z.string().optional(),
    /** Only messages whose readable text contains this (case-insensitive). */
    contains: z.string().optional(),
    /** How many such messages (thread replies included). */
    count: z.number().int().min(0).optional(),
    /** No message anywhere may contain this raw text (e.g. an unescaped "<!channel>"). */
    never: z.string().optional(),
  })
  .strict();

/** A channel Firebreak created for an incident (incident channels), by its name. */
const ChannelExpectation = z
  .object({
    name: z.string().min(1),
    /** Exactly these members besides Firebreak's bot, in any order. */
    members: z.array(SlackUser).optional(),
    archived: z.boolean().optional(),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /**
     * Sections set over the configuration file for this drill only (e.g. `tracker`, so deployments
     * close work items on the local GitHub and Jira stand-in); the result is checked like any configuration.
     */
    config: z.record(z.string(), z.unknown()).optional(),
    /** Where the virtual clock starts (ISO 8601). */
    start: z.iso.datetime().default('2026-01-01T09:00:00Z'),
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
      .min(1),
    expect: z
      .object({
        incidents: z.array(IncidentExpectation).default([]),
        /** How many incidents exist at the end, whatever their status. */
        incidentCount: z.number().int().min(0).optional(),
        /** Incidents by status at the end, e.g. { "open": 3, "resolved": 1 }. */
        statusCounts: z.partialRecord(StatusSchema, z.number().int().min(0)).optional(),
        /** Events that failed and went to the dead-letter queue. */
        deadLetters: z.number().int().min(0).optional(),
        /** Events Firebreak put on its bus, by detail-type. */
        emitted: z.record(z.string(), z.number().int().min(0)).optional(),
        /** Mitigation requests at the end, by catalog id: state, who approved, who was refused and why. */
        mitigations: z.array(MitigationExpectation).default([]),
        /** Slack messages the stand-in received (after updates). */
        slack: z.array(SlackExpectation).default([]),
        /** Channels created for incidents: who is in them, whether archived. */
        channels: z.array(ChannelExpectation).default([]),
        /** Deployment records at the end, by service: how many, and the latest one's status. */
        deployments: z
          .array(
            z
              .object({
                service: z.string(),
                status: z.enum(['started', 'succeeded', 'failed', 'stopped']).optional(),
                count: z.number().int().min(0).optional(),
              })
              .strict(),
          )
          .default([]),
        /** Release holds at the end: held or lifted, and by whom. */
        holds: z
          .array(z.object({ service: z.string(), held: z.boolean(), liftedBy: z.array(z.string()).optional() }).strict())
          .default([]),
        /** Work items on the GitHub and Jira stand-in at the end: `owner/repo#N` → open/closed, `KEY-N` → its status. */
        trackers: z.record(z.string(), z.string()).optional(),
        /** Systems Manager calls the executor made (to the simulated fleet), with their exact inputs. */
        ssm: z
          .array(
            z
              .object({
                document: z.string(),
                count: z.number().int().min(0).optional(),
                /** Targets as SSM reads them, e.g. "tag:firebreak:fleet=production" or "InstanceIds=i-99999999". */
                targets: z.string().optional(),
                maxConcurrency: z.string().optional(),
                maxErrors: z.string().optional(),
              })
              .strict(),
          )
          .default([]),
        /** Every incident's audit chain verifies (checked unless set to false). */
        auditChainsValid: z.boolean().default(true),
        /** Every committed event was published: nothing waits in the outbox, nothing was dead-lettered by the relay. */
        outboxDrained: z.boolean().default(true),
        /** The notary signed every audit chain's head and `audit verify --all` finds nothing (checked when true). */
        auditVerifies: z.boolean().optional(),
      })
      .strict()
      .default({
        incidents: [],
        mitigations: [],
        slack: [],
        channels: [],
        deployments: [],
        holds: [],
        ssm: [],
        auditChainsValid: true,
        outboxDrained: true,
      }),
  })
  .strict();
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
