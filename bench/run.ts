/**
 * `npm run bench`: Firebreak's performance figures, measured on this machine and printed as a table
 * and as JSON. Nothing here asserts a threshold; the figures go into the issue notes and the README.
 * `npm run bench -- bundles slack` runs only the named sections (core, ingest, bundles, slack, storm, fleet).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createClassifier } from '../functions/core/signals/classify.ts';
import { normalizeEvent } from '../functions/core/signals/normalize-signals.ts';
import type { EventEnvelope } from '../functions/core/signals/signal.ts';
import { localClient, startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { loadConfig } from '../lib/config.ts';
import { meterDynamo } from './dynamo-meter.ts';
import { baselines, bundleFile, bundleFunction, interleavedColdStarts } from './cold-start.ts';
import { callsPerSecond } from './slack-calls.ts';
import { coldSlackPath, SLACK_MIX, slackRequest, slackTargets, warmSlackPath } from './slack-path.ts';
import { watchAccuracy } from './watch-accuracy.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const { startLocalRuntime } = await import('../functions/local/runtime.ts');
// Imported after the variables above: the ingest handler's logger reads them when it loads.
const { distinctIngestRun, storedItemSizes } = await import('./ingest-runs.ts');

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
// Each figure is also printed as soon as it is measured: a long run shows its progress.
const pushRow = rows.push.bind(rows);
rows.push = (...added: Row[]) => {
  for (const row of added) process.stderr.write(`  ${row.measure}  ${row.value}\n`);
  return pushRow(...added);
};
const results: Record<string, unknown> = {};
const SECTIONS = ['core', 'ingest', 'bundles', 'slack', 'storm', 'fleet'] as const;
const chosen = process.argv.slice(2).filter((a) => a !== '--');
for (const name of chosen)
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section ${name}: ${SECTIONS.join(', ')}`);
const runs = (section: (typeof SECTIONS)[number]) => chosen.length === 0 || chosen.includes(section);
const machine = {
  node: process.version,
  arch: process.arch,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  // What the deployed functions run with (FirebreakFunction): no NODE_OPTIONS, maps beside the code.
  deployedNodeOptions: '(unset: source maps are not loaded)',
  deployedSourceMaps: 'external .map, sources not inlined',
  note: process.arch === 'arm64' ? 'same architecture as Lambda (arm64)' : `Lambda runs arm64; this machine is ${process.arch}`,
};
results.machine = machine;

// (a) Classification throughput of the pure core, one core: normalize + classify + fingerprint.
if (runs('core')) {
  const classify = createClassifier(config);
  const strings = FIXTURES.map((event) => JSON.stringify(event));
  let sink = 0;
  const core = (n: number) => {
    for (let i = 0; i < n; i++) {
      const { signals } = normalizeEvent(FIXTURES[i % FIXTURES.length]!);
      for (const signal of signals) sink += classify(signal).fingerprint.length;
    }
  };
  const parse = (n: number) => {
    for (let i = 0; i < n; i++) sink += (JSON.parse(strings[i % strings.length]!) as { id: string }).id.length;
  };
  const timed = (run: (n: number) => void, n: number) => {
    const t0 = performance.now();
    run(n);
    return n / ((performance.now() - t0) / 1000);
  };
  core(5_000); // warm-up
  parse(5_000);
  // Side by side, alternating in rounds, so a busy moment on a shared machine slows both.
  const rounds = Array.from({ length: 10 }, () => ({ core: timed(core, 5_000), parse: timed(parse, 5_000) }));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const perSecond = Math.round(median(rounds.map((r) => r.core)));
  const parsePerSecond = Math.round(median(rounds.map((r) => r.parse)));
  const ratio = round(median(rounds.map((r) => r.core / r.parse)));
  results.classification = {
    events: 50_000,
    eventsPerSecond: perSecond,
    jsonParsePerSecond: parsePerSecond,
    ratioToJsonParse: ratio,
    sink,
  };
  rows.push({
    measure: 'core: normalize + classify (1 core)',
    value: `${perSecond.toLocaleString('en-US')} events/s; ${ratio}× JSON.parse of the same event strings (${parsePerSecond.toLocaleString('en-US')}/s), 10 alternating rounds`,
  });
}

// (b) Ingest through the real handler on DynamoDB Local, with every DynamoDB request counted.
if (runs('ingest')) {
  const database = await startDynamoDbLocal();
  try {
    // 10,000 distinct events straight into the ingest handler, 4 at a time: how cost grows with the table.
    // BENCH_DISTINCT_EVENTS shortens this run on a machine too busy for the whole of it.
    const count = Number(process.env.BENCH_DISTINCT_EVENTS ?? 10_000);
    const distinct = await distinctIngestRun({
      config,
      endpoint: database.endpoint,
      events: distinctEvents(count),
      concurrency: 4,
    });
    results.ingestDistinct = distinct;
    rows.push({
      measure: `ingest: ${count.toLocaleString('en-US')} distinct events (4 at a time)`,
      value: `${distinct.eventsPerSecond} events/s, ${distinct.incidents} incidents; per event by thousand: ${distinct.blocks
        .map((b) => `${b.writeUnitsPerEvent} WCU/${b.readUnitsPerEvent} RCU/${b.requestsPerEvent} req`)
        .join(' · ')}`,
    });
    for (const [label, events] of [['1,000 repeats of 10 fingerprints', repeatEvents(1_000, 10)]] as const) {
      // Ingest alone: notify (Slack, mitigation requests) is measured by the storm below.
      const runtime = await startLocalRuntime({
        config,
        endpoint: database.endpoint,
        tableName: `bench-${results.ingest ? 2 : 1}`,
        notify: false,
      });
      const meter = meterDynamo(runtime.client, { sizeFrom: localClient(database.endpoint) });
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
    const meter = meterDynamo(runtime.client, { sizeFrom: localClient(database.endpoint) });
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
    const itemSizes = await storedItemSizes(runtime.client, runtime.tableName);
    await runtime.stop();
    results.itemSizes = itemSizes;
    rows.push({
      measure: 'items as billed (bytes, names included)',
      value: Object.entries(itemSizes)
        .map(([kind, bytes]) => `${kind} ${bytes}`)
        .join(', '),
    });
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

// (c) Bundles as deployed, and whole-process cold starts in interleaved pairs with an empty module.
if (runs('bundles') || runs('slack')) {
  const bundles: Record<string, { bytes: number; mapBytes: number; largest: Array<[string, number]> }> = {};
  for (const name of ['ingest', 'notify', 'escalate', 'slack', 'relay'])
    bundles[name] = await bundleFunction(name, `functions/${name}/handler.ts`, config);
  results.bundles = bundles;
  if (runs('bundles')) {
    const base = await baselines();
    // Not deployed: the AWS SDK left out of the bundle and resolved from node_modules when imported,
    // as it would be from the Lambda runtime's own copy.
    const externalSdk = await bundleFunction('ingest', 'functions/ingest/handler.ts', config, { externalSdk: true });
    const PAIRS = 9;
    const cold = interleavedColdStarts(
      base.empty,
      [
        ...Object.keys(bundles).map((name) => ({ name, file: bundleFile(name) })),
        { name: 'ingest with --enable-source-maps', file: bundleFile('ingest'), nodeOptions: '--enable-source-maps' },
        { name: 'ingest, AWS SDK not bundled (resolved from node_modules; not deployed)', file: externalSdk.file },
      ],
      PAIRS,
    );
    results.externalSdk = { bytes: externalSdk.bytes, largest: externalSdk.largest };
    const bolt = interleavedColdStarts(base.bareBolt, [{ name: 'slack', file: bundleFile('slack') }], PAIRS);
    results.coldStarts = { emptyModule: cold, slackVsBareBolt: { bareBoltBytes: base.bareBoltBytes, ...bolt } };
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    for (const [name, figures] of Object.entries(cold.candidates)) {
      const size = bundles[name] ?? (name.startsWith('ingest, AWS SDK') ? { ...externalSdk, mapBytes: undefined } : undefined);
      rows.push({
        measure: `bundle: ${name}`,
        value: `${size ? `${kib(size.bytes)}${size.mapBytes ? ` (map ${kib(size.mapBytes)})` : ''}, ` : ''}cold start ${figures.ratio}× an empty module's (${figures.processMs} vs ${cold.baselineMs} ms, ${PAIRS} interleaved pairs), import ${figures.importMs} ms`,
      });
      if (size)
        rows.push({
          measure: `  largest in ${name}`,
          value: size.largest.map(([owner, bytes]) => `${owner} ${kib(bytes)}`).join(', '),
        });
    }
    rows.push({
      measure: 'slack vs a bare Bolt AwsLambdaReceiver app',
      value: `cold start ${bolt.candidates.slack!.ratio}× (${bolt.candidates.slack!.processMs} vs ${bolt.baselineMs} ms; bare Bolt bundle ${(base.bareBoltBytes / 1024).toFixed(0)} KiB)`,
    });
  }
}

// (d) The Slack request path and (e) an alert storm, on DynamoDB Local.
if (runs('slack') || runs('storm')) {
  const database = await startDynamoDbLocal();
  try {
    // (d) Signed requests into the real Slack function: warm in this process, then cold in fresh ones.
    if (runs('slack')) {
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
        value: `p50 ${cold.p50} ms, max ${cold.max} ms: import of the slack bundle (p50 ${cold.importP50} ms) + one refused approve, of which first-invocation set-up (config, SDK clients, secret, Bolt App) p50 ${cold.firstInvocationSetUpP50} ms`,
      });
    }

    // (e) An alert storm through ingest and notify. The virtual clock moves on by STORM.paceMs per
    // signal (so 5 s coalescing windows pass and scheduled refreshes fire), and by 5 s at the end
    // for the last refreshes. Slack calls get wall-clock times here: the stand-in records virtual ones.
    if (runs('storm')) {
      const STORM = { signals: 10_000, alarms: 20, paceMs: 10 };
      const storm = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-storm' });
      const wallClock: Array<{ channel: string; method: string; time: number }> = [];
      const step = async (run: () => Promise<unknown>) => {
        await run();
        const time = performance.now();
        for (const call of storm.slack.calls().slice(wallClock.length))
          wallClock.push({ channel: String(call.args.channel), method: call.method, time });
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
          wallClock: callsPerSecond(wallClock),
          virtualClock: callsPerSecond(calls.map((c) => ({ channel: String(c.args.channel), method: c.method, time: c.time }))),
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
          )}), at most ${figures.maxCallsToOneChannelInOneSecond.wallClock.all} calls to one channel in 1 s of wall clock (${describePerMethod(figures.maxCallsToOneChannelInOneSecond.wallClock.byMethod)}), ${figures.maxCallsToOneChannelInOneSecond.virtualClock.all} in 1 s of virtual clock (${describePerMethod(figures.maxCallsToOneChannelInOneSecond.virtualClock.byMethod)}), ${figures.seconds} s (${figures.signalsPerSecond} signals/s); ${figures.pacing}`,
      });
    }
  } finally {
    await database.stop();
  }
}

// (f) A 10,000-instance Systems Manager run: the simulated fleet answers every instance (InProgress,
// then its outcome) and the command's own status; track counts each once. The virtual clock does not
// move during the run, so progress posts are the first and the final one (deployed: one per interval).
if (runs('fleet')) {
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
process.stdout.write(
  `\nFirebreak benchmark (${new Date().toISOString()}, node ${machine.node}, ${machine.arch}, ${machine.cores} × ${machine.cpu}; ${machine.note})\n` +
    `deployed functions: NODE_OPTIONS ${machine.deployedNodeOptions}; source maps ${machine.deployedSourceMaps}\n\n`,
);
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

function describePerMethod(byMethod: Record<string, number>): string {
  return Object.entries(byMethod)
    .map(([method, n]) => `${method} ${n}`)
    .join(', ');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
