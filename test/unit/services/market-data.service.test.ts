import pino from 'pino';
import { MarketCache } from '../../../src/datasources/cache/market-cache';
import { MemoryQuoteLog } from '../../../src/datasources/cache/quote-log';
import { MemoryCacheStore } from '../../../src/datasources/cache/memory-cache.store';
import { defaultTtlPolicy } from '../../../src/datasources/cache/ttl-policy';
import { SimulatorProvider } from '../../../src/datasources/providers/simulator/simulator.provider';
import { CORE_SYMBOLS } from '../../../src/datasources/providers/simulator/universe';
import { UpstreamUnavailableError } from '../../../src/errors/errors';
import { createMarketLoaders } from '../../../src/loaders/market.loaders';
import { MarketDataService } from '../../../src/services/market-data.service';
import { CountingProvider } from '../../fixtures/counting-provider';

const logger = pino({ level: 'silent' });

function setup(providers: CountingProvider[], now = () => new Date('2026-11-20T18:00:00Z')) {
  const cache = new MarketCache({ store: new MemoryCacheStore(), ttl: defaultTtlPolicy(), now });
  return new MarketDataService({ providers, cache, logger });
}

const simulatorAt = () => new SimulatorProvider({ now: () => new Date('2026-11-20T18:00:00Z') });
// The hand-tuned simulated symbols (69: the universe is larger than a request), padded to
// 100 with symbols no provider knows.
const known = [...CORE_SYMBOLS].sort();
const hundred = [...known, ...Array.from({ length: 100 - known.length }, (_, i) => `UNKNOWN${i}`)];

describe('MarketDataService with per-request loaders', () => {
  it('costs ceil(100 / batch size) upstream calls cold and 0 warm for 100 symbols in one request', async () => {
    const provider = new CountingProvider(simulatorAt(), 'batching', 40);
    const service = setup([provider]);
    const cold = createMarketLoaders(service);
    const quotes = await Promise.all(hundred.map((symbol) => cold.quote.load(symbol)));
    expect(provider.count('quotes')).toBe(Math.ceil(100 / 40));
    expect(quotes.filter(Boolean)).toHaveLength(known.length);
    expect(quotes.slice(known.length).every((quote) => quote === null)).toBe(true);
    expect(quotes[0]!.symbol).toBe(hundred[0]);

    const warm = createMarketLoaders(service);
    await Promise.all(hundred.map((symbol) => warm.quote.load(symbol)));
    expect(provider.count('quotes')).toBe(3);
  });

  it('falls back to the next provider when one fails, and names the one that answered', async () => {
    const first = new CountingProvider(simulatorAt(), 'first');
    const second = new CountingProvider(simulatorAt(), 'second');
    first.failing = true;
    const service = setup([first, second]);
    const quotes = await service.quotes(['AAPL']);
    expect(quotes.get('AAPL')?.source).toBe('simulator');
    expect(first.count()).toBe(1);
    expect(second.count()).toBe(1);
  });

  it('serves a stale quote marked stale when every provider fails, else UPSTREAM_UNAVAILABLE', async () => {
    let now = new Date('2026-11-20T18:00:00Z');
    const provider = new CountingProvider(simulatorAt());
    const service = setup([provider], () => now);
    const fresh = (await service.quotes(['AAPL'])).get('AAPL')!;
    expect(fresh.stale).toBe(false);
    provider.failing = true;
    now = new Date(now.getTime() + 60_000);
    const stale = (await service.quotes(['AAPL'])).get('AAPL')!;
    expect(stale).toMatchObject({ price: fresh.price, stale: true, source: 'simulator' });
    const error = await service.quotes(['MSFT']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).extensions.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('gives the loader an Error per key when the service fails, not a thrown batch', async () => {
    const provider = new CountingProvider(simulatorAt());
    provider.failing = true;
    const loaders = createMarketLoaders(setup([provider]));
    const results = await Promise.allSettled([
      loaders.quote.load('AAPL'),
      loaders.quote.load('MSFT'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('caches single-symbol kinds: history, statements, dividends', async () => {
    const provider = new CountingProvider(simulatorAt());
    const service = setup([provider]);
    const range = { from: '2025-01-01', to: '2025-12-31' };
    const [a, b] = await Promise.all([
      service.history('AAPL', range),
      service.history('AAPL', range),
    ]);
    expect(a).toEqual(b);
    await service.statements('AAPL', 'ANNUAL');
    await service.statements('AAPL', 'ANNUAL');
    expect(await service.history('NOPE', range)).toBeNull();
    expect(await service.history('NOPE', range)).toBeNull();
    expect(provider.count('history')).toBe(2);
    expect(provider.count('statements')).toBe(1);
  });
});

describe('delayed quotes (plans with quoteDelayMinutes)', () => {
  const DELAY = 15 * 60_000;

  it('answers the newest quote observed at least 15 minutes ago, else the last close before that day', async () => {
    let now = new Date('2026-11-20T18:00:00Z');
    const clock = () => now;
    const log = new MemoryQuoteLog(clock);
    const provider = new CountingProvider(new SimulatorProvider({ now: clock }));
    const cache = new MarketCache({
      store: new MemoryCacheStore(),
      ttl: defaultTtlPolicy(),
      now: clock,
    });
    const service = new MarketDataService({
      providers: [provider],
      cache,
      logger,
      now: clock,
      quoteLog: log,
    });

    // Nothing observed 15 minutes ago: Thursday's close (the day before 17:45 on Friday).
    const first = (await service.delayedQuotes(['AAPL', 'NOPE'], DELAY)).get('AAPL')!;
    const bars = (await service.fullHistory('AAPL'))!;
    const thursday = bars.filter((bar) => bar.date < '2026-11-20').at(-1)!;
    expect(first).toMatchObject({ symbol: 'AAPL', price: thursday.close, delayed: true });
    expect(first.timestamp.getTime()).toBeLessThanOrEqual(now.getTime() - DELAY);
    expect((await service.delayedQuotes(['NOPE'], DELAY)).size).toBe(0);

    // The live quote at 18:00 was logged when it was fetched; at 18:10 it is not 15
    // minutes old yet, at 18:16 it is the answer, and live quotes fetched since are not.
    const at1800 = (await service.quotes(['AAPL'])).get('AAPL')!;
    now = new Date('2026-11-20T18:10:00Z');
    expect((await service.delayedQuotes(['AAPL'], DELAY)).get('AAPL')!.price).toBe(thursday.close);
    now = new Date('2026-11-20T18:16:00Z');
    const later = (await service.delayedQuotes(['AAPL'], DELAY)).get('AAPL')!;
    expect(later).toMatchObject({ price: at1800.price, delayed: true });
    expect(later.timestamp).toEqual(at1800.timestamp);
    expect((await service.quotes(['AAPL'])).get('AAPL')!.delayed).toBeUndefined();
  });
});
