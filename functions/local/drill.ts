import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { verifyChain } from '../core/audit/chain.ts';
import { SLACK_USER_ID_PATTERN } from '../core/ids.ts';
import { formatPath, SeveritySchema, CategorySchema, type FirebreakConfig } from '../core/config.ts';
import { ACTIVE_STATUSES, type Incident, type IncidentStatus } from '../core/incidents/incident.ts';
import type { AuditEntry } from '../core/audit/chain.ts';
import { renderMessageText } from '../core/slack/message-text.ts';
import type { MitigationRequest } from '../core/mitigations/mitigation.ts';
import { randomUUID } from 'node:crypto';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_SOURCE } from '../core/deployments/deployment-sources.ts';
import type { IngestResult } from '../ingest/handler.ts';
import type { BusName, Delivery } from './event-bus.ts';
import { startLocalRuntime, type LocalRuntime } from './runtime.ts';

// --- the scenario format (documented in the README) ---------------------------------------------

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
const SlackUser = z.string().regex(SLACK_USER_ID_PATTERN, 'a Slack user id such as U0CTO000001');
/** A roster user's slash command; {{incident}} and {{request}} / {{request:<catalog id>}} stand for the latest ones. */
const CommandStep = z
  .object({ slack: z.string().min(1), as: SlackUser, team: z.string().optional(), note: z.string().optional() })
  .strict();
/** A roster user clicks a button (by its label) on the latest message that has it, optionally the latest whose text contains `on`. */
/** A deployment announced like `firebreak deploy-notice` does (a custom event on the firebreak bus). */
const DeployStep = z.object({ deploy: z.record(z.string(), z.unknown()), note: z.string().optional() }).strict();
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
const ClickStep = z
  .object({
    click: z.enum(['Approve', 'Reject', 'Acknowledge', 'Resolve']),
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

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /** Where the virtual clock starts (ISO 8601). */
    start: z.iso.datetime().default('2026-01-01T09:00:00Z'),
    steps: z
      .array(z.union([InjectStep, RedeliverStep, AdvanceStep, CommandStep, ClickStep, DeployStep, FleetStep, NoteStep]))
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
      })
      .strict()
      .default({ incidents: [], mitigations: [], slack: [], deployments: [], holds: [], ssm: [], auditChainsValid: true }),
  })
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;

