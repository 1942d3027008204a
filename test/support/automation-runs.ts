import { readFileSync } from 'node:fs';
import { parseConfig } from '../../functions/core/config.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';

// What the Automation progress tests share (test/handlers/automation-progress.test.ts, test/local/fleet-automation.test.ts).

/** The example catalog plus a runbook run across the fleet by tag, two at a time, one error allowed. */
export const automationConfig = (() => {
  const raw = JSON.parse(readFileSync(new URL('../../firebreak.config.json', import.meta.url), 'utf8'));
  raw.mitigations.push({
    id: 'isolate-fleet',
    title: 'Isolate the production fleet',
    kind: 'automation',
    document: 'Firebreak-IsolateInstance',
    parameters: {},
    targets: { type: 'tags', key: 'firebreak:fleet', values: ['production'] },
    rateControl: { maxConcurrency: '2', maxErrors: '1' },
    timeoutMinutes: 30,
    risk: 'high',
    rollback: 'release-instance',
  });
  return parseConfig(raw, 'test config');
})();

/** A 17-character instance id, i-0000000000000000n. */
export const instance = (n: number) => `i-0${String(n).padStart(16, '0')}`;

/** A request's counters, every bucket (an untouched one is absent from the item: 0), and its failed instances. */
export async function counts(rt: LocalRuntime, incidentId: string, requestId: string) {
  const item = (await rt.repositories.mitigations.getProgress(incidentId, requestId)) ?? {};
  const n = (bucket: string) => (typeof item[bucket] === 'number' ? (item[bucket] as number) : 0);
  return {
    in_progress: n('in_progress'),
    succeeded: n('succeeded'),
    failed: n('failed'),
    timed_out: n('timed_out'),
    cancelled: n('cancelled'),
    failedInstances: item.failedInstances ?? new Set(),
  };
}

/** The texts of the messages in an incident's thread. */
export function threadTexts(rt: LocalRuntime, incidentId: string): string[] {
  // The incident's own message, not a #deployments notice naming it (the deploy freeze's).
  const deployments = rt.config.slack.channels.deployments;
  const top = rt.slack.latest((m) => !m.thread_ts && m.channel !== deployments && m.text.includes(incidentId))!;
  return rt.slack.thread(top.channel, top.ts).map((m) => m.text);
}
