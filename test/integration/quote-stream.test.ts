import Redis from 'ioredis';
import pino from 'pino';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { MarketCache } from '../../src/datasources/cache/market-cache';
import { MemoryCacheStore } from '../../src/datasources/cache/memory-cache.store';
import { RedisCacheStore } from '../../src/datasources/cache/redis-cache.store';
import { defaultTtlPolicy } from '../../src/datasources/cache/ttl-policy';
import { SimulatorProvider } from '../../src/datasources/providers/simulator/simulator.provider';
import type { Quote, Trade } from '../../src/domain/market';
import { MarketDataService } from '../../src/services/market-data.service';
import { QuoteStream, type TradeFeed } from '../../src/services/quote-stream';
import { CountingProvider } from '../fixtures/counting-provider';
import { createTestRedis } from '../helpers/redis';
import { startTestServer, type TestServer } from '../helpers/server';
import { quietFor, testClock, waitFor } from '../helpers/wait';

const logger = pino({ level: 'silent' });

describe('Subscription.quotes over graphql-ws', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('streams quotes of the symbols asked', async () => {
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: server.app.demo!.apiKey },
      retryAttempts: 0,
    });
    const received: Array<{ symbol: string; price: number }> = [];
    const stop = client.subscribe<{ quotes: { symbol: string; price: number } }>(
      { query: 'subscription { quotes(symbols: ["ko", "PEP"], throttleMs: 0) { symbol price } }' },
      {
        next: (event) => received.push(event.data!.quotes),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await waitFor(() => new Set(received.map((q) => q.symbol)).size === 2);
    expect(received.every((q) => q.price > 0)).toBe(true);
    stop();
    await client.dispose();
  });

  it('refuses bad arguments', async () => {
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: server.app.demo!.apiKey },
      retryAttempts: 0,
    });
    const outcome = await new Promise<string>((resolve) => {
      client.subscribe(
        { query: 'subscription { quotes(symbols: ["KO"], throttleMs: -5) { symbol } }' },
        {
          next: (event) => resolve(JSON.stringify(event)),
          error: (e) => resolve(JSON.stringify(e)),
          complete: () => resolve('complete'),
        },
      );
    });
    expect(outcome).toContain('BAD_USER_INPUT');
    await client.dispose();
  });
});