export interface DrillCheck {
  readonly expectation: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface DrillLine {
  readonly at: string;
  readonly step: string;
  readonly results: readonly string[];
}

export interface DrillOutcome {
  readonly scenario: string;
  readonly passed: boolean;
  readonly transcript: readonly DrillLine[];
  readonly incidents: readonly Incident[];
  readonly mitigations: readonly MitigationRequest[];
  /** What the Slack stand-in holds at the end, as readable text. */
  readonly slack: ReadonlyArray<{
    readonly channel: string;
    readonly ts: string;
    readonly threadTs?: string;
    readonly text: string;
  }>;
  readonly emitted: Readonly<Record<string, number>>;
  readonly deadLetters: ReadonlyArray<{ readonly eventId: string | undefined; readonly error: string }>;
  readonly checks: readonly DrillCheck[];
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Reads and validates a scenario file; the error names the field and why. */
export function loadScenario(path: string): { scenario: Scenario; baseDir: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ScenarioError(`${path}: ${(error as Error).message}`);
  }
  const result = ScenarioSchema.safeParse(raw);
  if (!result.success)
    throw new ScenarioError(`${path}: ${result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`);
  return { scenario: result.data, baseDir: dirname(resolve(path)) };
}

export interface DrillOptions {
  readonly config: FirebreakConfig;
  readonly baseDir: string;
  /** Share a running DynamoDB Local (tests); otherwise the drill starts its own. */
  readonly endpoint?: string;
  readonly dbPath?: string;
  readonly tableName?: string;
}

/** Runs a scenario through the real handlers on the local runtime and checks its expectations. */
export async function runDrill(scenario: Scenario, options: DrillOptions): Promise<DrillOutcome> {
  const runtime = await startLocalRuntime({
    config: options.config,
    start: scenario.start,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.dbPath ? { dbPath: options.dbPath } : {}),
    ...(options.tableName ? { tableName: options.tableName } : {}),
  });
  try {
    const transcript: DrillLine[] = [];
    let last: { bus: BusName; event: unknown } | undefined;
    const members = new Map(options.config.roster.map((m) => [m.slackUserId, `${m.name} (${m.role})`]));
    const who = (userId: string) => members.get(userId) ?? `${userId} (not on the roster)`;
    // What Slack received since the last step, one line per new or changed message.
    const seen = new Map<string, number>();
    const slackNews = (): string[] =>
      runtime.slack.messages().flatMap((m) => {
        const key = `${m.channel}/${m.ts}`;
        if (seen.get(key) === m.updates) return [];
        const verb = seen.has(key) ? 'updated' : m.thread_ts ? 'thread reply' : 'posted';
        seen.set(key, m.updates);
        return [`✉ Slack ${verb} in ${m.channel}: ${firstLine(renderMessageText(m))}`];
      });
    for (const step of scenario.steps) {
      const at = runtime.clock.now().toISOString();
      if ('inject' in step) {
        const event = typeof step.inject === 'string' ? readEvent(resolve(options.baseDir, step.inject)) : step.inject;
        // One delivery keeps the event exactly as written; repeats are distinct events, as a source sends them.
        const copies =
          step.times === 1
            ? [event]
            : Array.from({ length: step.times }, (_, i) => withId(event, `${idOf(event) ?? 'event'}-repeat-${i + 1}`));
        const results: string[] = [];
        for (const copy of copies) {
          runtime.bus.put(step.bus, copy);
          results.push(...describeDeploymentDeliveries(await runtime.bus.drain()));
        }
        last = { bus: step.bus, event: copies.at(-1) };
        transcript.push({
          at,
          step: describeInject(step, event),
          results: [...(step.times > 1 ? summarize(results) : results), ...summarize(slackNews())],
        });
      } else if ('redeliver' in step) {
        if (!last) throw new ScenarioError('a "redeliver" step needs an earlier "inject" step');
        runtime.bus.put(last.bus, last.event);
        transcript.push({
          at,
          step: `redeliver event ${idOf(last.event) ?? '(no id)'} (EventBridge delivers at least once)`,
          results: [...describeDeploymentDeliveries(await runtime.bus.drain()), ...slackNews()],
        });
      } else if ('advance' in step) {
        const fired = await runtime.advance(durationMs(step.advance));
        transcript.push({
          at,
          step: `advance the clock ${step.advance}${step.note ? ` — ${step.note}` : ''}`,
          results: [...describeSchedules(fired), ...slackNews()],
        });
      } else if ('slack' in step) {
        const text = await fillPlaceholders(step.slack, runtime);
        const response = await runtime.command(step.as, text, step.team ? { teamId: step.team } : {});
        transcript.push({
          at,
          step: `${who(step.as)}: /firebreak ${text}${step.note ? ` — ${step.note}` : ''}`,
          results: [`↩ ${replyOf(response)}`, ...slackNews()],
        });
      } else if ('deploy' in step) {
        const time = runtime.clock
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z');
        const event = {
          version: '0',
          id: randomUUID(),
          'detail-type': DEPLOYMENT_DETAIL_TYPES.custom,
          source: DEPLOYMENT_SOURCE,
          account: '123456789012',
          time,
          region: 'us-east-1',
          resources: [],
          detail: step.deploy,
        };
        runtime.bus.put('firebreak', event);
        const results = describeDeploymentDeliveries(await runtime.bus.drain());
        transcript.push({
          at,
          step: `deploy-notice ${Object.entries(step.deploy)
            .map(([k, v]) => `--${k} ${String(v)}`)
            .join(' ')}${step.note ? ` — ${step.note}` : ''}`,
          results: [...results, ...slackNews()],
        });
      } else if ('fleet' in step) {
        runtime.fleet.behave(step.fleet);
        transcript.push({
          at,
          step: `the SIMULATED fleet will answer with ${step.fleet.instances} instance(s)${step.fleet.fail ? `, ${step.fleet.fail} failing` : ''}${step.fleet.timeOut ? `, ${step.fleet.timeOut} timing out` : ''}${step.note ? ` — ${step.note}` : ''}`,
          results: [],
        });
      } else if ('click' in step) {
        const target = findButton(runtime, step.click, step.on);
        if (!target)
          throw new ScenarioError(`no message has a "${step.click}" button${step.on ? ` and contains "${step.on}"` : ''}`);
        const before = runtime.slack.responses().length;
        const response = await runtime.click(step.as, target);
        const replies = runtime.slack
          .responses()
          .slice(before)
          .map((r) => `↩ ${plain(String(r.body.text ?? ''))}`);
        transcript.push({
          at,
          step: `${who(step.as)} clicks [${step.click}]${step.note ? ` — ${step.note}` : ''}`,
          results: [...(response.statusCode === 200 ? replies : [`✗ HTTP ${response.statusCode}`]), ...slackNews()],
        });
      } else {
        transcript.push({ at, step: `note: ${step.note}`, results: [] });
      }
    }
    return await conclude(scenario, runtime, transcript);
  } finally {
    await runtime.stop();
  }
}

