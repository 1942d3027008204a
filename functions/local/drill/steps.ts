import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FirebreakConfig } from '../../core/config.ts';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_SOURCE } from '../../core/deployments/deployment-sources.ts';
import { ACTIVE_STATUSES } from '../../core/incidents/incident.ts';
import { REVIEW_ACTION_ID } from '../../core/review/review-message.ts';
import { renderMessageText } from '../../core/slack/message-text.ts';
import type { BusName } from '../event-bus.ts';
import type { LocalRuntime } from '../runtime.ts';
import { describeDeploymentDeliveries, describeSchedules, summarize } from './delivery-lines.ts';
import { durationMs, ScenarioError, type InjectStep, type Scenario } from './scenario.ts';
import { firstLine, plain } from './transcript.ts';

// Running a drill scenario's steps through the local runtime, one transcript line each.

export interface DrillLine {
  readonly at: string;
  readonly step: string;
  readonly results: readonly string[];
}

type Step = Scenario['steps'][number];

/**
 * Runs a scenario's steps one at a time through the local runtime, each into a transcript line. It
 * remembers the last injected event (for "redeliver") and which Slack messages it already reported.
 */
export function stepRunner(runtime: LocalRuntime, config: FirebreakConfig, baseDir: string): (step: Step) => Promise<DrillLine> {
  let last: { bus: BusName; event: unknown } | undefined;
  const members = new Map(config.roster.map((m) => [m.slackUserId, `${m.name} (${m.role})`]));
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
  const run = async (step: Step): Promise<DrillLine> => {
    const at = runtime.clock.now().toISOString();
    if ('inject' in step) {
      const event = typeof step.inject === 'string' ? readEvent(resolve(baseDir, step.inject)) : step.inject;
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
      return {
        at,
        step: describeInject(step, event),
        results: [...(step.times > 1 ? summarize(results) : results), ...summarize(slackNews())],
      };
    } else if ('redeliver' in step) {
      if (!last) throw new ScenarioError('a "redeliver" step needs an earlier "inject" step');
      runtime.bus.put(last.bus, last.event);
      return {
        at,
        step: `redeliver event ${idOf(last.event) ?? '(no id)'} (EventBridge delivers at least once)`,
        results: [...describeDeploymentDeliveries(await runtime.bus.drain()), ...slackNews()],
      };
    } else if ('advance' in step) {
      const fired = await runtime.advance(durationMs(step.advance));
      return {
        at,
        step: `advance the clock ${step.advance}${step.note ? ` — ${step.note}` : ''}`,
        results: [...describeSchedules(fired), ...slackNews()],
      };
    } else if ('slack' in step) {
      const text = await fillPlaceholders(step.slack, runtime);
      const response = await runtime.command(step.as, text, step.team ? { teamId: step.team } : {});
      return {
        at,
        step: `${who(step.as)}: /firebreak ${text}${step.note ? ` — ${step.note}` : ''}`,
        results: [`↩ ${replyOf(response)}`, ...slackNews()],
      };
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
      return {
        at,
        step: `deploy-notice ${Object.entries(step.deploy)
          .map(([k, v]) => `--${k} ${String(v)}`)
          .join(' ')}${step.note ? ` — ${step.note}` : ''}`,
        results: [...results, ...slackNews()],
      };
    } else if ('tracker' in step) {
      for (const [ref, state] of Object.entries(step.tracker.github ?? {})) runtime.trackers.addGitHubIssue(ref, state);
      for (const [key, status] of Object.entries(step.tracker.jira ?? {})) runtime.trackers.addJiraIssue(key, status);
      const items = [...Object.entries(step.tracker.github ?? {}), ...Object.entries(step.tracker.jira ?? {})];
      return {
        at,
        step: `the tracker stand-in holds ${items.map(([ref, state]) => `${ref} (${state})`).join(', ')}${step.note ? ` — ${step.note}` : ''}`,
        results: [],
      };
    } else if ('fleet' in step) {
      runtime.fleet.behave(step.fleet);
      return {
        at,
        step: `the SIMULATED fleet will answer with ${step.fleet.instances} instance(s)${step.fleet.fail ? `, ${step.fleet.fail} failing` : ''}${step.fleet.timeOut ? `, ${step.fleet.timeOut} timing out` : ''}${step.fleet.hold ? ', its runs held in progress until cancelled' : ''}${step.note ? ` — ${step.note}` : ''}`,
        results: [],
      };
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
      return {
        at,
        step: `${who(step.as)} clicks [${step.click}]${step.note ? ` — ${step.note}` : ''}`,
        results: [...(response.statusCode === 200 ? replies : [`✗ HTTP ${response.statusCode}`]), ...slackNews()],
      };
    } else if ('review' in step) {
      const results = (await runtime.review.run()).map((d) =>
        d.error
          ? `✗ ${d.rule}: ${d.error.message} → dead-letter queue`
          : `→ ${d.rule}: ${Object.values((d.result ?? {}) as Record<string, unknown>).join(' ')}`,
      );
      return {
        at,
        step: `the configuration review's schedule fires (SIMULATED fleet)${step.note ? ` — ${step.note}` : ''}`,
        results: [...results, ...slackNews()],
      };
    } else if ('publishFault' in step) {
      runtime.bus.failPublishingFor(durationMs(step.publishFault));
      return {
        at,
        step: `EventBridge refuses PutEvents for ${step.publishFault} (injected fault)${step.note ? ` — ${step.note}` : ''}`,
        results: [],
      };
    } else {
      return { at, step: `note: ${step.note}`, results: [] };
    }
  };
  // The outbox at work: publishes refused during a step, and the step in which what waited went out.
  let refused = 0;
  let waiting = false;
  return async (step) => {
    const line = await run(step);
    const failures = runtime.bus.publishFailures - refused;
    refused = runtime.bus.publishFailures;
    if (failures > 0) {
      waiting = true;
      return {
        ...line,
        results: [
          ...line.results,
          `⚠ PutEvents refused ×${failures}: the committed events wait in the table's outbox; the relay retries them`,
        ],
      };
    }
    if (waiting && !runtime.stream.pendingRetry) {
      waiting = false;
      return { ...line, results: [`✓ the relay published the events that waited in the outbox`, ...line.results] };
    }
    return line;
  };
}

