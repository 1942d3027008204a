/**
 * (e) An alert storm through ingest and a pool of concurrent notify instances on DynamoDB Local.
 * Ingest runs as before: the signals arrive in batches of one per alarm, put on the bus together; the
 * stream is read once per batch (the relay's events then reach notify a batch later, as a deployed
 * event source mapping's batching would), and the virtual clock moves on by `paceMs` per signal, a
 * batch at a time. Notify's events go to `notifyInstances` notify instances running at once, each
 * built by the deployed wiring (its own DynamoDB client and Slack poster, the shared per-channel Slack
 * slots in the same table), on the wall clock: the slots wait in real time and the refreshes fire when
 * due. The storm ends when every incident's message shows its final count. Slack calls are counted by
 * the stand-in on the wall clock; the virtual clock drives ingest alone now, so no Slack figure is read on it.
 */
import { performance } from 'node:perf_hooks';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { startNotifyPool, type NotifyPool } from '../../functions/local/notify-pool.ts';
import { LOCAL_SLACK, startLocalRuntime } from '../../functions/local/runtime.ts';
import { SlackStandIn } from '../../functions/local/slack-stand-in.ts';
import { repeatEvents, round, sizeFromEnvironment, type SectionInput } from '../bench-kit.ts';
import { callsPerSecond, mostCallsInWindow, shortestGap, shortestRewriteInterval } from '../slack-calls.ts';

export async function stormSection({ config, report }: SectionInput): Promise<void> {
  const STORM = { signals: sizeFromEnvironment('BENCH_STORM_SIGNALS', 10_000), alarms: 20, paceMs: 10, notifyInstances: 4 };
  const database = await startDynamoDbLocal();
  // Its own stand-in, on the wall clock (the runtime's records the virtual clock).
  const slack = await SlackStandIn.start({ teamId: config.slack.teamId });
  let pool: NotifyPool | undefined;
  try {
    const tableName = 'bench-storm';
    const storm = await startLocalRuntime({
      config,
      endpoint: database.endpoint,
      tableName,
      notifyTarget: (event) => pool!.deliver(event),
    });
    pool = await startNotifyPool({
      config,
      endpoint: database.endpoint,
      tableName,
      slackApiUrl: slack.url,
      botToken: LOCAL_SLACK.botToken,
      instances: STORM.notifyInstances,
    });
    storm.bus.feedEvery = STORM.alarms;
    const events = repeatEvents(STORM.signals, STORM.alarms, [0]);
    const t0 = performance.now();
    for (let start = 0; start < events.length; start += STORM.alarms) {
      for (const event of events.slice(start, start + STORM.alarms)) storm.bus.put('default', event);
      await storm.bus.drain();
      await storm.advance(STORM.paceMs * STORM.alarms);
    }
    const ingested = (performance.now() - t0) / 1000;
    const incidents = await storm.repositories.incidents.listIncidents(['open'], 2_000);
    // Nothing lost: every incident's Slack message shows the count its item holds, once the pool is quiet.
    const finalCountsShown = async () => {
      for (const incident of incidents) {
        const [current, state] = await Promise.all([
          storm.repositories.incidents.getIncident(incident.id),
          storm.repositories.slackState.getSlackState(incident.id),
        ]);
        const message = slack.messages().find((m) => m.ts === state?.ts);
        if (!current || !message?.blocks.some((block) => JSON.stringify(block).includes(`*Signals*\\n${current.signalCount}`)))
          return false;
      }
      return true;
    };
    const finalShown = await pool.settle(finalCountsShown, 300_000);
    const seconds = (performance.now() - t0) / 1000;
    // A refresh still scheduled would find its message up to date (no signal arrives any more): not waited for.
    const refreshesNotWaitedFor = pool.close();
    const deadLetters = storm.bus.deadLetters.length + pool.deadLetters.length;
    const failure = storm.bus.deadLetters[0]?.error ?? pool.deadLetters[0]?.error;
    if (failure) throw new Error(`storm events failed (${deadLetters}): ${failure.message}`);
    const calls = slack.calls();
    const byChannel = calls.map((c) => ({ channel: String(c.args.channel), method: c.method, time: c.time }));
    const wall = callsPerSecond(byChannel);
    const figures = {
      ...STORM,
      pacing: `${STORM.alarms} signals put together, the stream read once per ${STORM.alarms} deliveries, ingest's virtual clock +${STORM.paceMs} ms per signal; notify on ${STORM.notifyInstances} concurrent instances (deployed wiring, shared Slack slots 1.25 s apart per channel, a call within 150 ms of its slot) on the wall clock`,
      incidents: incidents.length,
      signalsCounted: (await Promise.all(incidents.map((i) => storm.repositories.incidents.getIncident(i.id)))).reduce(
        (sum, i) => sum + (i?.signalCount ?? 0),
        0,
      ),
      slackCalls: Object.fromEntries(
        [...new Set(calls.map((c) => c.method))].map((method) => [method, calls.filter((c) => c.method === method).length]),
      ),
      rateLimited: calls.filter((c) => c.status === 429).length,
      maxCallsToOneChannelInOneSecond: wall,
      shortestGapBetweenCallsToOneChannelMs: shortestGap(byChannel),
      // The sustained rate: a call a little late for its slot and the next one on time fall in one second.
      maxCallsToOneChannelInTenSeconds: mostCallsInWindow(byChannel, 10_000),
      shortestIntervalBetweenWritesOfOneMessageMs: shortestRewriteInterval(slack.messages(), calls),
      finalCountsShown: finalShown,
      deliveries: pool.delivered,
      refreshesFired: pool.refreshesFired,
      refreshesNotWaitedFor,
      deadLetters,
      ingestSeconds: round(ingested),
      seconds: round(seconds),
      signalsPerSecond: Math.round(STORM.signals / ingested),
    };
    await storm.stop();
    report.results.storm = figures;
    const perMethod = (byMethod: Record<string, number>) =>
      Object.entries(byMethod)
        .map(([method, n]) => `${method} ${n}`)
        .join(', ');
    report.add({
      measure: `storm: ${STORM.signals.toLocaleString('en-US')} repeats of ${STORM.alarms} alarms, ${STORM.notifyInstances} notify instances`,
      value: `${figures.incidents} incidents (${figures.signalsCounted} signals counted), ${calls.length} Slack calls (${perMethod(figures.slackCalls)}), at most ${wall.all} calls to one channel in 1 s of wall clock (${perMethod(wall.byMethod)}; two calls at least ${figures.shortestGapBetweenCallsToOneChannelMs} ms apart, at most ${figures.maxCallsToOneChannelInTenSeconds} in 10 s), one message written at most every ${round(figures.shortestIntervalBetweenWritesOfOneMessageMs / 1000)} s, final counts shown: ${finalShown ? 'yes' : 'NO'}, ${deadLetters} dead letters; ingest ${figures.ingestSeconds} s (${figures.signalsPerSecond} signals/s), ${figures.seconds} s until the last count was shown; ${figures.pacing}`,
    });
  } finally {
    pool?.close();
    await slack.close();
    await database.stop();
  }
}
