import { SimulatorProvider } from '../../../src/datasources/providers/simulator/simulator.provider';
import { CORE_SYMBOLS } from '../../../src/datasources/providers/simulator/universe';
import { UpstreamUnavailableError } from '../../../src/errors/errors';
import {
  startFakeUpstream,
  type FakeUpstream,
  type UpstreamName,
} from '../../fixtures/providers/fake-upstream';
import {
  marketStack,
  providerEntry,
  type StackOptions,
} from '../../fixtures/providers/market-stack';
import { createTestRedis } from '../../helpers/redis';

// Every mechanic of the market-data layer, for every HTTP provider, counted at a local
// server that speaks the provider's documented API (test/fixtures/providers/).

interface Spec {
  /** Routes a quote request hits. */
  quoteRoutes: string[];
  quoteBatch: number;
}
const SPECS: Record<UpstreamName, Spec> = {
  fmp: { quoteRoutes: ['/stable/batch-quote', '/stable/quote'], quoteBatch: 100 },
  alphavantage: { quoteRoutes: ['GLOBAL_QUOTE'], quoteBatch: 1 },
  finnhub: { quoteRoutes: ['/api/v1/quote'], quoteBatch: 1 },
};

// The hand-tuned simulated symbols (the fake upstream has their bars ready), sorted: 69
// of them, so that 100 symbols are these and unknown ones.
const known = [...CORE_SYMBOLS].sort();
const hundred = [...known, ...Array.from({ length: 100 - known.length }, (_, i) => `NOPE${i}`)];
const redis = createTestRedis();
let stacks = 0;

afterAll(() => redis.clear());

