/**
 * (e) An alert storm through ingest and notify on DynamoDB Local. The signals arrive in batches of
 * one per alarm, put on the bus together; the stream is read once per batch (not before each
 * delivery: the relay's events then reach notify a batch later, as a deployed event source mapping's
 * batching would, and the Slack calls counted do not depend on it). The virtual clock moves on by
 * `paceMs` per signal, a batch at a time (so 5 s coalescing windows pass and scheduled refreshes
 * fire), and by 5 s at the end for the last refreshes. Slack calls get wall-clock times here: the
 * stand-in records virtual ones.
 */
import { performance } from 'node:perf_hooks';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { repeatEvents, round, sizeFromEnvironment, type SectionInput } from '../bench-kit.ts';
import { callsPerSecond } from '../slack-calls.ts';

export async function stormSection({ config, report }: SectionInput): Promise<void> {
  const STORM = { signals: sizeFromEnvironment('BENCH_STORM_SIGNALS', 10_000), alarms: 20, paceMs: 10 };
  const database = await startDynamoDbLocal();
  try {
    const storm = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-storm' });
    storm.bus.feedEvery = STORM.alarms;
    const wallClock: Array<{ channel: string; method: string; time: number }> = [];
    const step = async (run: () => Promise<unknown>) => {
      await run();
      const time = performance.now();
      for (const call of storm.slack.calls().slice(wallClock.length))
        wallClock.push({ channel: String(call.args.channel), method: call.method, time });
    };
    const events = repeatEvents(STORM.signals, STORM.alarms, [0]);
    const t0 = performance.now();
    for (let start = 0; start < events.length; start += STORM.alarms) {
      const batch = events.slice(start, start + STORM.alarms);
      await step(async () => {
        for (const event of batch) storm.bus.put('default', event);
        await storm.bus.drain();
        await storm.advance(STORM.paceMs * batch.length);
      });
    }
    await step(() => storm.advance(5_000));
    const seconds = (performance.now() - t0) / 1000;
    if (storm.bus.deadLetters.length) throw new Error(`storm events failed: ${storm.bus.deadLetters[0]!.error?.message}`);
    const calls = storm.slack.calls();
    const figures = {
      ...STORM,
      pacing: `${STORM.alarms} signals put together, the stream read once per ${STORM.alarms} deliveries; virtual clock +${STORM.paceMs} ms per signal, a batch at a time, +5 s at the end; Slack posts not paced (the local runtime's SlackPoster has minPostIntervalMs 0)`,
      incidents: (await storm.repositories.incidents.listIncidents(['open'], 2_000)).length,
      slackCalls: Object.fromEntries(
        [...new Set(calls.map((c) => c.method))].map((method) => [method, calls.filter((c) => c.method === method).length]),
      ),
      maxCallsToOneChannelInOneSecond: {
        wallClock: callsPerSecond(wallClock),
        virtualClock: callsPerSecond(calls.map((c) => ({ channel: String(c.args.channel), method: c.method, time: c.time }))),
      },
      seconds: round(seconds),
      signalsPerSecond: Math.round(STORM.signals / seconds),
      deadLetters: storm.bus.deadLetters.length,
    };
    await storm.stop();
    report.results.storm = figures;
    const perMethod = (byMethod: Record<string, number>) =>
      Object.entries(byMethod)
        .map(([method, n]) => `${method} ${n}`)
        .join(', ');
    const { wallClock: wall, virtualClock: virtual } = figures.maxCallsToOneChannelInOneSecond;
    report.add({
      measure: `storm: ${STORM.signals.toLocaleString('en-US')} repeats of ${STORM.alarms} alarms`,
      value: `${figures.incidents} incidents, ${calls.length} Slack calls (${perMethod(figures.slackCalls)}), at most ${wall.all} calls to one channel in 1 s of wall clock (${perMethod(wall.byMethod)}), ${virtual.all} in 1 s of virtual clock (${perMethod(virtual.byMethod)}), ${figures.seconds} s (${figures.signalsPerSecond} signals/s); ${figures.pacing}`,
    });
  } finally {
    await database.stop();
  }
}
