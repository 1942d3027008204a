import { it, inject } from 'vitest';
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig } from '../support.ts';

const monitor = (i: number, subject: string, state = 'firing') => ({ version: '0', id: `storm-${subject}-${i}-${state}`, 'detail-type': 'Monitor Alert', source: 'firebreak.monitor.datadog', account: '123456789012', time: '2026-11-23T09:00:00Z', region: 'us-east-1', resources: [], detail: { title: `Checkout latency high on ${subject}`, subject, severity: 'high', state } });
const counts = (runtime: any) => runtime.slack.calls().map((c: any) => c.method + ':' + c.status).reduce((a: Record<string, number>, m: string) => ({ ...a, [m]: (a[m] ?? 0) + 1 }), {});
const show = (runtime: any) => runtime.slack.messages().map((m: any) => m.text.slice(40) + ' upd=' + m.updates + ' count=' + JSON.stringify(m.blocks).match(/Signals\*\\n(\d+)/)?.[1]);

it('explore storm', async () => {
  const runtime = await startLocalRuntime({ config: exampleConfig(), start: '2026-11-23T09:00:00Z', endpoint: inject('dynamoEndpoint'), tableName: 'scratch-' + Date.now() });
  try {
    const t0 = Date.now();
    for (let i = 0; i < 500; i++) { runtime.bus.put('firebreak', monitor(i, `svc-${i % 5}`)); await runtime.bus.drain(); }
    console.log('drain ms', Date.now() - t0, runtime.bus.deadLetters.length);
    console.log(counts(runtime));
    console.log(runtime.scheduler.pending().map(j => j.name + ' ' + j.at));
    console.log(show(runtime));
    await runtime.advance(5000);
    console.log(counts(runtime));
    console.log(show(runtime));
    for (let i = 500; i < 510; i++) { runtime.bus.put('firebreak', monitor(i, `svc-${i % 5}`)); await runtime.bus.drain(); }
    console.log(counts(runtime));
    console.log(runtime.scheduler.pending().map(j => j.name + ' ' + j.at));
    await runtime.advance(60_000);
    console.log(counts(runtime));
    console.log(show(runtime));
  } finally {
    await runtime.stop();
  }
});
