import { describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../functions/local/event-bus.ts';

const clock = () => new Date('2026-12-05T00:00:00Z');
const event = (n: number) => ({ source: 'bench.test', 'detail-type': 'Tick', detail: { n } });

/** A bus with one rule recording what it got, and a feed that counts its calls and puts what `pending` holds. */
function busWithFeed(feedEvery?: number) {
  const bus = new LocalEventBus(clock);
  if (feedEvery !== undefined) bus.feedEvery = feedEvery;
  const received: number[] = [];
  bus.addRule('default', 'Record', { source: ['bench.test'] }, async (delivered) => {
    received.push((delivered as ReturnType<typeof event>).detail.n);
  });
  const feed = { calls: 0, pending: [] as number[] };
  bus.addFeed(async () => {
    feed.calls++;
    for (const n of feed.pending.splice(0)) bus.put('default', event(n));
  });
  return { bus, received, feed };
}

describe('LocalEventBus feeds', () => {
  it('asks its feeds before every delivery by default, and once more when the queue runs dry', async () => {
    const { bus, received, feed } = busWithFeed();
    for (const n of [1, 2, 3, 4]) bus.put('default', event(n));
    await bus.drain();
    expect(received).toEqual([1, 2, 3, 4]);
    expect(feed.calls).toBe(5);
  });

  it('with feedEvery asks them before every n-th delivery and whenever the queue runs dry', async () => {
    const { bus, received, feed } = busWithFeed(3);
    for (let n = 1; n <= 7; n++) bus.put('default', event(n));
    await bus.drain();
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Before deliveries 1, 4 and 7, then once on the empty queue.
    expect(feed.calls).toBe(4);
  });

  it('never ends a drain with something the feeds still hold', async () => {
    const { bus, received, feed } = busWithFeed(100);
    bus.put('default', event(1));
    feed.pending.push(2, 3);
    await bus.drain();
    expect(received).toEqual([1, 2, 3]);
    expect(await bus.drain()).toEqual([]);
  });
});