function describeInject(step: InjectStep, event: unknown): string {
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

export function idOf(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

async function fillPlaceholders(text: string, runtime: LocalRuntime): Promise<string> {
  const incidents = await runtime.repositories.incidents.listIncidents([...ACTIVE_STATUSES, 'resolved', 'closed'], 1000);
  const latest = incidents[0];
  const requests = (await Promise.all(incidents.map((i) => runtime.repositories.mitigations.listRequests(i.id))))
    .flat()
    .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : -1));
  return (
    text
      .replace(/\{\{incident\}\}/g, () => latest?.id ?? 'INC-NONE')
      // {{incident:<source>}}: the latest incident from that source (e.g. aws.guardduty).
      .replace(
        /\{\{incident:([a-z0-9.-]+)\}\}/g,
        (_, source: string) => incidents.find((i) => i.source === source)?.id ?? 'INC-NONE',
      )
      .replace(
        /\{\{request(?::([a-z0-9-]+))?\}\}/g,
        (_, catalogId?: string) => requests.find((r) => !catalogId || r.catalogId === catalogId)?.id ?? 'MIT-NONE',
      )
  );
}

const BUTTON_ACTIONS = {
  Approve: 'mitigation_approve',
  Reject: 'mitigation_reject',
  Acknowledge: 'incident_ack',
  Resolve: 'incident_resolve',
  'Approve batch': 'patch_batch_approve',
  'Reject batch': 'patch_batch_reject',
  Reviewed: REVIEW_ACTION_ID,
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
