import { ACTIVE_STATUSES, type Incident, type IncidentStatus } from '../../core/incidents/incident.ts';
import type { AuditEntry } from '../../core/audit/chain.ts';
import type { FirebreakConfig } from '../../core/config.ts';
import type { MitigationRequest } from '../../core/mitigations/mitigation.ts';
import { renderMessageText } from '../../core/slack/message-text.ts';
import { startLocalRuntime, type LocalRuntime } from '../runtime.ts';
import { checkExpectations, type DrillCheck } from './expectations.ts';
import type { Scenario } from './scenario.ts';
import { idOf, stepRunner, type DrillLine } from './steps.ts';

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
  /** Files shared in Slack (postmortem drafts), with their content. */
  readonly files: ReadonlyArray<{
    readonly channel: string;
    readonly threadTs?: string;
    readonly filename: string;
    readonly title: string;
    readonly content: string;
  }>;
  /** What the stack would have kept in S3 (the postmortem copies), by key. */
  readonly archived: readonly string[];
  /** Each incident's audit trail, for the report's timelines. */
  readonly audits: Readonly<Record<string, readonly AuditEntry[]>>;
  readonly emitted: Readonly<Record<string, number>>;
  readonly deadLetters: ReadonlyArray<{ readonly eventId: string | undefined; readonly error: string }>;
  readonly checks: readonly DrillCheck[];
}

export interface DrillOptions {
  readonly config: FirebreakConfig;
  readonly baseDir: string;
  /** Share a running DynamoDB Local (tests); otherwise the drill starts its own. */
  readonly endpoint?: string;
  readonly dbPath?: string;
  readonly tableName?: string;
  /** Where the notary keeps its key and digests (next to the database, for `audit verify --local`). */
  readonly notaryDir?: string;
}

/** Runs a scenario through the real handlers on the local runtime and checks its expectations. */
export async function runDrill(scenario: Scenario, options: DrillOptions): Promise<DrillOutcome> {
  const config = scenario.incidentChannels ? { ...options.config, incidentChannels: scenario.incidentChannels } : options.config;
  const runtime = await startLocalRuntime({
    config,
    start: scenario.start,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.dbPath ? { dbPath: options.dbPath } : {}),
    ...(options.tableName ? { tableName: options.tableName } : {}),
    ...(options.notaryDir ? { notaryDir: options.notaryDir } : {}),
  });
  try {
    const transcript: DrillLine[] = [];
    const runStep = stepRunner(runtime, config, options.baseDir);
    for (const step of scenario.steps) transcript.push(await runStep(step));
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
  const requests = (await Promise.all(incidents.map((i) => runtime.repositories.mitigations.listRequests(i.id)))).flat();
  const audits = new Map<string, AuditEntry[]>();
  for (const incident of incidents) audits.set(incident.id, await runtime.repositories.incidents.getAudit(incident.id));
  const progress = new Map<string, Record<string, unknown>>();
  for (const r of requests) {
    const p = await runtime.repositories.mitigations.getProgress(r.incidentId, r.id);
    if (p) progress.set(r.id, p);
  }
  const checks = await checkExpectations(scenario.expect, runtime, {
    incidents,
    requests,
    audits,
    progress,
    emitted,
    deadLetterCount: deadLetters.length,
  });
  const slack = runtime.slack.messages().map((m) => ({
    channel: m.channel,
    ts: m.ts,
    ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
    text: renderMessageText(m),
  }));
  const files = runtime.slack.files().map((f) => ({
    channel: f.channel,
    ...(f.thread_ts ? { threadTs: f.thread_ts } : {}),
    filename: f.filename,
    title: f.title,
    content: f.content,
  }));
  return {
    scenario: scenario.name,
    passed: checks.every((c) => c.passed),
    transcript,
    incidents,
    mitigations: requests,
    slack,
    files,
    archived: [...runtime.archive.objects.keys()],
    audits: Object.fromEntries(audits),
    emitted,
    deadLetters,
    checks,
  };
}
