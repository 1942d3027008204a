/**
 * (f) A 10,000-instance Systems Manager run: the simulated fleet answers every instance (InProgress,
 * then its outcome) and the command's own status; track counts each once. The virtual clock does not
 * move during the run, so progress posts are the first and the final one (deployed: one per interval).
 * The stream is read once per 50 deliveries (and whenever the bus runs dry), as an event source
 * mapping reads it in batches: track's counts do not depend on when the relay publishes.
 */
import { performance } from 'node:perf_hooks';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { FIXTURES, round, sizeFromEnvironment, type SectionInput } from '../bench-kit.ts';
import { meterDynamo } from '../dynamo-meter.ts';

const STREAM_READ_EVERY = 50;

export async function fleetSection({ config, report }: SectionInput): Promise<void> {
  const database = await startDynamoDbLocal();
  try {
    const FLEET = { instances: sizeFromEnvironment('BENCH_FLEET_INSTANCES', 10_000), fail: 10, timeOut: 5 };
    const runtime = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-fleet' });
    runtime.bus.put('default', FIXTURES[1]!);
    await runtime.bus.drain();
    const [incident] = await runtime.repositories.incidents.listIncidents(['open', 'acknowledged', 'mitigating'], 1);
    await runtime.command('U0RESPOND01', `mitigate ${incident!.id} patch-critical`);
    const request = (await runtime.repositories.mitigations.listRequests(incident!.id)).find(
      (r) => r.catalogId === 'patch-critical',
    )!;
    runtime.fleet.behave(FLEET);
    runtime.bus.feedEvery = STREAM_READ_EVERY;
    const meter = meterDynamo(runtime.client);
    const slackBefore = runtime.slack.calls().length;
    const tracked = () => runtime.bus.deliveries.filter((d) => d.rule === 'Track').length;
    const trackedBefore = tracked();
    const t0 = performance.now();
    await runtime.command('U0CTO000001', `approve ${request.id}`);
    const seconds = (performance.now() - t0) / 1000;
    const statusEvents = tracked() - trackedBefore;
    const progress = await runtime.repositories.mitigations.getProgress(incident!.id, request.id);
    const final = await runtime.repositories.mitigations.getRequest(incident!.id, request.id);
    const slackCalls = runtime.slack.calls().slice(slackBefore);
    const figures = {
      ...FLEET,
      streamReadEveryDeliveries: STREAM_READ_EVERY,
      statusEvents,
      seconds: round(seconds),
      statusEventsPerSecond: Math.round(statusEvents / seconds),
      dynamoRequestsPerStatusEvent: round(meter.requests / statusEvents),
      writeUnitsPerStatusEvent: round(meter.writeUnits / statusEvents),
      slackCalls: slackCalls.length,
      outcome: final?.state,
      counts: { succeeded: progress?.succeeded, failed: progress?.failed, timed_out: progress?.timed_out },
      deadLetters: runtime.bus.deadLetters.length,
    };
    await runtime.stop();
    report.results.fleet = figures;
    report.add({
      measure: `fleet: ${FLEET.instances.toLocaleString('en-US')}-instance run`,
      value: `${statusEvents} status events in ${figures.seconds} s (${figures.statusEventsPerSecond}/s), ${figures.dynamoRequestsPerStatusEvent} DynamoDB requests and ${figures.writeUnitsPerStatusEvent} WCU per status event, ${figures.slackCalls} Slack calls; ${figures.outcome}: ${figures.counts.succeeded} succeeded, ${figures.counts.failed} failed, ${figures.counts.timed_out} timed out (stream read once per ${STREAM_READ_EVERY} deliveries)`,
    });
  } finally {
    await database.stop();
  }
}