describe.each(Object.keys(SPECS) as UpstreamName[])('%s provider', (name) => {
  const spec = SPECS[name];
  let upstream: FakeUpstream;
  const opened: Array<{ close(): Promise<void> }> = [];
  const quoteCalls = () => spec.quoteRoutes.reduce((n, route) => n + upstream.count(route), 0);

  /** A stack on this provider (unlimited unless told), on Redis when the suite has it. */
  function stack(options: Partial<StackOptions> & { shareWith?: string } = {}) {
    const prefix = options.shareWith ?? `${redis.prefix}${(stacks += 1)}:`;
    const built = marketStack({
      providers: [providerEntry(upstream)],
      redis: redis.url ? { url: redis.url, prefix } : undefined,
      ...options,
    });
    opened.push(built);
    return Object.assign(built, { prefix });
  }

  beforeEach(async () => {
    upstream = await startFakeUpstream(name);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await upstream.close();
  });

  it('answers every kind it offers with the values the upstream served', async () => {
    const { service } = stack({ providers: [providerEntry(upstream), providerEntry('simulator')] });
    const market = new SimulatorProvider();
    const range = { from: '2024-01-01', to: '2024-03-31' };
    const expected = (await market.history('JNJ', range))!;
    const bars = (await service.history('JNJ', range))!;
    expect(bars.map((b) => [b.date, b.open, b.high, b.low, b.close, b.volume])).toEqual(
      expected.map((b) => [b.date, b.open, b.high, b.low, b.close, b.volume]),
    );
    // Finnhub's candles are not dividend-adjusted.
    if (name !== 'finnhub')
      expect(bars.map((b) => b.adjClose)).toEqual(expected.map((b) => b.adjClose));

    const quote = (await service.quotes(['JNJ'])).get('JNJ')!;
    const simulated = (await market.quotes(['JNJ'])).get('JNJ')!;
    expect(quote.source).toBe(name);
    expect(quote.price).toBeCloseTo(simulated.price, 4);
    expect(quote.previousClose).toBeCloseTo(simulated.previousClose, 4);
    expect(quote.changePercent).toBeCloseTo(simulated.changePercent, 6);

    const profile = (await service.profiles(['JNJ'])).get('JNJ')!;
    expect(profile.name).toBe((await market.profiles(['JNJ'])).get('JNJ')!.name);

    // Dividends, splits and statements: Finnhub declines them and the simulator answers.
    expect(await service.dividends('JNJ')).toEqual(await market.dividends('JNJ'));
    expect(await service.splits('NVDA')).toEqual(await market.splits('NVDA'));
    const statements = (await service.statements('JNJ', 'ANNUAL'))!;
    const simulatedStatements = (await market.statements('JNJ', 'ANNUAL'))!;
    const comparable = ({
      revenue,
      netIncome,
      totalDebt,
      freeCashFlow,
      dividendsPaid,
      date,
    }: (typeof statements)[number]) => ({
      revenue,
      netIncome,
      totalDebt,
      freeCashFlow,
      dividendsPaid,
      date,
    });
    expect(statements.map(comparable)).toEqual(simulatedStatements.map(comparable));
    if (name === 'finnhub') {
      expect(upstream.requests.some((r) => /dividend|split|financials/.test(r.route))).toBe(false);
    }

    const found = await service.search('micro', 5);
    expect(found.map((p) => p.symbol)).toContain('MSFT');

    // FX: the same rates through each provider's API; Finnhub declines (forex candles are
    // premium there) and the simulator answers.
    const fx = (await service.fxSeries('EUR'))!;
    expect(fx.source).toBe(name === 'finnhub' ? 'simulator' : name);
    expect(fx.points).toEqual((await market.fxHistory('EUR', service.historyWindow()))!.points);
    if (name === 'finnhub')
      expect(upstream.requests.some((r) => /forex/.test(r.route))).toBe(false);
  });

  it('costs ceil(100 / batch size) upstream calls for 100 symbols cold, and 0 warm', async () => {
    // A generous timeout: 100 one-symbol calls at once on a busy CI machine.
    const { loaders } = stack({ timeoutMs: 10_000 });
    const cold = loaders();
    const quotes = await Promise.all(hundred.map((symbol) => cold.quote.load(symbol)));
    expect(quoteCalls()).toBe(Math.ceil(100 / spec.quoteBatch));
    expect(quotes.slice(0, known.length).every((q) => q?.source === name)).toBe(true);
    expect(quotes.slice(known.length).every((q) => q === null)).toBe(true);

    const warm = loaders();
    await Promise.all(hundred.map((symbol) => warm.quote.load(symbol)));
    expect(quoteCalls()).toBe(Math.ceil(100 / spec.quoteBatch));
  });

  it('caches unknown symbols negatively and counts hits and misses in metrics', async () => {
    const { service, counter } = stack();
    expect((await service.quotes(['NOSUCH'])).size).toBe(0);
    expect((await service.quotes(['NOSUCH'])).size).toBe(0);
    expect(quoteCalls()).toBe(1);
    expect(await counter('cacheLookups', { kind: 'quote', result: 'miss' })).toBe(1);
    expect(await counter('cacheLookups', { kind: 'quote', result: 'hit' })).toBe(1);
  });

  it('refreshes a quote once its TTL (seconds) has passed, and keeps the profile a day', async () => {
    let clock = Date.now();
    const now = () => new Date(clock);
    const { service } = stack({ now });
    await service.quotes(['AAPL']);
    await service.profiles(['AAPL']);
    clock += 6_000;
    await service.quotes(['AAPL']);
    await service.profiles(['AAPL']);
    expect(quoteCalls()).toBe(2);
    const profileRoute = {
      fmp: '/stable/profile',
      alphavantage: 'OVERVIEW',
      finnhub: '/api/v1/stock/profile2',
    }[name];
    expect(upstream.count(profileRoute)).toBe(1);
  });

  it('makes 1 upstream call for 200 concurrent cold requests of the same quote', async () => {
    upstream.latencyMs = 50;
    const { loaders } = stack();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => loaders().quote.load('MSFT')),
    );
    expect(answers.every((q) => q?.symbol === 'MSFT')).toBe(true);
    expect(quoteCalls()).toBe(1);
  });

  if (redis.url) {
    it('makes 1 upstream call for concurrent cold requests from two replicas sharing Redis', async () => {
      // Slow answers, so that the second replica asks while the first is loading.
      upstream.latencyMs = 100;
      const a = stack();
      const b = stack({ shareWith: a.prefix });
      const asks = [a, b].flatMap((replica) =>
        Array.from({ length: 100 }, () => replica.loaders().quote.load('NVDA')),
      );
      const answers = await Promise.all(asks);
      expect(answers.every((q) => q?.symbol === 'NVDA')).toBe(true);
      expect(quoteCalls()).toBe(1);
    });

    it('never exceeds its budget across two replicas sharing Redis', async () => {
      const limits = [{ limit: 5, windowMs: 60_000 }];
      const a = marketStack({
        providers: [providerEntry(upstream, limits), providerEntry('simulator')],
        redis: { url: redis.url!, prefix: `${redis.prefix}budget-${name}:` },
      });
      const b = marketStack({
        providers: [providerEntry(upstream, limits), providerEntry('simulator')],
        redis: { url: redis.url!, prefix: `${redis.prefix}budget-${name}:` },
      });
      opened.push(a, b);
      const symbols = known.slice(0, 20);
      const answers = await Promise.all(
        symbols.map((symbol, i) => (i % 2 ? a : b).service.quotes([symbol])),
      );
      expect(upstream.count()).toBe(5);
      const sources = answers.map((m) => [...m.values()][0].source);
      expect(sources.filter((s) => s === name)).toHaveLength(5);
      expect(sources.filter((s) => s === 'simulator')).toHaveLength(15);
      expect(
        (await a.counter('upstreamRefused', { provider: name, reason: 'budget' })) +
          (await b.counter('upstreamRefused', { provider: name, reason: 'budget' })),
      ).toBe(15);
    });
  }

  it('spends one budget token per attempt, and over budget serves stale data', async () => {
    let clock = Date.now();
    const { service } = stack({
      now: () => new Date(clock),
      providers: [providerEntry(upstream, [{ limit: 2, windowMs: 60_000 }])],
    });
    const first = (await service.quotes(['AAPL'])).get('AAPL')!;
    clock += 10_000;
    await service.quotes(['AAPL']);
    clock += 10_000;
    const third = (await service.quotes(['AAPL'])).get('AAPL')!;
    expect(upstream.count()).toBe(2);
    expect(third).toMatchObject({ stale: true, source: name, symbol: 'AAPL' });
    expect(first.stale).toBe(false);
    await expect(service.quotes(['MSFT'])).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(upstream.count()).toBe(2);
  });

  it('retries 5xx with backoff, honours Retry-After on 429, and never retries other 4xx', async () => {
    const { service } = stack();
    let failures = 1;
    upstream.intercept = () =>
      failures-- > 0 ? { status: 503, body: { error: 'busy' } } : undefined;
    expect((await service.quotes(['AAPL'])).get('AAPL')?.source).toBe(name);
    expect(upstream.count()).toBe(2);

    let throttled = 1;
    upstream.intercept = () =>
      throttled-- > 0
        ? { status: 429, body: { error: 'slow down' }, headers: { 'retry-after': '1' } }
        : undefined;
    await service.quotes(['MSFT']);
    const [limited, retried] = upstream.requests.slice(-2);
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(950);

    upstream.intercept = () => ({ status: 400, body: { error: 'bad request' } });
    const before = upstream.count();
    await expect(service.quotes(['AMZN'])).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(upstream.count() - before).toBe(1);
  });

  it('answers UPSTREAM_UNAVAILABLE within the time budget when the upstream hangs', async () => {
    const { service } = stack({ timeoutMs: 300 });
    upstream.intercept = () => ({ status: 200, body: {}, delayMs: Infinity });
    const started = Date.now();
    await expect(service.quotes(['AAPL'])).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('opens its circuit after 5 failures and falls back to the next provider without calling', async () => {
    const { service, counter } = stack({
      providers: [providerEntry(upstream), providerEntry('simulator')],
    });
    upstream.intercept = () => ({ status: 400, body: { error: 'broken' } });
    const symbols = known.slice(0, 8);
    for (const symbol of symbols) {
      expect((await service.quotes([symbol])).get(symbol)?.source).toBe('simulator');
    }
    expect(upstream.count()).toBe(5);
    expect(await counter('upstreamRefused', { provider: name, reason: 'circuit-open' })).toBe(3);
  });

  it('drops non-positive prices, future timestamps and jumps, and counts them per provider', async () => {
    const { service, counter } = stack({
      providers: [providerEntry(upstream), providerEntry('simulator')],
    });
    // Corrupt the quote of AAPL (price) and MSFT (timestamp), and one bar of history.
    upstream.rewrite = (request, body) => corrupt(name, request.params, body);
    const quotes = await service.quotes(['AAPL', 'MSFT', 'NVDA']);
    expect(quotes.get('NVDA')?.source).toBe(name);
    expect(quotes.has('AAPL')).toBe(false);
    expect(quotes.has('MSFT')).toBe(false);
    expect(
      await counter('dataRejected', {
        provider: name,
        kind: 'quote',
        reason: 'non_positive_price',
      }),
    ).toBe(1);
    expect(
      await counter('dataRejected', { provider: name, kind: 'quote', reason: 'future_timestamp' }),
    ).toBe(1);

    const bars = (await service.history('KO', { from: '2024-01-01', to: '2024-12-31' }))!;
    const clean = (await new SimulatorProvider().history('KO', {
      from: '2024-01-01',
      to: '2024-12-31',
    }))!;
    expect(bars.map((b) => b.date)).toEqual(
      clean.map((b) => b.date).filter((d) => d !== JUMP_DATE),
    );
    expect(await counter('dataRejected', { provider: name, kind: 'history', reason: 'jump' })).toBe(
      1,
    );
  });
});

