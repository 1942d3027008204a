import { verifyChain, type AuditEntry } from '../../core/audit/chain.ts';
import type { Incident } from '../../core/incidents/incident.ts';
import type { MitigationRequest } from '../../core/mitigations/mitigation.ts';
import { renderMessageText } from '../../core/slack/message-text.ts';
import type { LocalRuntime } from '../runtime.ts';
import type { IncidentExpectation, MitigationExpectation, Scenario, SlackExpectation } from './scenario.ts';

// Checking a drill scenario's expectations against what the local runtime holds at the end.

export interface DrillCheck {
  readonly expectation: string;
  readonly passed: boolean;
  readonly detail: string;
}

type Expect = Scenario['expect'];

/** What the drill found at the end, read once from the local runtime's repositories and bus. */
interface EndState {
  readonly incidents: readonly Incident[];
  readonly requests: readonly MitigationRequest[];
  readonly audits: ReadonlyMap<string, AuditEntry[]>;
  readonly progress: ReadonlyMap<string, Record<string, unknown>>;
  readonly emitted: Readonly<Record<string, number>>;
  readonly deadLetterCount: number;
}

/** Checks a scenario's expectations against the end state (and the runtime's deployments, holds, fleet and Slack), in a fixed order. */
export async function checkExpectations(expect: Expect, runtime: LocalRuntime, end: EndState): Promise<DrillCheck[]> {
  const { incidents, requests, audits, progress, emitted } = end;
  const checks: DrillCheck[] = [];
  for (const expected of expect.incidents) checks.push(checkIncident(expected, incidents));
  if (expect.incidentCount !== undefined) checks.push(equal('incident count', expect.incidentCount, incidents.length));
  for (const [status, count] of Object.entries(expect.statusCounts ?? {})) {
    checks.push(equal(`${status} incidents`, count, incidents.filter((i) => i.status === status).length));
  }
  if (expect.deadLetters !== undefined)
    checks.push(equal('events in the dead-letter queue', expect.deadLetters, end.deadLetterCount));
  for (const [detailType, count] of Object.entries(expect.emitted ?? {}))
    checks.push(equal(`"${detailType}" events emitted`, count, emitted[detailType] ?? 0));
  for (const expected of expect.mitigations) checks.push(checkMitigation(expected, requests, audits, progress));
  for (const expected of expect.deployments) checks.push(await checkDeployments(expected, runtime));
  for (const expected of expect.holds) checks.push(await checkHold(expected, runtime));
  for (const expected of expect.ssm) checks.push(checkSsm(expected, runtime));
  for (const [ref, state] of Object.entries(expect.trackers ?? {}))
    checks.push(
      equal(`work item ${ref}`, state, runtime.trackers.github.get(ref) ?? runtime.trackers.jira.get(ref)?.status ?? 'unknown'),
    );
  const messages = runtime.slack
    .messages()
    .map((m) => ({ channel: m.channel, text: renderMessageText(m), raw: JSON.stringify({ text: m.text, blocks: m.blocks }) }));
  for (const expected of expect.slack) checks.push(checkSlack(expected, messages));
  for (const expected of expect.channels) checks.push(checkChannel(expected, runtime));
  if (expect.auditChainsValid) checks.push(checkAuditChains(incidents, audits));
  if (expect.outboxDrained) checks.push(checkOutbox(runtime));
  if (expect.auditVerifies) checks.push(await checkAuditVerifies(runtime));
  return checks;
}

