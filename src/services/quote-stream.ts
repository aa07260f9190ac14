import type Redis from 'ioredis';
import { messageBus, type MessageBus } from '../datasources/cache/message-bus';
import { producerLeases, type ProducerLeases } from '../datasources/cache/producer-leases';
import { applyTrade, reviveQuote, type Quote, type Trade } from '../domain/market';
import type { Logger } from '../observability/logger';
import type { MarketDataService } from './market-data.service';

/** Receives ticks of the symbols it watches. */
export type TickListener = (quote: Quote) => void;

/**
 * A push source of trades (Finnhub's trade WebSocket, or a bench's generator). The
 * stream subscribes the symbols it produces and unsubscribes them when nobody watches;
 * while the feed is not connected, those symbols are polled instead.
 */
export interface TradeFeed {
  readonly name: string;
  connected(): boolean;
  subscribe(symbol: string): void;
  unsubscribe(symbol: string): void;
  /** Symbols subscribed upstream. */
  subscribed(): string[];
  onTrade(listener: (trade: Trade) => void): () => void;
  close(): void;
}

/** Options for {@link QuoteStream}. */
export interface QuoteStreamOptions {
  marketData: MarketDataService;
  /** Shares production and fan-out across replicas; one process without it. */
  redis: Redis | null;
  keyPrefix: string;
  logger: Logger;
  /** How often the producer settles its symbols and polls those without a live feed. */
  intervalMs?: number;
  tradeFeed?: TradeFeed | null;
}

/** Trades kept per symbol while its first quote is being fetched. */
const MAX_EARLY_TRADES = 1_000;
/** With a trade feed, polled quotes only refresh the day's fields this often. */
const BASE_REFRESH_MS = 60_000;
/** A symbol's trades are published at most this often (the latest wins). */
const TRADE_PUBLISH_MS = 100;

// What makes a quote news: the market moved (a provider restamping the same state, as a
// closed market's quote every time it is asked, is not a tick).
const fingerprint = (quote: Quote) =>
  `${quote.price}:${quote.volume}:${quote.high}:${quote.low}:${quote.previousClose}`;

/**
 * Live quotes for subscriptions. Locally, symbols are reference-counted: a symbol is
 * streamed only while some subscriber of this process watches it. Across replicas
 * (Redis: {@link ProducerLeases} and a {@link MessageBus}, each with its in-process
 * fallback while Redis fails), each watched symbol has exactly one producer, the
 * replica holding its lease:
 * it takes the symbol's trades from the trade feed when there is one and it is
 * connected, and otherwise polls the data layer (one batched call for all its symbols
 * per interval, behind the shared cache; with the simulator, these are its ticks), and
 * publishes changed quotes on the symbol's channel; every replica with watchers listens
 * there. Replicas renew their interest; a producer releases a symbol once no replica is
 * interested, and a lapsed lease (a replica gone) is taken over by any interested one.
 *
 * A listener may watch delayed (plans with delayed quotes): on each live tick of a
 * symbol, the quote as it was `delayMs` earlier is looked up once for all such
 * listeners, and delivered when it changed.
 */
export class QuoteStream {
  /** symbol → delay (0: live) → listeners. */
  private readonly listeners = new Map<string, Map<number, Set<TickListener>>>();
  /** Last quote delivered here, by `symbol:delay`: snapshots for new listeners. */
  private readonly latest = new Map<string, Quote>();
  private readonly delayedInFlight = new Set<string>();
  private readonly produced = new Set<string>();
  /** The producer's current quote per symbol (polled, then moved by trades). */
  private readonly current = new Map<string, Quote>();
  private readonly polledAt = new Map<string, number>();
  private readonly lastPublished = new Map<string, { fingerprint: string; at: number }>();
  private readonly tradeTimers = new Map<string, NodeJS.Timeout>();
  /**
   * Trades of produced symbols that came before the symbol's first quote (subscribing
   * upstream comes first, the quote is fetched after): applied to that quote when it
   * lands, those older than it skipped.
   */
  private readonly early = new Map<string, Trade[]>();
  private readonly stopTrades: (() => void) | undefined;
  private readonly bus: MessageBus;
  private readonly leases: ProducerLeases;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Upstream polls made by this process (for tests and metrics). */
  polls = 0;
  /** Ticks published by this process. */
  published = 0;

  constructor(private readonly options: QuoteStreamOptions) {
    this.stopTrades = options.tradeFeed?.onTrade((trade) => this.onTrade(trade));
    this.bus = messageBus(options.redis, options.logger);
    this.leases = producerLeases(options.redis);
    const prefix = this.channel('');
    this.bus.onMessage((channel, message) => {
      if (!channel.startsWith(prefix)) return;
      try {
        this.deliver(channel.slice(prefix.length), reviveQuote(JSON.parse(message) as Quote));
      } catch (error) {
        this.options.logger.warn({ err: (error as Error).message }, 'bad tick message');
      }
    });
  }

  private channel(symbol: string): string {
    return `${this.options.keyPrefix}ticks:${symbol}`;
  }

