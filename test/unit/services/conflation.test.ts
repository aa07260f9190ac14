import type { Quote } from '../../../src/domain/market';
import { conflatedQuotes } from '../../../src/services/conflation';
import type { QuoteStream, TickListener } from '../../../src/services/quote-stream';

/** A stream whose ticks the test pushes by hand. */
function manualStream() {
  const listeners = new Set<TickListener>();
  const stream = {
    watch: (_symbols: readonly string[], listener: TickListener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as QuoteStream;
  const push = (symbol: string, price: number) => {
    for (const listener of listeners) listener({ symbol, price } as Quote);
  };
  return { stream, push, listeners };
}

describe('conflatedQuotes', () => {
  it('passes every tick through without a throttle', async () => {
    const { stream, push } = manualStream();
    const events = conflatedQuotes(stream, ['KO'], 0);
    push('KO', 1);
    expect((await events.next()).value).toMatchObject({ price: 1 });
    push('KO', 2);
    expect((await events.next()).value).toMatchObject({ price: 2 });
    await events.return!();
  });

  it('sends at most one event per symbol per interval, always the latest', async () => {
    const { stream, push } = manualStream();
    const events = conflatedQuotes(stream, ['KO', 'PEP'], 200);
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

  it('releases the stream when the subscriber leaves', async () => {
    const { stream, listeners } = manualStream();
    const events = conflatedQuotes(stream, ['KO'], 0);
    expect(listeners.size).toBe(1);
    const pending = events.next();
    await events.return!();
    expect(listeners.size).toBe(0);
    expect((await pending).done).toBe(true);
  });
});
