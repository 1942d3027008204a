/** Slack calls per channel per second for `npm run bench`, in all and per method (Slack limits each method on its own). */

type Call = { channel: string; method: string; time: number };

/** The most calls to one channel within any one second (a sliding window over the calls' times, in ms), in all and per method. */
export function callsPerSecond(calls: readonly Call[]) {
  const methods = [...new Set(calls.map((c) => c.method))].sort();
  return {
    all: mostCallsInWindow(calls, 1000),
    byMethod: Object.fromEntries(
      methods.map((method) => [
        method,
        mostCallsInWindow(
          calls.filter((c) => c.method === method),
          1000,
        ),
      ]),
    ),
  };
}

/** The shortest time (ms) between two calls to one channel, any methods (Infinity with fewer than two). */
export function shortestGap(calls: readonly Call[]): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (const channel of new Set(calls.map((c) => c.channel))) {
    const times = calls
      .filter((c) => c.channel === channel)
      .map((c) => c.time)
      .sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i]! - times[i - 1]!);
  }
  return shortest;
}

/** The most calls to one channel within any window of `windowMs` (sliding over the calls' times). */
export function mostCallsInWindow(calls: readonly Call[], windowMs: number): number {
  let max = 0;
  for (const channel of new Set(calls.map((c) => c.channel))) {
    const times = calls
      .filter((c) => c.channel === channel)
      .map((c) => c.time)
      .sort((a, b) => a - b);
    for (let first = 0, last = 0; last < times.length; last++) {
      while (times[last]! - times[first]! >= windowMs) first++;
      max = Math.max(max, last - first + 1);
    }
  }
  return max;
}

/**
 * The shortest time (ms) between two writes of one message, over all messages: its post (`postedAt`)
 * and each `chat.update` naming its `ts`, by the stand-in's clock. Infinity when no message was rewritten.
 */
export function shortestRewriteInterval(
  messages: ReadonlyArray<{ ts: string; postedAt: number }>,
  calls: ReadonlyArray<{ method: string; args: Record<string, unknown>; time: number }>,
): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (const message of messages) {
    const writes = [
      message.postedAt,
      ...calls.filter((c) => c.method === 'chat.update' && c.args.ts === message.ts).map((c) => c.time),
    ].sort((a, b) => a - b);
    for (let i = 1; i < writes.length; i++) shortest = Math.min(shortest, writes[i]! - writes[i - 1]!);
  }
  return shortest;
}