  /** Symbols this process streams to local subscribers. */
  watched(): string[] {
    return [...this.listeners.keys()];
  }

  /** Symbols this process produces (holds the lease of). */
  producing(): string[] {
    return [...this.produced];
  }

  /**
   * Watches symbols (live, or `delayMs` late); the returned function stops, releasing
   * the symbols nobody else watches. The listener first gets the latest quote known.
   */
  watch(symbols: readonly string[], onTick: TickListener, delayMs = 0): () => void {
    const wanted = [...new Set(symbols)];
    // Which symbols this listener has had a quote of: its snapshot is sent only for the others.
    const got = new Set<string>();
    const listener: TickListener = (quote) => {
      got.add(quote.symbol);
      onTick(quote);
    };
    const added: string[] = [];
    for (const symbol of wanted) {
      let byDelay = this.listeners.get(symbol);
      if (!byDelay) {
        byDelay = new Map();
        this.listeners.set(symbol, byDelay);
        added.push(symbol);
      }
      const set = byDelay.get(delayMs) ?? new Set();
      set.add(listener);
      byDelay.set(delayMs, set);
    }
    if (added.length > 0) void this.subscribe(added);
    this.ensureTimer();
    void this.snapshot(wanted, listener, got, delayMs);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      const removed: string[] = [];
      for (const symbol of wanted) {
        const byDelay = this.listeners.get(symbol);
        const set = byDelay?.get(delayMs);
        if (!byDelay || !set) continue;
        set.delete(listener);
        if (set.size === 0) {
          byDelay.delete(delayMs);
          this.latest.delete(`${symbol}:${delayMs}`);
        }
        if (byDelay.size === 0) {
          this.listeners.delete(symbol);
          removed.push(symbol);
        }
      }
      if (removed.length > 0) void this.unsubscribe(removed);
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const symbols = this.watched();
    this.listeners.clear();
    await this.unsubscribe(symbols);
    // Leases given back at once, so that another replica takes the symbols over now.
    const produced = this.producing();
    for (const symbol of produced) this.release(symbol);
    await this.leases.giveBack(produced);
    for (const timer of this.tradeTimers.values()) clearTimeout(timer);
    this.stopTrades?.();
    this.options.tradeFeed?.close();
    this.bus.close();
  }

