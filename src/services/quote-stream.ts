import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { reviveQuote, type Quote } from '../domain/market';
import type { Logger } from '../observability/logger';
import type { MarketDataService } from './market-data.service';

/** Receives ticks of the symbols it watches. */
export type TickListener = (quote: Quote) => void;

/** Options for {@link QuoteStream}. */
export interface QuoteStreamOptions {
  marketData: MarketDataService;
  /** Shares production and fan-out across replicas; one process without it. */
  redis: Redis | null;
  keyPrefix: string;
  logger: Logger;
  /** How often the producer asks the data layer for the watched symbols. */
  intervalMs?: number;
}

const LEASE_MS = 5_000;
const INTEREST_MS = 5_000;

/**
 * Live quotes for subscriptions. Locally, symbols are reference-counted: a symbol is
 * streamed only while some subscriber of this process watches it. Across replicas
 * (Redis), each watched symbol has exactly one producer, the replica holding its lease,
 * which polls the data layer (one batched call for all its symbols per interval, behind
 * the shared cache) and publishes changed quotes on the symbol's channel; every replica
 * with watchers listens there. Replicas renew their interest; a producer releases a
 * symbol once no replica is interested, and a lapsed lease (a replica gone) is taken
 * over by any interested replica.
 */
export class QuoteStream {
  private readonly listeners = new Map<string, Set<TickListener>>();
  private readonly produced = new Set<string>();
  private readonly last = new Map<string, string>();
  private readonly replicaId = randomUUID();
  private subscriber: Redis | null = null;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Upstream polls made by this process (for tests and metrics). */
  polls = 0;

  constructor(private readonly options: QuoteStreamOptions) {}

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

  /** Watches symbols; the returned function stops (releasing unwatched symbols). */
  watch(symbols: readonly string[], listener: TickListener): () => void {
    const added: string[] = [];
    for (const symbol of new Set(symbols)) {
      let set = this.listeners.get(symbol);
      if (!set) {
        set = new Set();
        this.listeners.set(symbol, set);
        added.push(symbol);
      }
      set.add(listener);
    }
    if (added.length > 0) void this.subscribe(added);
    this.ensureTimer();
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      const removed: string[] = [];
      for (const symbol of new Set(symbols)) {
        const set = this.listeners.get(symbol);
        if (!set) continue;
        set.delete(listener);
        if (set.size === 0) {
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
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  private ensureTimer(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
    void this.tick();
  }

  private async subscribe(symbols: string[]): Promise<void> {
    const redis = this.options.redis;
    if (!redis) return;
    if (!this.subscriber) {
      this.subscriber = redis.duplicate();
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (channel: string, message: string) => {
        const symbol = channel.slice(`${this.options.keyPrefix}ticks:`.length);
        try {
          this.deliver(symbol, reviveQuote(JSON.parse(message) as Quote));
        } catch (error) {
          this.options.logger.warn({ err: (error as Error).message }, 'bad tick message');
        }
      });
    }
    await this.subscriber
      .subscribe(...symbols.map((s) => this.channel(s)))
      .catch((error: Error) => {
        this.options.logger.warn({ err: error.message }, 'tick subscription failed');
      });
    await this.declareInterest(symbols);
  }

  private async unsubscribe(symbols: string[]): Promise<void> {
    for (const symbol of symbols) this.last.delete(symbol);
    const redis = this.options.redis;
    if (!redis) {
      for (const symbol of symbols) this.produced.delete(symbol);
      if (this.listeners.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
      return;
    }
    await this.subscriber
      ?.unsubscribe(...symbols.map((s) => this.channel(s)))
      .catch(() => undefined);
    await Promise.all(
      symbols.map((s) => redis.zrem(`stream:interest:${s}`, this.replicaId).catch(() => 0)),
    );
    // Producing for others goes on until the next tick sees nobody interested.
    if (this.listeners.size === 0 && this.produced.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async declareInterest(symbols: string[]): Promise<void> {
    const redis = this.options.redis;
    if (!redis) return;
    const until = Date.now() + INTEREST_MS;
    const pipeline = redis.pipeline();
    for (const symbol of symbols) {
      pipeline.zadd(`stream:interest:${symbol}`, until, this.replicaId);
      pipeline.pexpire(`stream:interest:${symbol}`, INTEREST_MS * 2);
    }
    await pipeline.exec().catch(() => undefined);
  }

  // One interval step: renew interest, settle which symbols this replica produces, then
  // poll them in one batched call and publish what changed.
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const mine = await this.settleProduction();
      if (mine.length === 0) {
        if (this.listeners.size === 0) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
        return;
      }
      this.polls += 1;
      const quotes = await this.options.marketData.quotes(mine);
      for (const [symbol, quote] of quotes) {
        const fingerprint = `${quote.price}:${quote.timestamp.getTime()}`;
        if (this.last.get(symbol) === fingerprint) continue;
        this.last.set(symbol, fingerprint);
        await this.publish(symbol, quote);
      }
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'quote stream tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async settleProduction(): Promise<string[]> {
    const redis = this.options.redis;
    if (!redis) {
      for (const symbol of this.listeners.keys()) this.produced.add(symbol);
      return [...this.produced];
    }
    await this.declareInterest(this.watched());
    const now = Date.now();
    const candidates = new Set([...this.watched(), ...this.produced]);
    for (const symbol of candidates) {
      const lease = `stream:lease:${symbol}`;
      if (this.produced.has(symbol)) {
        const interested = await redis
          .zcount(`stream:interest:${symbol}`, now, '+inf')
          .catch(() => 1);
        if (interested === 0) {
          this.produced.delete(symbol);
          this.last.delete(symbol);
          await redis.del(lease).catch(() => 0);
          continue;
        }
        await redis.pexpire(lease, LEASE_MS).catch(() => 0);
      } else if (
        (await redis.set(lease, this.replicaId, 'PX', LEASE_MS, 'NX').catch(() => null)) === 'OK'
      ) {
        this.produced.add(symbol);
      }
    }
    return [...this.produced];
  }

  private async publish(symbol: string, quote: Quote): Promise<void> {
    const redis = this.options.redis;
    if (!redis) {
      this.deliver(symbol, quote);
      return;
    }
    // Serialized once per tick, whatever the number of replicas and subscribers.
    await redis.publish(this.channel(symbol), JSON.stringify(quote)).catch((error: Error) => {
      this.options.logger.warn({ err: error.message }, 'tick publish failed');
    });
  }

  private deliver(symbol: string, quote: Quote): void {
    for (const listener of this.listeners.get(symbol) ?? []) listener(quote);
  }
}
