/**
 * Deploy freeze and task tracker on the local runtime: the real handlers on DynamoDB Local, the
 * table's stream through the relay, the Slack stand-in and the GitHub/Jira stand-in.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { parseConfig } from '../../functions/core/config.ts';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_SOURCE } from '../../functions/core/deployments/deployment-sources.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig } from '../support.ts';

const CTO = 'U0CTO000001';
const SENIOR_1 = 'U0SENIOR001';
const SENIOR_2 = 'U0SENIOR002';
const RESPONDER = 'U0RESPOND01';
const DEPLOYS = 'C0DEPLOYS01';

const base = exampleConfig();
const config = parseConfig({
  ...JSON.parse(JSON.stringify(base)),
  tracker: {
    github: { tokenSecret: 'firebreak/github', defaultRepository: 'acme/payments', apiUrl: 'http://127.0.0.1:1' },
    jira: { baseUrl: 'http://127.0.0.1:1', tokenSecret: 'firebreak/jira', projects: ['PAY'] },
  },
});
let runtime: LocalRuntime;
let tables = 0;

beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `freeze-${process.pid}-${++tables}`,
  });
});
afterEach(async () => runtime?.stop());

async function deploy(detail: Record<string, unknown>, id = randomUUID()) {
  const event = {
    version: '0',
    id,
    'detail-type': DEPLOYMENT_DETAIL_TYPES.custom,
    source: DEPLOYMENT_SOURCE,
    account: '123456789012',
    time: runtime.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail,
  };
  runtime.bus.put('firebreak', event);
  await runtime.bus.drain();
  return event;
}

async function command(userId: string, text: string): Promise<string> {
  const response = await runtime.command(userId, text);
  expect(response.statusCode).toBe(200);
  return response.body ? ((JSON.parse(response.body) as { text?: string }).text ?? '') : '';
}

const deploymentsText = () => runtime.slack.messages(DEPLOYS).map((m) => m.text);
const activeFreezes = () => runtime.repositories.freezes.activeFreezes();

/** A failed production deployment opens a SEV2 release incident: the freeze's trigger in these tests. */
async function openSev2(service = 'checkout'): Promise<string> {
  await deploy({ service, version: 'v1', environment: 'production', status: 'failed', runId: `fail-${service}` });
  const incident = (await runtime.repositories.incidents.listIncidents(['open'])).find(
    (i) => i.subject === `${service}/production`,
  );
  expect(incident?.severity).toBe('SEV2');
  return incident!.id;
}

describe('deploy freeze', () => {
  it('starts with a SEV2, gates releases, takes the CTO approval (refusals audited), and lifts when the incident resolves', async () => {
    const incidentId = await openSev2();
    expect(runtime.bus.emitted.filter((e) => e['detail-type'] === 'Deploy Freeze Started')).toHaveLength(1);
    expect(deploymentsText().filter((t) => t.includes('Deploy freeze on'))).toHaveLength(1);
    expect(deploymentsText().find((t) => t.includes('Deploy freeze on'))).toContain(incidentId);
    const [freeze] = await activeFreezes();
    expect(freeze).toMatchObject({ scope: 'global', frozen: true, incidents: [{ incidentId, severity: 'SEV2' }] });

    // Any service is frozen, not only the failed one; the status names the incident.
    expect(await command(RESPONDER, 'release status payments')).toContain(incidentId);
    // Refusals: a responder, a senior while the CTO is available.
    expect(await command(RESPONDER, 'release approve payments --during-freeze')).toContain('Only the CTO');
    expect(await command(SENIOR_1, 'release approve payments --during-freeze')).toContain('is available');
    expect(await command(CTO, 'release approve payments --during-freeze')).toContain('approved by the CTO');
    expect(await command(CTO, 'release approve payments --during-freeze')).toContain('already approved');
    expect(await command(RESPONDER, 'release status payments')).toContain('approved for release during the deploy freeze');
    expect(deploymentsText().some((t) => t.includes('approved during the deploy freeze'))).toBe(true);

    const audit = await runtime.repositories.freezes.getAudit('global');
    expect(audit.map((e) => e.action)).toEqual([
      'freeze.started',
      'freeze.approve_refused',
      'freeze.approve_refused',
      'freeze.release_approved',
      'freeze.approve_refused',
    ]);
    expect(audit[1]).toMatchObject({ actor: `slack:${RESPONDER}`, data: { refusal: 'wrong_role', service: 'payments' } });
    expect(audit[2]!.data).toMatchObject({ refusal: 'cto_available' });
    expect(verifyChain(audit).valid).toBe(true);

    // A later success of the failed service resolves its release incident: the freeze lifts.
    await deploy({ service: 'checkout', version: 'v2', environment: 'production', status: 'succeeded', runId: 'fix' });
    expect((await runtime.repositories.incidents.getIncident(incidentId))?.status).toBe('resolved');
    expect(await activeFreezes()).toEqual([]);
    expect(deploymentsText().filter((t) => t.includes('Deploy freeze lifted'))).toHaveLength(1);
    expect(await command(RESPONDER, 'release approve payments --during-freeze')).toContain('no deploy freeze');
    expect((await runtime.repositories.freezes.getAudit('global')).at(-1)?.action).toBe('freeze.lifted');
  });

  it('needs the senior quorum while the CTO is away, one person counting once; a second incident keeps it on', async () => {
    const first = await openSev2('checkout');
    const second = await openSev2('search');
    const [freeze] = await activeFreezes();
    expect(freeze!.incidents.map((i) => i.incidentId).sort()).toEqual([first, second].sort());
    expect(deploymentsText().filter((t) => t.includes('Deploy freeze on'))).toHaveLength(1);

    await command(CTO, 'away 2h');
    expect(await command(SENIOR_1, 'release approve payments --during-freeze')).toContain('1 of 2');
    expect(await command(SENIOR_1, 'release approve payments --during-freeze')).toContain('already approved');
    expect(await command(SENIOR_2, 'release approve payments --during-freeze')).toContain('approved by senior engineers');

    // The first incident resolving leaves the freeze on for the second.
    await deploy({ service: 'checkout', version: 'v2', environment: 'production', status: 'succeeded', runId: 'fix-1' });
    expect((await activeFreezes())[0]?.incidents.map((i) => i.incidentId)).toEqual([second]);
    expect(deploymentsText().filter((t) => t.includes('Deploy freeze lifted'))).toHaveLength(0);
  });

  it('ignores incidents below the threshold, and redelivered announcements change nothing', async () => {
    await deploy({ service: 'api', version: 'v1', environment: 'staging', status: 'failed' });
    const [staging] = await runtime.repositories.incidents.listIncidents(['open']);
    expect(staging?.severity).toBe('SEV4');
    expect(await activeFreezes()).toEqual([]);

    const incidentId = await openSev2();
    const opened = runtime.bus.emitted.find(
      (e) => e['detail-type'] === 'Incident Opened' && (e.detail as { incidentId?: string }).incidentId === incidentId,
    )!;
    const before = (await runtime.repositories.freezes.getFreeze('global'))!.revision;
    runtime.bus.put('firebreak', { ...opened, id: randomUUID() });
    await runtime.bus.drain();
    expect((await runtime.repositories.freezes.getFreeze('global'))!.revision).toBe(before);
    expect(deploymentsText().filter((t) => t.includes('Deploy freeze on'))).toHaveLength(1);
  });
});

