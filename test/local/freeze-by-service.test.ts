/**
 * The deploy freeze scoped by service on the local runtime: the real handlers on DynamoDB Local,
 * the table's stream through the relay, and the Slack stand-in.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { parseConfig } from '../../functions/core/config.ts';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_SOURCE } from '../../functions/core/deployments/deployment-sources.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig } from '../support.ts';

const CTO = 'U0CTO000001';
const RESPONDER = 'U0RESPOND01';
const DEPLOYS = 'C0DEPLOYS01';

const config = parseConfig({
  ...JSON.parse(JSON.stringify(exampleConfig())),
  deployFreeze: {
    scope: 'service',
    services: [{ name: 'payments', resources: ['^https://pay\\.example\\.com/'] }],
  },
});
let runtime: LocalRuntime;
let tables = 0;

beforeEach(async () => {
  runtime = await startLocalRuntime({
    config,
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `freeze-service-${process.pid}-${++tables}`,
  });
});
afterEach(async () => runtime?.stop());

const time = () =>
  runtime.clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
const envelope = { version: '0', account: '123456789012', region: 'us-east-1', resources: [] };

async function put(event: Record<string, unknown>) {
  runtime.bus.put('firebreak', { ...envelope, id: randomUUID(), time: time(), ...event });
  await runtime.bus.drain();
}

const deploy = (detail: Record<string, unknown>) =>
  put({ 'detail-type': DEPLOYMENT_DETAIL_TYPES.custom, source: DEPLOYMENT_SOURCE, detail });

/** A custom monitor's high-severity alert: a SEV2 incident about `subject`. */
const alert = (subject: string) =>
  put({
    'detail-type': 'Monitor Alert',
    source: 'firebreak.monitor.uptime',
    detail: { title: `${subject} answers 502`, severity: 'high', subject },
  });

async function command(userId: string, text: string): Promise<string> {
  const response = await runtime.command(userId, text);
  expect(response.statusCode).toBe(200);
  return response.body ? ((JSON.parse(response.body) as { text?: string }).text ?? '') : '';
}

const scopes = async () => (await runtime.repositories.freezes.activeFreezes()).map((f) => f.scope).sort();
const deploymentsText = () => runtime.slack.messages(DEPLOYS).map((m) => m.text);

describe('deploy freeze scoped by service', () => {
  it("freezes a failed service's releases only, takes the CTO's approval for it, and lifts with its recovery", async () => {
    await deploy({ service: 'checkout', version: 'v1', environment: 'production', status: 'failed', runId: 'fail' });
    const [incident] = await runtime.repositories.incidents.listIncidents(['open']);
    expect(await scopes()).toEqual(['service:checkout']);
    expect(deploymentsText().find((t) => t.includes('Deploy freeze on'))).toContain('(service checkout)');

    expect(await command(RESPONDER, 'release status checkout')).toContain(incident!.id);
    expect(await command(RESPONDER, 'release status search')).not.toContain('freeze');
    expect(await command(CTO, 'release approve search --during-freeze')).toContain('no deploy freeze');
    expect(await command(CTO, 'release approve checkout --during-freeze')).toContain('approved by the CTO');
    const audit = await runtime.repositories.freezes.getAudit('service:checkout');
    expect(audit.map((e) => e.action)).toEqual(['freeze.started', 'freeze.release_approved']);
    expect(verifyChain(audit).valid).toBe(true);

    await deploy({ service: 'checkout', version: 'v2', environment: 'production', status: 'succeeded', runId: 'fix' });
    expect(await scopes()).toEqual([]);
    expect(deploymentsText().find((t) => t.includes('Deploy freeze lifted'))).toContain('(service checkout)');

    // Redelivered (a retry, or the relay publishing again after a crash): each announcement stays one post.
    const posts = runtime.slack.messages(DEPLOYS).length;
    for (const type of ['Deploy Freeze Started', 'Freeze Release Approved', 'Deploy Freeze Lifted'])
      runtime.bus.put('firebreak', { ...runtime.bus.emitted.find((e) => e['detail-type'] === type)!, id: randomUUID() });
    await runtime.bus.drain();
    expect(runtime.slack.messages(DEPLOYS).length).toBe(posts);
  });

  it('freezes the service whose resources an incident names, and every service for an incident it cannot place', async () => {
    await alert('https://pay.example.com/health');
    expect(await scopes()).toEqual(['service:payments']);
    expect(await command(RESPONDER, 'release status search')).not.toContain('freeze');
    expect(await command(RESPONDER, 'release status payments')).toContain('Deploy freeze (service payments)');

    await alert('https://unknown.example.com/health');
    expect(await scopes()).toEqual(['global', 'service:payments']);
    expect(await command(RESPONDER, 'release status search')).toContain('Deploy freeze (all services)');
  });
});
