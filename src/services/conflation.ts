import type { Quote } from '../domain/market';
import type { QuoteStream } from './quote-stream';

/**
 * The events of one subscription: ticks of `symbols`, at most one per symbol per
 * `throttleMs` (0: every tick), always the latest (intermediate ticks are dropped, not
 * queued). Ending the iteration (the client unsubscribes or disconnects) releases the
 * symbols from the stream.
 */
export function conflatedQuotes(
  stream: QuoteStream,
  symbols: readonly string[],
  throttleMs: number,
): AsyncIterableIterator<Quote> {
  const latest = new Map<string, Quote>();
  const ready: string[] = [];
  const sentAt = new Map<string, number>();
  const timers = new Map<string, NodeJS.Timeout>();
  let wake: (() => void) | null = null;
  let done = false;

  const markReady = (symbol: string) => {
    timers.delete(symbol);
    if (!ready.includes(symbol)) ready.push(symbol);
    wake?.();
  };
  const stop = stream.watch(symbols, (quote) => {
    latest.set(quote.symbol, quote);
    if (ready.includes(quote.symbol) || timers.has(quote.symbol)) return;
    const wait = throttleMs - (Date.now() - (sentAt.get(quote.symbol) ?? 0));
    if (wait <= 0) markReady(quote.symbol);
    else
      timers.set(
        quote.symbol,
        setTimeout(() => markReady(quote.symbol), wait),
      );
  });
  const finish = async (): Promise<IteratorResult<Quote>> => {
    done = true;
    stop();
    for (const timer of timers.values()) clearTimeout(timer);
    wake?.();
    return { value: undefined, done: true };
  };

  return {
    async next(): Promise<IteratorResult<Quote>> {
      while (!done) {
        const symbol = ready.shift();
        const quote = symbol ? latest.get(symbol) : undefined;
        if (symbol && quote) {
          latest.delete(symbol);
          sentAt.set(symbol, Date.now());
          return { value: quote, done: false };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
      return { value: undefined, done: true };
    },
    return: finish,
    throw: async (error: unknown) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
