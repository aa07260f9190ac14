import { Conflator, LiveFeed, type FeedListener } from '../../../src/services/live-feed';

interface Tick {
  symbol: string;
  price: number;
}

/** A feed whose events the test pushes by hand. */
function manualFeed(throttleMs: number) {
  const listeners = new Set<FeedListener<Tick>>();
  let released = 0;
  const feed = new LiveFeed<Tick>(throttleMs, {
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    release: () => (released += 1),
  });
  const push = (symbol: string, price: number) => {
    for (const listener of listeners) listener({ symbol, price }, symbol);
  };
  return { feed, push, listeners, released: () => released };
}

describe('Conflator', () => {
  it('holds the latest event per key while the sink refuses, and sends it on flush', () => {
    const sent: number[] = [];
    let open = false;
    let drops = 0;
    const conflator = new Conflator<number>(
      0,
      (event) => {
        if (!open) return false;
        sent.push(event);
        return true;
      },
      () => (drops += 1),
    );
    for (let i = 1; i <= 1_000; i += 1) conflator.push(i, 'KO');
    conflator.push(7, 'PEP');
    expect(sent).toEqual([]);
    // Memory stays flat: one event per key, whatever the number pushed.
    expect(conflator.held).toBe(2);
    expect(drops).toBe(999);
    open = true;
    conflator.flush();
    expect(sent).toEqual([1_000, 7]);
    expect(conflator.held).toBe(0);
    conflator.close();
  });
});

describe('LiveFeed (iterated)', () => {
  it('passes every event through without a throttle', async () => {
    const { feed, push } = manualFeed(0);
    const events = feed[Symbol.asyncIterator]();
    push('KO', 1);
    expect((await events.next()).value).toMatchObject({ price: 1 });
    push('KO', 2);
    expect((await events.next()).value).toMatchObject({ price: 2 });
    await events.return!();
  });

  it('sends at most one event per key per interval, always the latest', async () => {
    const { feed, push } = manualFeed(200);
    const events = feed[Symbol.asyncIterator]();
    push('KO', 1);
    const first = await events.next();
    const firstAt = Date.now();
    expect(first.value).toMatchObject({ symbol: 'KO', price: 1 });
    // Within the interval: three KO ticks (only the last survives) and one PEP tick.
    push('KO', 2);
    push('KO', 3);
    push('PEP', 10);
    push('KO', 4);
    const second = await events.next();
    expect(second.value).toMatchObject({ symbol: 'PEP', price: 10 });
    const third = await events.next();
    expect(third.value).toMatchObject({ symbol: 'KO', price: 4 });
    expect(Date.now() - firstAt).toBeGreaterThanOrEqual(190);
    await events.return!();
  });

  it('stops listening and releases what it holds when the subscriber leaves', async () => {
    const { feed, listeners, released } = manualFeed(0);
    const events = feed[Symbol.asyncIterator]();
    expect(listeners.size).toBe(1);
    const pending = events.next();
    await events.return!();
    expect(listeners.size).toBe(0);
    expect(released()).toBe(1);
    expect((await pending).done).toBe(true);
    feed.end();
    expect(released()).toBe(1);
  });

  it('releases a feed that was never listened to', () => {
    const { feed, released } = manualFeed(0);
    feed.end();
    expect(released()).toBe(1);
    expect(() => feed.listen(() => undefined)).toThrow();
  });
});