const JUMP_DATE = '2024-06-03';

// Rewrites a served body the way a buggy upstream might, in the provider's own format.
function corrupt(name: UpstreamName, params: Record<string, string>, body: unknown): unknown {
  const json = JSON.parse(JSON.stringify(body));
  const future = Math.floor(Date.now() / 1_000) + 86_400;
  if (name === 'fmp') {
    if (Array.isArray(json)) {
      for (const row of json) {
        if (row.symbol === 'AAPL' && 'price' in row) row.price = -1;
        if (row.symbol === 'MSFT' && 'timestamp' in row) row.timestamp = future;
        if (row.date === JUMP_DATE && 'close' in row) row.close *= 5;
        if (row.date === JUMP_DATE && 'adjClose' in row) row.adjClose *= 5;
      }
    }
  } else if (name === 'alphavantage') {
    const quote = json['Global Quote'];
    if (quote?.['01. symbol'] === 'AAPL') quote['05. price'] = '0.0000';
    if (quote?.['01. symbol'] === 'MSFT') {
      quote['07. latest trading day'] = new Date(future * 1_000).toISOString().slice(0, 10);
    }
    const bar = json['Time Series (Daily)']?.[JUMP_DATE];
    if (bar) bar['5. adjusted close'] = String(Number(bar['5. adjusted close']) * 5);
  } else {
    if (params.symbol === 'AAPL' && 'c' in json && !Array.isArray(json.c)) json.c = -5;
    if (params.symbol === 'MSFT' && 't' in json && !Array.isArray(json.t)) json.t = future;
    if (Array.isArray(json.t)) {
      const i = json.t.indexOf(Date.parse(`${JUMP_DATE}T00:00:00Z`) / 1_000);
      if (i >= 0) json.c[i] *= 5;
    }
  }
  return json;
}
