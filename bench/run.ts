/**
 * `npm run bench`: Firebreak's performance figures, measured on this machine and printed as a table
 * and as JSON. Nothing here asserts a threshold; the figures go into the issue notes and the README.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { createClassifier } from '../functions/core/signals/classify.ts';
import { normalizeEvent } from '../functions/core/signals/normalize-signals.ts';
import type { EventEnvelope } from '../functions/core/signals/signal.ts';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { loadConfig } from '../lib/config.ts';
import { meterDynamo } from './dynamo-meter.ts';
import { coldSlackPath, SLACK_MIX, slackRequest, slackTargets, warmSlackPath } from './slack-path.ts';
import { watchAccuracy } from './watch-accuracy.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const { startLocalRuntime } = await import('../functions/local/runtime.ts');

const config = loadConfig();
const FIXTURES = [
  'cloudwatch-alarm-state-change-alarm.json',
  'guardduty-finding-ec2-high-wrapped.json',
  'securityhub-findings-imported-afsbp-critical-wrapped.json',
  'inspector2-finding-ec2-package-vulnerability-active.json',
  'health-ec2-issue.json',
  'ec2-instance-state-change-terminated.json',
].map((name) => JSON.parse(readFileSync(new URL(`../test/fixtures/events/${name}`, import.meta.url), 'utf8')) as EventEnvelope);

type Row = { measure: string; value: string };
const rows: Row[] = [];
const results: Record<string, unknown> = {};

// (a) Classification throughput of the pure core, one core: normalize + classify + fingerprint.
{
  const classify = createClassifier(config);
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const { signals } = normalizeEvent(FIXTURES[i % FIXTURES.length]);
      for (const signal of signals) classify(signal);
    }
  };
  run(5_000); // warm-up
  const n = 50_000;
  const t0 = performance.now();
  run(n);
  const perSecond = Math.round(n / ((performance.now() - t0) / 1000));
  results.classification = { events: n, eventsPerSecond: perSecond };
  rows.push({ measure: 'core: normalize + classify (1 core)', value: `${perSecond.toLocaleString('en-US')} events/s` });
}

// (b) Ingest through the real handler on DynamoDB Local, with every DynamoDB request counted.
{
  const database = await startDynamoDbLocal();
  try {
    for (const [label, events] of [
      ['1,000 distinct events', distinctEvents(1_000)],
      ['1,000 repeats of 10 fingerprints', repeatEvents(1_000, 10)],
    ] as const) {
      // Ingest alone: notify (Slack, mitigation requests) is measured by the storm below.
      const runtime = await startLocalRuntime({
        config,
        endpoint: database.endpoint,
        tableName: `bench-${results.ingest ? 2 : 1}`,
        notify: false,
      });
      const meter = meterDynamo(runtime.client);
      const t0 = performance.now();
      for (const event of events) {
        runtime.bus.put('default', event);
        await runtime.bus.drain();
      }
      if (runtime.bus.deadLetters.length)
        throw new Error(`benchmark events failed: ${runtime.bus.deadLetters[0]!.error?.message}`);
      const seconds = (performance.now() - t0) / 1000;
      const incidents = (await runtime.repositories.incidents.listIncidents(['open'], 2_000)).length;
      await runtime.stop();
      const figures = {
        events: events.length,
        incidents,
        eventsPerSecond: Math.round(events.length / seconds),
        requestsPerEvent: round(meter.requests / events.length),
        writeUnitsPerEvent: round(meter.writeUnits / events.length),
        readUnitsPerEvent: round(meter.readUnits / events.length),
        deadLetters: runtime.bus.deadLetters.length,
      };
      ((results.ingest ??= {}) as Record<string, unknown>)[label] = figures;
      rows.push({
        measure: `ingest: ${label}`,
        value: `${figures.eventsPerSecond} events/s, ${figures.requestsPerEvent} requests/event, ${figures.writeUnitsPerEvent} WCU/event, ${figures.readUnitsPerEvent} RCU/event → ${incidents} incidents`,
      });
    }
    // One signal of each kind, side by side: the write units of its commit (the outbox item included).
    const runtime = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-units', notify: false });
    const meter = meterDynamo(runtime.client);
    const perSignal: Record<string, { writeUnits: number; readUnits: number }> = {};
    const [first] = distinctEvents(1);
    for (const [kind, event] of [
      ['new', first!],
      ['repeat', { ...first!, id: 'bench-repeat' }],
      ['duplicate delivery', { ...first!, id: 'bench-repeat' }],
    ] as const) {
      const before = { writeUnits: meter.writeUnits, readUnits: meter.readUnits };
      runtime.bus.put('default', event);
      await runtime.bus.drain();
      perSignal[kind] = {
        writeUnits: meter.writeUnits - before.writeUnits,
        readUnits: round(meter.readUnits - before.readUnits),
      };
    }
    await runtime.stop();
    results.unitsPerSignal = perSignal;
    rows.push({
      measure: 'ingest: units per signal',
      value: Object.entries(perSignal)
        .map(([kind, units]) => `${kind} ${units.writeUnits} WCU / ${units.readUnits} RCU`)
        .join(', '),
    });
  } finally {
    await database.stop();
  }
}

// (c) Bundle size and cold import time, next to an empty handler bundled the same way.
const bundleFile = (name: string) => join('.firebreak', 'bench-bundles', `${name.replace(/\W+/g, '-')}.mjs`);
{
  mkdirSync(dirname(bundleFile('empty')), { recursive: true });
  const empty = join(dirname(bundleFile('empty')), 'empty-handler.ts');
  writeFileSync(empty, 'export const handler = async () => ({ ok: true });\n');
  const bundles: Record<string, { bytes: number; coldImportMs: number }> = {};
  for (const [name, entry] of [
    ['empty handler', empty],
    ['ingest', 'functions/ingest/handler.ts'],
    ['notify', 'functions/notify/handler.ts'],
    ['escalate', 'functions/escalate/handler.ts'],
    ['slack', 'functions/slack/handler.ts'],
    ['relay', 'functions/relay/handler.ts'],
  ] as const) {
    const outfile = bundleFile(name);
    // The same settings as FirebreakFunction's bundling (ESM, minified, node22, createRequire banner).
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      mainFields: ['module', 'main'],
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
      define: { 'process.env.FIREBREAK_CONFIG': JSON.stringify(JSON.stringify(config)) },
      logLevel: 'silent',
    });
    bundles[name] = { bytes: statSync(outfile).size, coldImportMs: coldImport(outfile) };
    rows.push({
      measure: `bundle: ${name}`,
      value: `${(bundles[name].bytes / 1024).toFixed(0)} KiB, cold import ${bundles[name].coldImportMs} ms (median of 7 fresh processes)`,
    });
  }
  results.bundles = bundles;
}

// (d) The Slack request path and (e) an alert storm, on DynamoDB Local.
{
  const database = await startDynamoDbLocal();
  try {
    // (d) Signed requests into the real Slack function: warm in this process, then cold in fresh ones.
    const runtime = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-slack' });
    const targets = await slackTargets(runtime, distinctEvents(20));
    const warm = await warmSlackPath(runtime, targets, 200);
    const cold = await coldSlackPath({
      bundle: bundleFile('slack'),
      endpoint: database.endpoint,
      tableName: runtime.tableName,
      processes: 7,
      request: () => slackRequest(runtime, targets, 'approve (refused)', 0),
    });
    await runtime.stop();
    results.slack = { mix: SLACK_MIX, warm, cold: { request: 'approve (refused)', ...cold } };
    rows.push({
      measure: `slack: warm, ${warm.requests} signed requests`,
      value: `p50 ${warm.p50} ms, p99 ${warm.p99} ms (mix: ${SLACK_MIX.join(', ')})`,
    });
    rows.push({
      measure: `slack: cold, ${cold.processes} fresh processes`,
      value: `p50 ${cold.p50} ms, max ${cold.max} ms: import of the slack bundle (p50 ${cold.importP50} ms) + one refused approve`,
    });

    // (e) An alert storm through ingest and notify. The virtual clock moves on by STORM.paceMs per
    // signal (so 5 s coalescing windows pass and scheduled refreshes fire), and by 5 s at the end
    // for the last refreshes. Slack calls get wall-clock times here: the stand-in records virtual ones.
    const STORM = { signals: 10_000, alarms: 20, paceMs: 10 };
    const storm = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-storm' });
    const wallClock: Array<{ channel: string; time: number }> = [];
    const step = async (run: () => Promise<unknown>) => {
      await run();
      const time = performance.now();
      for (const call of storm.slack.calls().slice(wallClock.length))
        wallClock.push({ channel: String(call.args.channel), time });
    };
    const t0 = performance.now();
    for (const event of repeatEvents(STORM.signals, STORM.alarms, [0])) {
      await step(async () => {
        storm.bus.put('default', event);
        await storm.bus.drain();
        await storm.advance(STORM.paceMs);
      });
    }
    await step(() => storm.advance(5_000));
    const seconds = (performance.now() - t0) / 1000;
    if (storm.bus.deadLetters.length) throw new Error(`storm events failed: ${storm.bus.deadLetters[0]!.error?.message}`);
    const calls = storm.slack.calls();
    const figures = {
      ...STORM,
      pacing: `virtual clock +${STORM.paceMs} ms per signal, +5 s at the end; Slack posts not paced (the local runtime's SlackPoster has minPostIntervalMs 0)`,
      incidents: (await storm.repositories.incidents.listIncidents(['open'], 2_000)).length,
      slackCalls: Object.fromEntries(
        [...new Set(calls.map((c) => c.method))].map((method) => [method, calls.filter((c) => c.method === method).length]),
      ),
      maxCallsToOneChannelInOneSecond: {
        wallClock: maxPerSecond(wallClock),
        virtualClock: maxPerSecond(calls.map((c) => ({ channel: String(c.args.channel), time: c.time }))),
      },
      seconds: round(seconds),
      signalsPerSecond: Math.round(STORM.signals / seconds),
    };
    await storm.stop();
    results.storm = figures;
    rows.push({
      measure: `storm: ${STORM.signals.toLocaleString('en-US')} repeats of ${STORM.alarms} alarms`,
      value: `${figures.incidents} incidents, ${calls.length} Slack calls (${Object.entries(figures.slackCalls)
        .map(([m, n]) => `${n} ${m}`)
        .join(
          ', ',
        )}), at most ${figures.maxCallsToOneChannelInOneSecond.wallClock} calls to one channel in 1 s of wall clock (${figures.maxCallsToOneChannelInOneSecond.virtualClock} in 1 s of virtual clock), ${figures.seconds} s (${figures.signalsPerSecond} signals/s); ${figures.pacing}`,
    });
  } finally {
    await database.stop();
  }
}

// (f) A 10,000-instance Systems Manager run: the simulated fleet answers every instance (InProgress,
// then its outcome) and the command's own status; track counts each once. The virtual clock does not
// move during the run, so progress posts are the first and the final one (deployed: one per interval).
{
  const database = await startDynamoDbLocal();
  try {
    const FLEET = { instances: 10_000, fail: 10, timeOut: 5 };
    const runtime = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-fleet' });
    runtime.bus.put('default', FIXTURES[1]!);
    await runtime.bus.drain();
    const [incident] = await runtime.repositories.incidents.listIncidents(['open', 'acknowledged', 'mitigating'], 1);
    await runtime.command('U0RESPOND01', `mitigate ${incident!.id} patch-critical`);
    const request = (await runtime.repositories.mitigations.listRequests(incident!.id)).find(
      (r) => r.catalogId === 'patch-critical',
    )!;
    runtime.fleet.behave(FLEET);
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
    results.fleet = figures;
    rows.push({
      measure: `fleet: ${FLEET.instances.toLocaleString('en-US')}-instance run`,
      value: `${statusEvents} status events in ${figures.seconds} s (${figures.statusEventsPerSecond}/s), ${figures.dynamoRequestsPerStatusEvent} DynamoDB requests and ${figures.writeUnitsPerStatusEvent} WCU per status event, ${figures.slackCalls} Slack calls; ${figures.outcome}: ${figures.counts.succeeded} succeeded, ${figures.counts.failed} failed, ${figures.counts.timed_out} timed out`,
    });
  } finally {
    await database.stop();
  }
}

// (g) Accuracy of the change watch: 10,000 labelled CloudTrail events through the rule patterns and ingest.
{
  const figures = await watchAccuracy(config);
  results.watchAccuracy = figures;
  rows.push({
    measure: `watch: ${figures.events.toLocaleString('en-US')} labelled CloudTrail events`,
    value: `${figures.incidentsOpened} incidents (${figures.expectedIncidents} expected), ${figures.falsePositives} false positives, ${figures.falseNegatives} false negatives, ${figures.eventsPerSecond} events/s, ${figures.writeUnitsPerEvent} WCU/event`,
  });
}

const width = Math.max(...rows.map((r) => r.measure.length));
process.stdout.write(`\nFirebreak benchmark (${new Date().toISOString()}, node ${process.version}, ${process.arch})\n\n`);
for (const row of rows) process.stdout.write(`  ${row.measure.padEnd(width)}  ${row.value}\n`);
process.stdout.write(`\n${JSON.stringify(results, null, 2)}\n`);

// --- helpers -----------------------------------------------------------------------------------

/** Distinct fingerprints: each event is about its own alarm or instance (by default alarms and GuardDuty findings in turn). */
function distinctEvents(n: number, fixtures: readonly number[] = [0, 1]): EventEnvelope[] {
  return Array.from({ length: n }, (_, i) => {
    const event = structuredClone(FIXTURES[fixtures[i % fixtures.length]!]!);
    event.id = `bench-distinct-${i}`;
    const detail = event.detail as { alarmName?: string; resource?: { instanceDetails: { instanceId: string } } };
    if (event.source === 'aws.cloudwatch') {
      detail.alarmName = `ServerCpuTooHigh-${i}`;
      event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh-${i}`];
    } else {
      detail.resource!.instanceDetails.instanceId = `i-${i.toString(16).padStart(8, '0')}`;
    }
    return event;
  });
}

/** The same few fingerprints over and over: a storm of repeats. */
function repeatEvents(n: number, fingerprints: number, fixtures?: readonly number[]): EventEnvelope[] {
  const distinct = distinctEvents(fingerprints, fixtures);
  return Array.from({ length: n }, (_, i) => ({ ...structuredClone(distinct[i % fingerprints]!), id: `bench-repeat-${i}` }));
}

/** Median time to import a bundle in a fresh Node process, as a Lambda cold start does. */
function coldImport(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(new URL(file, `file://${process.cwd()}/`).href)});process.stdout.write(String(performance.now()-t));`;
  const times = Array.from({ length: 7 }, () =>
    Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })),
  );
  return round(times.sort((a, b) => a - b)[3]!);
}

/** The most calls to one channel within any one second (a sliding window over the calls' times, in ms). */
function maxPerSecond(calls: ReadonlyArray<{ channel: string; time: number }>): number {
  let max = 0;
  for (const channel of new Set(calls.map((c) => c.channel))) {
    const times = calls.filter((c) => c.channel === channel).map((c) => c.time);
    for (let first = 0, last = 0; last < times.length; last++) {
      while (times[last]! - times[first]! >= 1000) first++;
      max = Math.max(max, last - first + 1);
    }
  }
  return max;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