  // The latest quote known to a new listener: the last one delivered here, else one
  // asked of the data layer (cached), unless a tick reached the listener first.
  private async snapshot(
    symbols: string[],
    listener: TickListener,
    got: ReadonlySet<string>,
    delayMs: number,
  ): Promise<void> {
    const missing: string[] = [];
    for (const symbol of symbols) {
      const known = this.latest.get(`${symbol}:${delayMs}`);
      if (known) listener(known);
      else missing.push(symbol);
    }
    if (missing.length === 0) return;
    try {
      const quotes =
        delayMs > 0
          ? await this.options.marketData.delayedQuotes(missing, delayMs)
          : await this.options.marketData.quotes(missing);
      for (const [symbol, fetched] of quotes) {
        const key = `${symbol}:${delayMs}`;
        if (got.has(symbol) || !this.listeners.get(symbol)?.get(delayMs)?.has(listener)) continue;
        // Another listener's snapshot or a tick may have landed meanwhile: the newest wins.
        if (!this.latest.has(key)) this.latest.set(key, fetched);
        listener(this.latest.get(key)!);
      }
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'quote snapshot failed');
    }
  }

  private ensureTimer(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
    void this.tick();
  }

  private stopTimerIfIdle(): void {
    if (this.listeners.size === 0 && this.produced.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async subscribe(symbols: string[]): Promise<void> {
    await this.bus.subscribe(symbols.map((s) => this.channel(s))).catch((error: Error) => {
      this.options.logger.warn({ err: error.message }, 'tick subscription failed');
    });
    await this.leases.declare(symbols);
  }

  // Symbols nobody here watches any more: produced on only while another replica is
  // interested (with one process, never).
  private async unsubscribe(symbols: string[]): Promise<void> {
    await this.bus.unsubscribe(symbols.map((s) => this.channel(s))).catch(() => undefined);
    await this.leases.withdraw(symbols);
    for (const symbol of symbols) {
      if (this.produced.has(symbol) && !(await this.leases.keep(symbol, false))) {
        this.release(symbol);
      }
    }
    this.stopTimerIfIdle();
  }

  // One interval step: renew interest, settle which symbols this replica produces, then
  // poll those the trade feed does not cover and publish what changed.
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const mine = await this.settleProduction();
      this.stopTimerIfIdle();
      const feed = this.options.tradeFeed;
      const live = feed?.connected() ?? false;
      const now = Date.now();
      const toPoll = mine.filter(
        (symbol) => !live || now - (this.polledAt.get(symbol) ?? 0) >= BASE_REFRESH_MS,
      );
      if (toPoll.length === 0) return;
      this.polls += 1;
      const quotes = await this.options.marketData.quotes(toPoll);
      for (const [symbol, quote] of quotes) {
        if (!this.produced.has(symbol)) continue;
        const first = !this.current.has(symbol);
        this.polledAt.set(symbol, now);
        // With the feed live, a poll refreshes the day's fields under the trades.
        const base = first
          ? this.withEarlyTrades(symbol, quote)
          : live
            ? { ...quote, ...pick(this.current.get(symbol)!) }
            : quote;
        this.current.set(symbol, base);
        if (!live || first) await this.publish(symbol, base);
      }
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'quote stream tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async settleProduction(): Promise<string[]> {
    await this.leases.declare(this.watched());
    for (const symbol of new Set([...this.watched(), ...this.produced])) {
      if (this.produced.has(symbol)) {
        if (!(await this.leases.keep(symbol, this.listeners.has(symbol)))) this.release(symbol);
      } else if (await this.leases.take(symbol)) {
        this.produce(symbol);
      }
    }
    return [...this.produced];
  }

  private produce(symbol: string): void {
    if (this.produced.has(symbol)) return;
    this.produced.add(symbol);
    this.options.tradeFeed?.subscribe(symbol);
  }

  // Stops producing a symbol: no upstream subscription, no state left for it.
  private release(symbol: string): void {
    if (this.produced.delete(symbol)) this.options.tradeFeed?.unsubscribe(symbol);
    this.current.delete(symbol);
    this.polledAt.delete(symbol);
    this.lastPublished.delete(symbol);
    clearTimeout(this.tradeTimers.get(symbol));
    this.tradeTimers.delete(symbol);
    this.early.delete(symbol);
  }

  private withEarlyTrades(symbol: string, quote: Quote): Quote {
    const trades = this.early.get(symbol);
    this.early.delete(symbol);
    if (!trades) return quote;
    const moved = trades.reduce(applyTrade, quote);
    return moved === quote ? quote : { ...moved, source: this.options.tradeFeed!.name };
  }

  private onTrade(trade: Trade): void {
    if (!this.produced.has(trade.symbol)) return;
    const quote = this.current.get(trade.symbol);
    if (!quote) {
      const early = this.early.get(trade.symbol) ?? [];
      if (early.length < MAX_EARLY_TRADES) early.push(trade);
      this.early.set(trade.symbol, early);
      return;
    }
    this.current.set(trade.symbol, {
      ...applyTrade(quote, trade),
      source: this.options.tradeFeed!.name,
    });
    if (this.tradeTimers.has(trade.symbol)) return;
    const wait = TRADE_PUBLISH_MS - (Date.now() - (this.lastPublished.get(trade.symbol)?.at ?? 0));
    const flush = () => {
      this.tradeTimers.delete(trade.symbol);
      const latest = this.current.get(trade.symbol);
      if (latest && this.produced.has(trade.symbol)) void this.publish(trade.symbol, latest);
    };
    if (wait <= 0) flush();
    else this.tradeTimers.set(trade.symbol, setTimeout(flush, wait));
  }

  private async publish(symbol: string, quote: Quote): Promise<void> {
    const print = fingerprint(quote);
    if (this.lastPublished.get(symbol)?.fingerprint === print) return;
    this.lastPublished.set(symbol, { fingerprint: print, at: Date.now() });
    this.published += 1;
    void this.options.marketData.logQuotes([quote]);
    // Serialized once per tick, whatever the number of replicas and subscribers; while
    // Redis fails, the bus still delivers to this replica's own subscribers.
    await this.bus.publish(this.channel(symbol), JSON.stringify(quote));
  }

  private deliver(symbol: string, quote: Quote): void {
    const byDelay = this.listeners.get(symbol);
    if (!byDelay) return;
    for (const [delayMs, set] of byDelay) {
      if (delayMs > 0) {
        void this.deliverDelayed(symbol, delayMs);
        continue;
      }
      // Every listener already has the latest quote (as a tick or as its snapshot).
      const previous = this.latest.get(`${symbol}:0`);
      if (previous && fingerprint(previous) === fingerprint(quote)) continue;
      this.latest.set(`${symbol}:0`, quote);
      for (const listener of set) listener(quote);
    }
  }

  // One lookup per symbol and delay at a time, shared by every delayed listener.
  private async deliverDelayed(symbol: string, delayMs: number): Promise<void> {
    const key = `${symbol}:${delayMs}`;
    if (this.delayedInFlight.has(key)) return;
    this.delayedInFlight.add(key);
    try {
      const quote = (await this.options.marketData.delayedQuotes([symbol], delayMs)).get(symbol);
      const previous = this.latest.get(key);
      const set = this.listeners.get(symbol)?.get(delayMs);
      if (!quote || !set || (previous && fingerprint(previous) === fingerprint(quote))) return;
      this.latest.set(key, quote);
      for (const listener of set) listener(quote);
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'delayed tick failed');
    } finally {
      this.delayedInFlight.delete(key);
    }
  }
}

// The fields trades move, kept when a poll refreshes the rest of a quote.
function pick(quote: Quote): Partial<Quote> {
  const { price, change, changePercent, high, low, volume, marketCap, timestamp, source } = quote;
  return { price, change, changePercent, high, low, volume, marketCap, timestamp, source };
}