describe('QuoteStream', () => {
  const redis = createTestRedis();
  afterAll(() => redis.clear());

  function service(
    store = new MemoryCacheStore() as MemoryCacheStore | RedisCacheStore,
    now: () => Date = () => new Date(),
  ) {
    const provider = new CountingProvider(new SimulatorProvider({ now }));
    const cache = new MarketCache({ store, ttl: defaultTtlPolicy({ quoteMs: 50 }) });
    return {
      provider,
      marketData: new MarketDataService({ providers: [provider], cache, logger }),
    };
  }

  it('polls only while someone watches, in one batch for all symbols', async () => {
    const { provider, marketData } = service();
    const stream = new QuoteStream({
      marketData,
      redis: null,
      keyPrefix: 't:',
      logger,
      intervalMs: 50,
    });
    const ticks: Quote[] = [];
    const stopA = stream.watch(['KO', 'PEP'], (q) => ticks.push(q));
    const stopB = stream.watch(['KO'], () => undefined);
    await waitFor(() => ticks.length >= 2);
    expect(provider.calls.every((c) => c.symbols.length === 2 || c.symbols.length === 1)).toBe(
      true,
    );
    expect(provider.calls[0].symbols.sort()).toEqual(['KO', 'PEP']);
    stopA();
    expect(stream.watched()).toEqual(['KO']);
    stopB();
    expect(stream.watched()).toEqual([]);
    const polls = stream.polls;
    // Three intervals without a poll: nobody watches, so the timer has stopped.
    await quietFor(150);
    expect(stream.polls).toBe(polls);
    await stream.stop();
  });

  (redis.url ? it : it.skip)(
    'has one producer per symbol across replicas; the other replica receives its ticks',
    async () => {
      const prefix = `${redis.prefix}qs:`;
      const clients = [0, 1].map(() => new Redis(redis.url!, { keyPrefix: prefix }));
      // Each replica's simulated market has a clock of its own, so that B's can be moved.
      const clocks = clients.map(() => testClock());
      const streams = clients.map((client, i) => {
        const { marketData } = service(new RedisCacheStore(client), clocks[i].now);
        return new QuoteStream({
          marketData,
          redis: client,
          keyPrefix: prefix,
          logger,
          intervalMs: 100,
        });
      });
      const [a, b] = streams;
      try {
        b.watch(['KO'], () => undefined);
        await waitFor(() => b.producing().includes('KO'));
        const received: Quote[] = [];
        const stopA = a.watch(['KO'], (q) => received.push(q));
        await waitFor(() => received.length > 0, 5_000, "A's first quote");
        // A's ticks come from B: move B's market on a minute, so that its next poll (the
        // 50 ms quote TTL past) changes the price and B publishes.
        clocks[1].advance(60_000);
        const moved = clocks[1].now().getTime();
        await waitFor(
          () => received.some((q) => new Date(q.timestamp).getTime() >= moved),
          5_000,
          "B's tick on A",
        );
        expect(a.producing()).toEqual([]);
        expect(a.polls).toBe(0);
        expect(b.polls).toBeGreaterThan(0);
        stopA();
      } finally {
        await Promise.all(streams.map((s) => s.stop()));
        await Promise.all(clients.map((c) => c.quit()));
      }
    },
  );

  it('applies trades that arrive before the first quote, skipping those older than it', async () => {
    // The trade stream is subscribed before the first quote is fetched: a trade can land
    // in between. The quote fetch waits until the test lets it go.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const quoted = new Date(Date.now() - 1_000);
    const first: Quote = {
      symbol: 'KO',
      price: 60,
      change: 0.5,
      changePercent: 0.5 / 59.5,
      open: 59.5,
      high: 60.2,
      low: 59.4,
      previousClose: 59.5,
      volume: 1_000,
      marketCap: 260e9,
      timestamp: quoted,
      source: 'simulator',
      stale: false,
    };
    const marketData = {
      quotes: async (symbols: readonly string[]) => {
        await gate;
        return new Map(symbols.filter((s) => s === 'KO').map((s) => [s, first] as const));
      },
      logQuotes: async () => undefined,
    } as unknown as MarketDataService;
    const listeners = new Set<(trade: Trade) => void>();
    const subscribed = new Set<string>();
    const feed: TradeFeed = {
      name: 'manual',
      connected: () => true,
      subscribe: (symbol) => void subscribed.add(symbol),
      unsubscribe: (symbol) => void subscribed.delete(symbol),
      subscribed: () => [...subscribed],
      onTrade: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: () => undefined,
    };
    const trade = (price: number, at: Date) =>
      listeners.forEach((l) => l({ symbol: 'KO', price, volume: 10, timestamp: at }));
    const stream = new QuoteStream({
      marketData,
      redis: null,
      keyPrefix: 't:',
      logger,
      intervalMs: 20,
      tradeFeed: feed,
    });
    const ticks: Quote[] = [];
    const stop = stream.watch(['KO'], (q) => ticks.push(q));
    try {
      await waitFor(() => subscribed.has('KO'));
      trade(61, new Date()); // after the quote's time: it moves the quote
      trade(99, new Date(quoted.getTime() - 1)); // before it: already in the quote
      release();
      await waitFor(() => ticks.some((q) => q.price === 61));
      const moved = ticks.find((q) => q.price === 61)!;
      expect(moved).toMatchObject({ source: 'manual', volume: 1_010, high: 61, low: 59.4 });
      expect(ticks.some((q) => q.price === 99)).toBe(false);
    } finally {
      stop();
      await stream.stop();
    }
  });
});
