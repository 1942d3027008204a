/** (a) Classification throughput of the pure core, one core: normalize + classify + fingerprint, beside JSON.parse. */
import { performance } from 'node:perf_hooks';
import { createClassifier } from '../../functions/core/signals/classify.ts';
import { normalizeEvent } from '../../functions/core/signals/normalize-signals.ts';
import { FIXTURES, round, type SectionInput } from '../bench-kit.ts';

export function coreSection({ config, report }: SectionInput): void {
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
  report.results.classification = {
    events: 50_000,
    eventsPerSecond: perSecond,
    jsonParsePerSecond: parsePerSecond,
    ratioToJsonParse: ratio,
    sink,
  };
  report.add({
    measure: 'core: normalize + classify (1 core)',
    value: `${perSecond.toLocaleString('en-US')} events/s; ${ratio}× JSON.parse of the same event strings (${parsePerSecond.toLocaleString('en-US')}/s), 10 alternating rounds`,
  });
}
