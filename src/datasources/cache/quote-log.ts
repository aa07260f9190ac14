import type Redis from 'ioredis';
import { reviveQuote, type Quote } from '../../domain/market';

/** How long observed quotes are kept: the longest plan delay (15 min) plus a margin. */
export const QUOTE_LOG_RETENTION_MS = 20 * 60_000;

/**
 * Quotes the gateway has observed (fetched or streamed), by symbol and time, kept for
 * {@link QUOTE_LOG_RETENTION_MS}. Delayed plans read from it: the quote of a symbol as
 * it was at a past moment is the newest one logged at or before that moment.
 */
export interface QuoteLog {
  record(quotes: readonly Quote[]): Promise<void>;
  /** Per symbol, the newest logged quote with `timestamp <= at`; absent when none is. */
  asOf(symbols: readonly string[], at: Date): Promise<Map<string, Quote>>;
}

/** Shared by every replica: one sorted set per symbol, scored by quote time. */
export class RedisQuoteLog implements QuoteLog {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private key(symbol: string): string {
    return `qlog:${symbol}`;
  }

  async record(quotes: readonly Quote[]): Promise<void> {
    if (quotes.length === 0) return;
    const oldest = this.now().getTime() - QUOTE_LOG_RETENTION_MS;
    const pipeline = this.redis.pipeline();
    for (const quote of quotes) {
      if (quote.stale) continue;
      const key = this.key(quote.symbol);
      pipeline.zadd(key, quote.timestamp.getTime(), JSON.stringify(quote));
      pipeline.zremrangebyscore(key, '-inf', `(${oldest}`);
      pipeline.pexpire(key, QUOTE_LOG_RETENTION_MS);
    }
    await pipeline.exec();
  }

  async asOf(symbols: readonly string[], at: Date): Promise<Map<string, Quote>> {
    const pipeline = this.redis.pipeline();
    for (const symbol of symbols) {
      pipeline.zrevrangebyscore(this.key(symbol), at.getTime(), '-inf', 'LIMIT', 0, 1);
    }
    const replies = (await pipeline.exec()) ?? [];
    const found = new Map<string, Quote>();
    replies.forEach(([error, members], i) => {
      const member = !error && Array.isArray(members) ? (members[0] as string | undefined) : null;
      if (member) found.set(symbols[i], reviveQuote(JSON.parse(member) as Quote));
    });
    return found;
  }
}

/** One process: a time-ordered list per symbol, trimmed as it grows. */
export class MemoryQuoteLog implements QuoteLog {
  private readonly bySymbol = new Map<string, Quote[]>();
  private sweptAt = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async record(quotes: readonly Quote[]): Promise<void> {
    const oldest = this.now().getTime() - QUOTE_LOG_RETENTION_MS;
    // Symbols nobody asks for any more are dropped once a minute.
    if (oldest - this.sweptAt > 60_000) {
      this.sweptAt = oldest;
      for (const [symbol, list] of this.bySymbol) {
        if (list[list.length - 1].timestamp.getTime() < oldest) this.bySymbol.delete(symbol);
      }
    }
    for (const quote of quotes) {
      if (quote.stale) continue;
      const list = this.bySymbol.get(quote.symbol) ?? [];
      const at = quote.timestamp.getTime();
      // Quotes mostly arrive in time order; insert in place when one does not.
      let i = list.length;
      while (i > 0 && list[i - 1].timestamp.getTime() > at) i -= 1;
      if (i > 0 && list[i - 1].timestamp.getTime() === at) list[i - 1] = quote;
      else list.splice(i, 0, quote);
      let drop = 0;
      while (drop < list.length && list[drop].timestamp.getTime() < oldest) drop += 1;
      if (drop > 0) list.splice(0, drop);
      this.bySymbol.set(quote.symbol, list);
    }
  }

  async asOf(symbols: readonly string[], at: Date): Promise<Map<string, Quote>> {
    const found = new Map<string, Quote>();
    for (const symbol of symbols) {
      const list = this.bySymbol.get(symbol) ?? [];
      for (let i = list.length - 1; i >= 0; i -= 1) {
        if (list[i].timestamp.getTime() <= at.getTime()) {
          found.set(symbol, list[i]);
          break;
        }
      }
    }
    return found;
  }
}
