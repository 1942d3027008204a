import { it, inject } from 'vitest';
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig } from '../support.ts';

const monitor = (i: number, subject: string, state = 'firing') => ({ version: '0', id: `storm-${subject}-${i}-${state}`, 'detail-type': 'Monitor Alert', source: 'firebreak.monitor.datadog', account: '123456789012', time: '2026-11-23T09:00:00Z', region: 'us-east-1', resources: [], detail: { title: `Checkout latency high on ${subject}`, subject, severity: 'high', state } });

it('explore storm', async () => {
  const runtime = await startLocalRuntime({ config: exampleConfig(), start: '2026-11-23T09:00:00Z', endpoint: inject('dynamoEndpoint'), tableName: 'scratch-' + Date.now() });
  try {
    const t0 = Date.now();
    for (let i = 0; i < 500; i++) runtime.bus.put('firebreak', monitor(i, `svc-${i % 5}`));
    await runtime.bus.drain();
    console.log('drain ms', Date.now() - t0, runtime.bus.deadLetters.length);
    console.log(runtime.slack.calls().map(c => c.method).reduce((a: Record<string, number>, m) => ({ ...a, [m]: (a[m] ?? 0) + 1 }), {}));
    console.log(runtime.scheduler.pending().map(j => j.name + ' ' + j.at));
    await runtime.advance(5000);
    console.log(runtime.slack.calls().map(c => c.method).reduce((a: Record<string, number>, m) => ({ ...a, [m]: (a[m] ?? 0) + 1 }), {}));
    console.log(runtime.slack.messages().map(m => m.text + ' ' + m.updates + ' ' + JSON.stringify(m.blocks).match(/Signals\*\\n(\d+)/)?.[1]));
    for (let i = 500; i < 510; i++) runtime.bus.put('firebreak', monitor(i, `svc-${i % 5}`));
    await runtime.bus.drain();
    console.log(runtime.scheduler.pending().map(j => j.name + ' ' + j.at));
    await runtime.advance(60_000);
    console.log(runtime.slack.messages().map(m => m.text + ' ' + m.updates + ' ' + JSON.stringify(m.blocks).match(/Signals\*\\n(\d+)/)?.[1]));
  } finally {
    await runtime.stop();
  }
});
