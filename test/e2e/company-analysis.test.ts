import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SimulatorProvider } from '../../src/datasources/providers/simulator/simulator.provider';
import {
  beta,
  dividendYield,
  fundamentals,
  maxDrawdown,
  return1y,
  rsi14,
  sharpeRatio,
  volatility,
} from '../../src/domain/analytics';
import { CompanyAnalysisDocument, YieldflowClient } from '../../src/client';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { describeAnyMode } from '../helpers/any-mode';

// The acceptance test: one request for 20 companies with quote, a year of
// history, financials and metrics, against a gateway process whose only provider is a
// local FMP-format server. Values must equal the definitions applied to the data the
// upstream served, and the upstream must see the minimal number of calls.

const SYMBOLS = [
  'AAPL',
  'MSFT',
  'NVDA',
  'AMZN',
  'GOOGL',
  'META',
  'JPM',
  'V',
  'JNJ',
  'PG',
  'KO',
  'PEP',
  'XOM',
  'CVX',
  'WMT',
  'HD',
  'DIS',
  'NKE',
  'INTC',
  'CSCO',
];

describeAnyMode('one request for 20 companies with quote, history, financials and metrics', () => {
  let upstream: FakeUpstream;
  let server: ServerProcess;
  let cwd: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream('fmp');
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-analysis-'));
    server = await spawnServer({
      cwd,
      env: {
        PORT: '0',
        MARKET_DATA_PROVIDERS: 'fmp',
        FMP_API_KEY: upstream.apiKey,
        FMP_BASE_URL: upstream.url,
        // The fixture server builds ten years of bars per history call in this test's
        // process; on a loaded machine the last of 40 concurrent ones can take seconds,
        // and a timeout's retry would spoil the exact call count this test checks.
        PROVIDER_TIMEOUT_MS: '9000',
      },
    });
  }, 60_000);
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await upstream.close();
    await rm(cwd, { recursive: true, force: true });
  });

  it('answers with values equal to the definitions, at the minimal upstream cost', async () => {
    const known = new Set(SimulatorProvider.symbols());
    expect(SYMBOLS.every((s) => known.has(s))).toBe(true);
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
    const client = new YieldflowClient({ url: server.url, apiKey: server.demoKey });
    const response = await client.execute(CompanyAnalysisDocument, { symbols: SYMBOLS, from, to });
    expect(response.errors).toBeUndefined();
    const companies = response.data!.companies;
    expect(companies.map((c) => c!.symbol)).toEqual(SYMBOLS);

    // Minimal calls for FMP: one batch quote; a profile call per company (FMP has no
    // batch profile); per company history = 2 calls (OHLCV + dividend-adjusted) plus the
    // benchmark's; statements = 3 calls; dividends = 1 (for the metrics).
    const count = (route: string) => upstream.count(`/stable${route}`);
    expect(count('/batch-quote')).toBe(1);
    expect(count('/quote')).toBe(0);
    expect(count('/profile')).toBe(20);
    expect(count('/historical-price-eod/full')).toBe(21);
    expect(count('/historical-price-eod/dividend-adjusted')).toBe(21);
    expect(count('/income-statement')).toBe(20);
    expect(count('/balance-sheet-statement')).toBe(20);
    expect(count('/cash-flow-statement')).toBe(20);
    expect(count('/dividends')).toBe(20);
    expect(upstream.count()).toBe(1 + 20 + 42 + 60 + 20);

    const market = new SimulatorProvider();
    const spy = (await market.history('SPY', { from: '1900-01-01', to }))!;
    for (const company of companies) {
      const symbol = company!.symbol;
      const bars = (await market.history(symbol, { from: '1900-01-01', to }))!;
      const dividends = (await market.dividends(symbol))!;
      const annual = (await market.statements(symbol, 'ANNUAL'))!;
      const quote = company!.quote!;
      expect(quote.source).toBe('fmp');
      expect(company!.history).toEqual(
        bars
          .filter((b) => b.date >= from && b.date <= to)
          .map(({ date, close, adjClose }) => ({ date, close, adjClose })),
      );
      expect(company!.financials).toEqual(annual.slice(0, 5));
      const metrics = company!.metrics;
      const expected = {
        return1y: return1y(bars),
        volatility: volatility(bars),
        beta: beta(bars, spy),
        sharpeRatio: sharpeRatio(bars),
        maxDrawdown: maxDrawdown(bars),
        rsi14: rsi14(bars),
        dividendYield: dividendYield(bars, dividends),
        ...fundamentals({ annual, price: quote.price, marketCap: company!.marketCap ?? null }),
      };
      for (const [name, value] of Object.entries(expected)) {
        const actual = metrics[name as keyof typeof metrics];
        if (value === null) expect(actual).toBeNull();
        else expect(actual).toBeCloseTo(value, 10);
      }
      // And one definition recomputed here from the raw bars, not by the domain code.
      const last = bars[bars.length - 1].adjClose;
      const yearBefore = bars[bars.length - 253].adjClose;
      expect(metrics.return1y).toBeCloseTo(last / yearBefore - 1, 12);
      expect(Object.values(metrics).every((v) => v === null || Number.isFinite(v))).toBe(true);
    }
  });
});