describe('task tracker', () => {
  it('closes GitHub and Jira work items of a successful production deployment and reports each in its thread, once', async () => {
    runtime.trackers.addGitHubIssue('acme/payments#12');
    runtime.trackers.addGitHubIssue('acme/web#7', 'closed');
    runtime.trackers.addJiraIssue('PAY-123', 'In Progress');
    const event = await deploy({
      service: 'payments',
      version: 'v3',
      environment: 'production',
      status: 'succeeded',
      commit: 'Fixes #12 and PAY-123; see SHA-256 and UTF-8',
      issues: ['acme/web#7', 'acme/payments#99'],
    });
    expect(runtime.trackers.github.get('acme/payments#12')).toBe('closed');
    expect(runtime.trackers.jira.get('PAY-123')?.status).toBe('Done');
    expect(runtime.trackers.unexpected).toEqual([]);
    const notice = runtime.slack.messages(DEPLOYS).find((m) => m.text.includes('payments'))!;
    const thread = runtime.slack.thread(DEPLOYS, notice.ts).map((m) => m.text);
    expect(thread.find((t) => t.includes('acme/payments#12'))).toContain('Closed GitHub issue');
    expect(thread.find((t) => t.includes('PAY-123'))).toContain('Closed Jira issue');
    expect(thread.find((t) => t.includes('acme/web#7'))).toContain('already closed');
    expect(thread.find((t) => t.includes('acme/payments#99'))).toContain('Could not close');
    expect(thread.filter((t) => /SHA-256|UTF-8/.test(t))).toEqual([]);
    const record = (await runtime.repositories.deployments.listDeployments('payments'))[0]!;
    expect(record.status).toBe('succeeded');

    // Redelivered: the deployment changes nothing, and the tracker event again closes nothing and says nothing new.
    const calls = runtime.trackers.calls.length;
    const messages = runtime.slack.messages().length;
    runtime.bus.put('firebreak', event);
    const delivered = runtime.bus.emitted.find((e) => e['detail-type'] === 'Work Items Delivered')!;
    runtime.bus.put('firebreak', { ...delivered, id: randomUUID() });
    await runtime.bus.drain();
    expect(runtime.trackers.calls.length).toBe(calls);
    expect(runtime.slack.messages().length).toBe(messages);
  });

  it('reports a tracker outage in the thread and never fails the deployment', async () => {
    runtime.trackers.addGitHubIssue('acme/payments#5');
    runtime.trackers.failNext(10, 503);
    await deploy({ service: 'payments', version: 'v4', environment: 'production', status: 'succeeded', issues: ['#5'] });
    const notice = runtime.slack.messages(DEPLOYS).find((m) => m.text.includes('payments'))!;
    const thread = runtime.slack.thread(DEPLOYS, notice.ts).map((m) => m.text);
    expect(thread.join('\n')).toContain('HTTP 503');
    expect(runtime.trackers.github.get('acme/payments#5')).toBe('open');
    expect((await runtime.repositories.deployments.listDeployments('payments'))[0]?.status).toBe('succeeded');
    expect(runtime.bus.deadLetters).toEqual([]);
  });

  it('closes nothing for staging, failures, or a deployment without work items', async () => {
    runtime.trackers.addGitHubIssue('acme/payments#1');
    await deploy({ service: 'payments', version: 'v5', environment: 'staging', status: 'succeeded', issues: ['#1'] });
    await deploy({ service: 'payments', version: 'v6', environment: 'production', status: 'failed', issues: ['#1'] });
    await deploy({ service: 'payments', version: 'v7', environment: 'production', status: 'succeeded', commit: 'no refs' });
    expect(runtime.trackers.calls).toEqual([]);
    expect(runtime.bus.emitted.filter((e) => e['detail-type'] === 'Work Items Delivered')).toEqual([]);
  });
});