function checkIncident(expected: IncidentExpectation, incidents: readonly Incident[]): DrillCheck {
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
  expected: MitigationExpectation,
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
  expected: SlackExpectation,
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

function checkChannel(expected: Expect['channels'][number], runtime: LocalRuntime): DrillCheck {
  const label = `channel #${expected.name}`;
  const channel = runtime.slack.conversations.channels().find((c) => c.name === expected.name);
  if (!channel) return { expectation: `${label} created`, passed: false, detail: 'no such channel was created' };
  const members = channel.members.filter((m) => m !== runtime.slack.botUserId).sort();
  const wrong = [
    ...(expected.members && JSON.stringify(members) !== JSON.stringify([...expected.members].sort())
      ? [`members ${members.join(', ') || 'none'}`]
      : []),
    ...(expected.archived !== undefined && channel.archived !== expected.archived
      ? [channel.archived ? 'archived' : 'not archived']
      : []),
  ];
  const summary = `${channel.id}, ${members.length} invited${channel.archived ? ', archived' : ''}`;
  return { expectation: label, passed: wrong.length === 0, detail: wrong.length ? wrong.join('; ') : summary };
}

async function checkDeployments(expected: Expect['deployments'][number], runtime: LocalRuntime): Promise<DrillCheck> {
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
  return {
    expectation: `deployments of ${expected.service}`,
    passed: wrong.length === 0,
    detail: wrong.length ? wrong.join('; ') : `${records.length} record(s), latest ${latest?.status}`,
  };
}

async function checkHold(expected: Expect['holds'][number], runtime: LocalRuntime): Promise<DrillCheck> {
  const hold = await runtime.repositories.holds.getHold(expected.service);
  const held = hold?.held ?? false;
  const wrong = [
    ...(held !== expected.held ? [held ? 'is held' : 'is not held'] : []),
    ...(expected.liftedBy && [...(hold?.liftedBy ?? [])].sort().join(',') !== [...expected.liftedBy].sort().join(',')
      ? [`lifted by ${hold?.liftedBy?.join(', ') || 'nobody'}`]
      : []),
  ];
  return {
    expectation: `release hold on ${expected.service} ${expected.held ? 'in place' : 'lifted or absent'}`,
    passed: wrong.length === 0,
    detail: wrong.length
      ? wrong.join('; ')
      : hold
        ? `${hold.held ? 'held' : 'lifted'}${hold.liftedBy?.length ? ` by ${hold.liftedBy.join(', ')}` : ''}`
        : 'no hold',
  };
}

function checkSsm(expected: Expect['ssm'][number], runtime: LocalRuntime): DrillCheck {
  const calls = runtime.fleet.calls
    .filter(
      (c) => (c.api === 'SendCommand' || c.api === 'StartAutomationExecution') && c.input.DocumentName === expected.document,
    )
    .map(
      (c) =>
        c.input as {
          Targets?: Array<{ Key: string; Values: string[] }>;
          Parameters?: Record<string, string[]>;
          MaxConcurrency?: string;
          MaxErrors?: string;
        },
    );
  const cancels = runtime.fleet.calls.filter((c) => c.api === 'Cancel' && c.document === expected.document).length;
  // A runbook acting on one resource has no targets: its parameters (the role aside) name what it acts on.
  const describeCall = (c: (typeof calls)[number]) =>
    c.Targets
      ? c.Targets.map((t) => `${t.Key}=${t.Values.join(',')}`).join(' ')
      : `resource ${Object.entries(c.Parameters ?? {})
          .filter(([name]) => name !== 'AutomationAssumeRole')
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, values]) => `${name}=${values.join(',')}`)
          .join(' ')}`;
  const wrong = [
    ...(expected.count !== undefined && calls.length !== expected.count
      ? [`${calls.length} call(s), expected ${expected.count}`]
      : []),
    ...calls.flatMap((c) => [
      ...(expected.targets !== undefined && describeCall(c) !== expected.targets ? [`targets ${describeCall(c)}`] : []),
      ...(expected.maxConcurrency !== undefined && c.MaxConcurrency !== expected.maxConcurrency
        ? [`MaxConcurrency ${c.MaxConcurrency}`]
        : []),
      ...(expected.maxErrors !== undefined && c.MaxErrors !== expected.maxErrors ? [`MaxErrors ${c.MaxErrors}`] : []),
    ]),
    ...(expected.cancelled !== undefined && cancels !== expected.cancelled
      ? [`${cancels} cancelled, expected ${expected.cancelled}`]
      : []),
  ];
  return {
    expectation: `Systems Manager runs of ${expected.document}`,
    passed: wrong.length === 0,
    detail: wrong.length
      ? wrong.join('; ')
      : `${calls.length} call(s)${calls[0] ? `, targets ${describeCall(calls[0])}${calls[0].MaxConcurrency ? `, rate ${calls[0].MaxConcurrency}/${calls[0].MaxErrors}` : ''}` : ''}${cancels ? `, ${cancels} cancelled` : ''}`,
  };
}

function checkAuditChains(incidents: readonly Incident[], audits: ReadonlyMap<string, AuditEntry[]>): DrillCheck {
  const broken: string[] = [];
  for (const incident of incidents) {
    const verdict = verifyChain(audits.get(incident.id) ?? [], { seq: incident.auditSeq, hash: incident.auditHead });
    if (!verdict.valid) broken.push(`${incident.id} (entry ${verdict.brokenAt}: ${verdict.reason})`);
  }
  return {
    expectation: 'every audit chain verifies',
    passed: broken.length === 0,
    detail: broken.length ? `broken: ${broken.join(', ')}` : `${incidents.length} chains valid`,
  };
}

function equal<T extends number | string>(expectation: string, expected: T, actual: T): DrillCheck {
  return { expectation: `${expectation} = ${expected}`, passed: expected === actual, detail: `found ${actual}` };
}

/** Nothing stranded: every outbox item was published (none waits for a retry) and none was dead-lettered. */
function checkOutbox(runtime: LocalRuntime): DrillCheck {
  const waiting = runtime.stream.pendingRetry;
  const dead = runtime.relayDeadLetters.length;
  return {
    expectation: 'every committed event was published',
    passed: !waiting && dead === 0,
    detail: waiting ? 'events still wait in the outbox' : dead ? `${dead} outbox item(s) dead-lettered` : 'the outbox is drained',
  };
}

/** What an auditor would run: every chain against the notary's signed digests, after its batching window closes. */
async function checkAuditVerifies(runtime: LocalRuntime): Promise<DrillCheck> {
  await runtime.notary.flush();
  const report = await runtime.notary.verify();
  const findings = [...report.digests.findings, ...report.chains.flatMap((chain) => chain.findings)];
  return {
    expectation: 'audit verifies against the signed digests',
    passed: report.clean,
    detail: report.clean
      ? `${report.chains.length} chains, ${report.digests.count} signed digests, nothing tampered`
      : findings
          .slice(0, 5)
          .map((f) => `${f.kind}${f.chainId ? ` ${f.chainId}` : ''}: ${f.detail}`)
          .join('; '),
  };
}
