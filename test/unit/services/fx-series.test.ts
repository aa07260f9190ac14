import pino from 'pino';
import { MarketCache } from '../../../src/datasources/cache/market-cache';
import { MemoryCacheStore } from '../../../src/datasources/cache/memory-cache.store';
import { defaultTtlPolicy, msUntilNextClose } from '../../../src/datasources/cache/ttl-policy';
import { FinnhubProvider } from '../../../src/datasources/providers/finnhub/finnhub.provider';
import { HttpClient } from '../../../src/datasources/providers/http-client';
import { SimulatorProvider } from '../../../src/datasources/providers/simulator/simulator.provider';
import { SymbolListedProvider } from '../../../src/datasources/providers/symbol-list';
import { UpstreamUnavailableError } from '../../../src/errors/errors';
import { createMarketLoaders } from '../../../src/loaders/market.loaders';
import { MarketDataService } from '../../../src/services/market-data.service';
import type { MarketDataProvider } from '../../../src/datasources/providers/provider';
import { CountingProvider } from '../../fixtures/counting-provider';

const logger = pino({ level: 'silent' });
const FRIDAY_AFTERNOON = new Date('2026-11-20T18:00:00Z');

function setup(providers: MarketDataProvider[], now = () => FRIDAY_AFTERNOON) {
  const cache = new MarketCache({ store: new MemoryCacheStore(), ttl: defaultTtlPolicy(), now });
  return new MarketDataService({ providers, cache, logger, now });
}

const simulator = (name?: string) =>
  new CountingProvider(new SimulatorProvider({ now: () => FRIDAY_AFTERNOON }), name);
// Finnhub as configured: its forex candles are premium, so it declines without a call.
const finnhub = () =>
  new FinnhubProvider({
    apiKey: 'unused',
    baseUrl: 'http://127.0.0.1:9',
    http: new HttpClient({ provider: 'finnhub' }),
  });

describe('MarketDataService.fxSeries and the fx loader', () => {
  it('answers USD with the fixed anchor series and malformed codes with null, asking nobody', async () => {
    const provider = simulator();
    const service = setup([provider]);
    expect(await service.fxSeries('USD')).toEqual({ currency: 'USD', points: [], source: 'fixed' });
    for (const bad of ['eur', 'EURO', 'E1', '', 'GBp'])
      expect(await service.fxSeries(bad)).toBeNull();
    expect(provider.count()).toBe(0);
  });

  it('loads a currency over the history window once, for every request and loader', async () => {
    const provider = simulator();
    const service = setup([provider]);
    const first = createMarketLoaders(service);
    const [a, b] = await Promise.all([first.fx.load('EUR'), first.fx.load('EUR')]);
    const second = createMarketLoaders(service);
    const c = await second.fx.load('EUR');
    expect(provider.count('fxHistory')).toBe(1);
    expect(a).toEqual(b);
    expect(c).toEqual(a);
    const window = service.historyWindow();
    expect(window.to).toBe('2026-11-20');
    expect(a!.points[0].date >= window.from).toBe(true);
    expect(a!.points.at(-1)!.date).toBe('2026-11-19');
    expect(a!.source).toBe('simulator');
  });

  it('remembers an unknown currency as null', async () => {
    const provider = simulator();
    const service = setup([provider]);
    expect(await service.fxSeries('ZZZ')).toBeNull();
    expect(await service.fxSeries('ZZZ')).toBeNull();
    expect(provider.count('fxHistory')).toBe(1);
  });

  it('falls back to the next provider when one fails, naming the one that answered', async () => {
    const first = simulator('first');
    first.failing = true;
    const service = setup([first, new SimulatorProvider({ now: () => FRIDAY_AFTERNOON })]);
    expect((await service.fxSeries('GBP'))!.source).toBe('simulator');
    expect(first.count('fxHistory')).toBe(1);
  });

  it('skips a provider that declines FX (Finnhub), and reads "nobody offers it" as unknown', async () => {
    const after = simulator();
    expect((await setup([finnhub(), after]).fxSeries('JPY'))!.source).toBe('simulator');
    expect(after.count('fxHistory')).toBe(1);
    expect(await setup([finnhub()]).fxSeries('JPY')).toBeNull();
    // Declined by one and failed by the other is a failure, not an answer.
    const down = simulator();
    down.failing = true;
    const error = await setup([finnhub(), down])
      .fxSeries('JPY')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
  });

  it('is not held back by symbol lists: a currency is no symbol', async () => {
    const inner = simulator();
    const listed = new SymbolListedProvider(inner, new Set(['AAPL']));
    expect((await setup([listed]).fxSeries('CHF'))!.points.length).toBeGreaterThan(0);
    expect(inner.count('fxHistory')).toBe(1);
  });

  it('keeps a series fresh until the next close, then serves it stale when every provider fails', async () => {
    let now = FRIDAY_AFTERNOON;
    const provider = simulator();
    const service = setup([provider], () => now);
    const fresh = await service.fxSeries('CAD');
    now = new Date(now.getTime() + msUntilNextClose(now) - 1_000);
    await service.fxSeries('CAD');
    expect(provider.count('fxHistory')).toBe(1);
    now = new Date(now.getTime() + 2_000);
    provider.failing = true;
    expect(await service.fxSeries('CAD')).toEqual(fresh);
    expect(provider.count('fxHistory')).toBe(2);
  });
});