async function conclude(scenario: Scenario, runtime: LocalRuntime, transcript: DrillLine[]): Promise<DrillOutcome> {
  const allStatuses: IncidentStatus[] = [...ACTIVE_STATUSES, 'resolved', 'closed'];
  const incidents = await runtime.repositories.incidents.listIncidents(allStatuses, 1000);
  const emitted: Record<string, number> = {};
  for (const event of runtime.bus.emitted) emitted[event['detail-type']] = (emitted[event['detail-type']] ?? 0) + 1;
  const deadLetters = runtime.bus.deadLetters.map((d) => ({
    eventId: idOf(d.event),
    error: d.error?.message ?? 'unknown error',
  }));

  const checks: DrillCheck[] = [];
  const { expect } = scenario;
  for (const expected of expect.incidents) checks.push(checkIncident(expected, incidents));
  if (expect.incidentCount !== undefined) checks.push(equal('incident count', expect.incidentCount, incidents.length));
  for (const [status, count] of Object.entries(expect.statusCounts ?? {})) {
    checks.push(equal(`${status} incidents`, count, incidents.filter((i) => i.status === status).length));
  }
  if (expect.deadLetters !== undefined)
    checks.push(equal('events in the dead-letter queue', expect.deadLetters, deadLetters.length));
  for (const [detailType, count] of Object.entries(expect.emitted ?? {}))
    checks.push(equal(`"${detailType}" events emitted`, count, emitted[detailType] ?? 0));
  const requests = (await Promise.all(incidents.map((i) => runtime.repositories.mitigations.listRequests(i.id)))).flat();
  const audits = new Map<string, AuditEntry[]>();
  for (const incident of incidents) audits.set(incident.id, await runtime.repositories.incidents.getAudit(incident.id));
  const progress = new Map<string, Record<string, unknown>>();
  for (const r of requests) {
    const p = await runtime.repositories.mitigations.getProgress(r.incidentId, r.id);
    if (p) progress.set(r.id, p);
  }
  for (const expected of expect.mitigations) checks.push(checkMitigation(expected, requests, audits, progress));
  for (const expected of expect.deployments) {
    const records = await runtime.repositories.deployments.listDeployments(expected.service);
    const latest = [...records].sort((a, b) => (a.lastEventAt < b.lastEventAt ? -1 : 1)).at(-1);
    const wrong = [
      ...(expected.count !== undefined && records.length !== expected.count
        ? [`${records.length} records, expected ${expected.count}`]
        : []),
      ...(expected.status && latest?.status !== expected.status
        ? [`latest is ${latest?.status ?? 'missing'}, expected ${expected.status}`]
        : []),
    ];
    checks.push({
      expectation: `deployments of ${expected.service}`,
      passed: wrong.length === 0,
      detail: wrong.length ? wrong.join('; ') : `${records.length} record(s), latest ${latest?.status}`,
    });
  }
  for (const expected of expect.holds) {
    const hold = await runtime.repositories.holds.getHold(expected.service);
    const held = hold?.held ?? false;
    const wrong = [
      ...(held !== expected.held ? [held ? 'is held' : 'is not held'] : []),
      ...(expected.liftedBy && [...(hold?.liftedBy ?? [])].sort().join(',') !== [...expected.liftedBy].sort().join(',')
        ? [`lifted by ${hold?.liftedBy?.join(', ') || 'nobody'}`]
        : []),
    ];
    checks.push({
      expectation: `release hold on ${expected.service} ${expected.held ? 'in place' : 'lifted or absent'}`,
      passed: wrong.length === 0,
      detail: wrong.length
        ? wrong.join('; ')
        : hold
          ? `${hold.held ? 'held' : 'lifted'}${hold.liftedBy?.length ? ` by ${hold.liftedBy.join(', ')}` : ''}`
          : 'no hold',
    });
  }
  for (const expected of expect.ssm) {
    const calls = runtime.fleet.calls
      .filter((c) => c.api !== 'Cancel' && (c.input as { DocumentName: string }).DocumentName === expected.document)
      .map((c) => c.input as { Targets: Array<{ Key: string; Values: string[] }>; MaxConcurrency: string; MaxErrors: string });
    const describe = (targets: Array<{ Key: string; Values: string[] }>) =>
      targets.map((t) => `${t.Key}=${t.Values.join(',')}`).join(' ');
    const wrong = [
      ...(expected.count !== undefined && calls.length !== expected.count
        ? [`${calls.length} call(s), expected ${expected.count}`]
        : []),
      ...calls.flatMap((c) => [
        ...(expected.targets !== undefined && describe(c.Targets) !== expected.targets ? [`targets ${describe(c.Targets)}`] : []),
        ...(expected.maxConcurrency !== undefined && c.MaxConcurrency !== expected.maxConcurrency
          ? [`MaxConcurrency ${c.MaxConcurrency}`]
          : []),
        ...(expected.maxErrors !== undefined && c.MaxErrors !== expected.maxErrors ? [`MaxErrors ${c.MaxErrors}`] : []),
      ]),
    ];
    checks.push({
      expectation: `Systems Manager runs of ${expected.document}`,
      passed: wrong.length === 0,
      detail: wrong.length
        ? wrong.join('; ')
        : `${calls.length} call(s)${calls[0] ? `, targets ${describe(calls[0].Targets)}, rate ${calls[0].MaxConcurrency}/${calls[0].MaxErrors}` : ''}`,
    });
  }
  const messages = runtime.slack
    .messages()
    .map((m) => ({ channel: m.channel, text: renderMessageText(m), raw: JSON.stringify({ text: m.text, blocks: m.blocks }) }));
  for (const expected of expect.slack) checks.push(checkSlack(expected, messages));
  if (expect.auditChainsValid) {
    const broken: string[] = [];
    for (const incident of incidents) {
      const verdict = verifyChain(audits.get(incident.id) ?? [], { seq: incident.auditSeq, hash: incident.auditHead });
      if (!verdict.valid) broken.push(`${incident.id} (entry ${verdict.brokenAt}: ${verdict.reason})`);
    }
    checks.push({
      expectation: 'every audit chain verifies',
      passed: broken.length === 0,
      detail: broken.length ? `broken: ${broken.join(', ')}` : `${incidents.length} chains valid`,
    });
  }
  const slack = runtime.slack.messages().map((m) => ({
    channel: m.channel,
    ts: m.ts,
    ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
    text: renderMessageText(m),
  }));
  return {
    scenario: scenario.name,
    passed: checks.every((c) => c.passed),
    transcript,
    incidents,
    mitigations: requests,
    slack,
    emitted,
    deadLetters,
    checks,
  };
}

function checkIncident(expected: z.infer<typeof IncidentExpectation>, incidents: readonly Incident[]): DrillCheck {
  const { match, ...want } = expected;
  const label = `incident ${Object.entries(match)
    .map(([k, v]) => `${k}~"${v}"`)
    .join(' ')}`;
  const found = incidents.filter(
    (i) =>
      (match.title === undefined || i.title.toLowerCase().includes(match.title.toLowerCase())) &&
      (match.source === undefined || i.source === match.source) &&
      (match.kind === undefined || i.kind === match.kind) &&
      (match.subject === undefined || i.subject === match.subject),
  );
  if (found.length !== 1)
    return { expectation: label, passed: false, detail: `expected exactly one matching incident, found ${found.length}` };
  const incident = found[0]!;
  const wrong = Object.entries(want)
    .filter(([key, value]) => value !== undefined && incident[key as keyof typeof want] !== value)
    .map(([key, value]) => `${key} is ${String(incident[key as keyof typeof want])}, expected ${String(value)}`);
  const summary = `${incident.id} ${incident.severity} ${incident.category} ${incident.status}, ${incident.signalCount} signal(s)`;
  return { expectation: label, passed: wrong.length === 0, detail: wrong.length ? wrong.join('; ') : summary };
}

function checkMitigation(
  expected: z.infer<typeof MitigationExpectation>,
  requests: readonly MitigationRequest[],
  audits: ReadonlyMap<string, AuditEntry[]>,
  progress: ReadonlyMap<string, Record<string, unknown>>,
): DrillCheck {
  const label = `mitigation ${expected.catalogId}`;
  const found = requests.filter((r) => r.catalogId === expected.catalogId);
  if (found.length !== 1)
    return { expectation: label, passed: false, detail: `expected exactly one request, found ${found.length}` };
  const request = found[0]!;
  const wrong: string[] = [];
  if (expected.state && request.state !== expected.state) wrong.push(`state is ${request.state}, expected ${expected.state}`);
  if (expected.decidedBy && [...(request.decidedBy ?? [])].sort().join(',') !== [...expected.decidedBy].sort().join(','))
    wrong.push(`decided by ${request.decidedBy?.join(', ') || 'nobody'}, expected ${expected.decidedBy.join(', ')}`);
  if (expected.escalated !== undefined && !!request.escalatedAt !== expected.escalated)
    wrong.push(expected.escalated ? 'was never escalated' : 'was escalated');
  for (const [bucket, count] of Object.entries(expected.progress ?? {})) {
    const actual = (progress.get(request.id)?.[bucket] as number | undefined) ?? 0;
    if (actual !== count) wrong.push(`${actual} ${bucket.replace('_', ' ')}, expected ${count}`);
  }
  const refusals = (audits.get(request.incidentId) ?? [])
    .filter((a) => a.action.endsWith('_refused') && a.data.requestId === request.id)
    .map((a) => ({ user: String(a.data.userId), reason: String(a.data.refusal) }));
  for (const refusal of expected.refused ?? []) {
    if (!refusals.some((r) => r.user === refusal.user && r.reason === refusal.reason))
      wrong.push(
        `no refusal of ${refusal.user} for ${refusal.reason} (refusals: ${refusals.map((r) => `${r.user} ${r.reason}`).join(', ') || 'none'})`,
      );
  }
  const summary = `${request.id} ${request.state}${request.decidedBy?.length ? ` by ${request.decidedBy.join(', ')}` : ''}${refusals.length ? `; refused ${refusals.map((r) => `${r.user} (${r.reason})`).join(', ')}` : ''}`;
  return { expectation: label, passed: wrong.length === 0, detail: wrong.length ? wrong.join('; ') : summary };
}

function checkSlack(
  expected: z.infer<typeof SlackExpectation>,
  messages: ReadonlyArray<{ channel: string; text: string; raw: string }>,
): DrillCheck {
  if (expected.never !== undefined) {
    const offending = messages.filter((m) => m.raw.includes(expected.never!));
    return {
      expectation: `no Slack message contains ${JSON.stringify(expected.never)}`,
      passed: offending.length === 0,
      detail: offending.length ? `found in ${offending.length} message(s)` : `${messages.length} messages checked`,
    };
  }
  const matching = messages.filter(
    (m) =>
      (!expected.channel || m.channel === expected.channel) &&
      (!expected.contains || m.text.toLowerCase().includes(expected.contains.toLowerCase())),
  );
  const label = `Slack messages${expected.channel ? ` in ${expected.channel}` : ''}${expected.contains ? ` containing "${expected.contains}"` : ''}`;
  if (expected.count === undefined)
    return { expectation: `${label} exist`, passed: matching.length > 0, detail: `found ${matching.length}` };
  return equal(label, expected.count, matching.length);
}

function equal(expectation: string, expected: number, actual: number): DrillCheck {
  return { expectation: `${expectation} = ${expected}`, passed: expected === actual, detail: `found ${actual}` };
}

function describeDeliveries(deliveries: readonly Delivery[]): string[] {
  const lines: string[] = [];
  for (const delivery of deliveries) {
    if (delivery.error) {
      lines.push(`✗ ${delivery.rule}: ${delivery.error.message} → dead-letter queue`);
      continue;
    }
    const result = delivery.result as IngestResult | undefined;
    for (const o of result?.outcomes ?? []) {
      const rule = o.rule ? `rule "${o.rule}"` : 'no rule matched (fallback)';
      switch (o.outcome) {
        case 'opened':
          lines.push(`→ opened ${o.incidentId} ${o.severity} ${o.category} (${rule})`);
          break;
        case 'updated':
          lines.push(
            `→ updated ${o.incidentId}${o.changes?.includes('severity_raised') ? ` (severity raised to ${o.severity})` : ''}`,
          );
          break;
        case 'resolved':
        case 'reopened':
          lines.push(`→ ${o.outcome} ${o.incidentId}`);
          break;
        case 'duplicate':
          lines.push(`→ duplicate of an event already processed: nothing changed (${o.incidentId} re-announced)`);
          break;
        default:
          lines.push(`→ ${o.outcome}: ${o.reason ?? ''}`.trimEnd());
      }
    }
  }
  if (deliveries.length === 0) lines.push('→ no rule matches this event: not delivered');
  return lines;
}

/** Collapses the outcomes of a repeated injection: "→ updated INC-1 ×9". */
function summarize(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, count]) => (count > 1 ? `${line} ×${count}` : line));
}

function describeInject(step: z.infer<typeof InjectStep>, event: unknown): string {
  const e = event as { source?: unknown; 'detail-type'?: unknown };
  const what = `${String(e.source ?? '?')} "${String(e['detail-type'] ?? '?')}"`;
  const from = typeof step.inject === 'string' ? ` from ${step.inject}` : '';
  const times = step.times > 1 ? ` ×${step.times}` : '';
  return `inject ${what}${from}${times} on the ${step.bus} bus${step.note ? ` — ${step.note}` : ''}`;
}

function readEvent(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ScenarioError(`cannot read event ${path}: ${(error as Error).message}`);
  }
}

function withId(event: unknown, id: string): unknown {
  return typeof event === 'object' && event !== null ? { ...event, id } : event;
}

function idOf(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new ScenarioError(`"${text}" is not a duration`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** The human-readable transcript `firebreak drill` prints. */
export function renderDrill(outcome: DrillOutcome, start: string): string {
  const t0 = Date.parse(start);
  const clock = (at: string) => {
    const s = Math.round((Date.parse(at) - t0) / 1000);
    return `T+${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };
  const out: string[] = [`Firebreak drill: ${outcome.scenario}`, `virtual clock starts at ${start}`, ''];
  for (const line of outcome.transcript) {
    out.push(`[${clock(line.at)}] ${line.step}`);
    for (const result of line.results) out.push(`             ${result}`);
  }
  out.push('', `Incidents at the end (${outcome.incidents.length}):`);
  for (const i of outcome.incidents) {
    out.push(
      `  ${i.id}  ${i.severity}  ${i.category.padEnd(12)} ${i.status.padEnd(12)} ${String(i.signalCount).padStart(5)} signal(s)  ${truncate(i.title, 70)}`,
    );
  }
  if (outcome.mitigations.length) {
    out.push('', `Mitigation requests (${outcome.mitigations.length}):`);
    for (const r of outcome.mitigations) {
      out.push(
        `  ${r.id}  ${r.catalogId.padEnd(20)} ${r.state.padEnd(18)}${r.decidedBy?.length ? ` by ${r.decidedBy.join(', ')}` : ''}${r.escalatedAt ? ' (escalated to senior engineers)' : ''}`,
      );
    }
  }
  out.push('', `Slack (local stand-in) holds ${outcome.slack.length} message(s):`);
  for (const m of outcome.slack)
    out.push(`  ${m.channel} ${m.threadTs ? '  └ ' : ''}${truncate(m.text.split('\n')[0] ?? '', 110)}`);
  const emitted = Object.entries(outcome.emitted).map(([type, n]) => `${type} ×${n}`);
  out.push('', `Events on the firebreak bus: ${emitted.length ? emitted.join(', ') : 'none'}`);
  out.push(
    `Dead-letter queue: ${outcome.deadLetters.length ? outcome.deadLetters.map((d) => `${d.eventId ?? '(no id)'}: ${d.error}`).join('; ') : 'empty'}`,
  );
  const failed = outcome.checks.filter((c) => !c.passed);
  out.push('', `Expectations: ${outcome.checks.length - failed.length} passed, ${failed.length} failed`);
  for (const check of outcome.checks) out.push(`  ${check.passed ? '✓' : '✗'} ${check.expectation} — ${check.detail}`);
  return out.join('\n');
}

function describeDeploymentDeliveries(deliveries: readonly Delivery[]): string[] {
  return deliveries.flatMap((d) => {
    if (d.error) return [`✗ ${d.rule}: ${d.error.message} → dead-letter queue`];
    const r = d.result as
      | {
          deploymentId?: string;
          service?: string;
          status?: string;
          change?: string;
          incidentId?: string;
          held?: boolean;
          outcomes?: unknown;
        }
      | undefined;
    if (d.rule === 'Execute' || d.rule === 'Track' || d.rule === 'Notify') return describeExecution(d);
    if (!r?.deploymentId) return describeDeliveries([d]);
    return [
      `→ ${r.service} ${r.status} (${r.change})${r.incidentId ? `, incident ${r.incidentId}` : ''}${r.held ? ', release hold placed' : ''}`,
    ];
  });
}

/** The executor's and tracker's part, folded: "⚙ MIT-… started" and the final outcome, not every status event. */
function describeExecution(d: Delivery): string[] {
  if (d.error) return [`✗ ${d.rule}: ${d.error.message}`];
  const r = d.result as { outcome?: string; runId?: string; reason?: string; requestId?: string } | undefined;
  if (d.rule === 'Execute')
    return r?.outcome === 'started'
      ? [`⚙ Systems Manager run ${r.runId} started (SIMULATED fleet)`]
      : [`⚙ executor: ${r?.outcome}${r?.reason ? ` (${r.reason})` : ''}`];
  if (d.rule === 'Track' && r?.outcome && r.outcome !== 'running' && r.outcome !== 'not ours')
    return [`⚙ ${r.requestId} ${r.outcome}`];
  return [];
}

function describeSchedules(fired: readonly Delivery[]): string[] {
  return fired
    .filter((d) => d.rule.startsWith('schedule:'))
    .map((d) => {
      const result = d.result as { outcome?: string; requestId?: string; action?: string } | undefined;
      if (d.error) return `✗ ${d.rule}: ${d.error.message}`;
      return `⏰ ${d.rule.slice('schedule:'.length)}: ${result?.outcome ?? result?.action ?? 'done'}`;
    });
}

async function fillPlaceholders(text: string, runtime: LocalRuntime): Promise<string> {
  const incidents = await runtime.repositories.incidents.listIncidents([...ACTIVE_STATUSES, 'resolved', 'closed'], 1000);
  const latest = incidents[0];
  const requests = (await Promise.all(incidents.map((i) => runtime.repositories.mitigations.listRequests(i.id))))
    .flat()
    .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : -1));
  return text
    .replace(/\{\{incident\}\}/g, () => latest?.id ?? 'INC-NONE')
    .replace(
      /\{\{request(?::([a-z0-9-]+))?\}\}/g,
      (_, catalogId?: string) => requests.find((r) => !catalogId || r.catalogId === catalogId)?.id ?? 'MIT-NONE',
    );
}

const BUTTON_ACTIONS = {
  Approve: 'mitigation_approve',
  Reject: 'mitigation_reject',
  Acknowledge: 'incident_ack',
  Resolve: 'incident_resolve',
} as const;

function findButton(runtime: LocalRuntime, label: keyof typeof BUTTON_ACTIONS, on: string | undefined) {
  const actionId = BUTTON_ACTIONS[label];
  for (const message of [...runtime.slack.messages()].reverse()) {
    if (on && !renderMessageText(message).toLowerCase().includes(on.toLowerCase())) continue;
    const button = (message.blocks as Array<{ type?: string; elements?: Array<{ action_id?: string; value?: string }> }>)
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === actionId);
    if (button) return { actionId, value: button.value ?? '', channel: message.channel, ts: message.ts };
  }
  return undefined;
}

function replyOf(response: { statusCode: number; body: string }): string {
  if (response.statusCode !== 200) return `HTTP ${response.statusCode}`;
  try {
    return plain(String((JSON.parse(response.body) as { text?: string }).text ?? ''));
  } catch {
    return plain(response.body) || '(acknowledged)';
  }
}

/** Slack's escaping undone for the transcript, one line. */
const plain = (text: string) => firstLine(text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
const firstLine = (text: string) => truncate(text.split('\n')[0] ?? '', 150);

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
