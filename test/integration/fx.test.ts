import { FxRateDocument } from '../../src/generated/graphql';
import { SimulatorProvider } from '../../src/datasources/providers/simulator/simulator.provider';
import { fixture, startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { accountKey } from '../fixtures/account-key';
import { codes, execute, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

// fxRate over HTTP against fake FMP and Alpha Vantage servers that speak each one's
// documented FX API, serving the simulated market. Each test uses currencies of its own,
// so that what one caches cannot answer another.

const FRIDAY = '2026-03-13';
const SATURDAY = '2026-03-14';
const market = new SimulatorProvider();
const usdRate = async (currency: string, date: string) =>
  (await market.fxHistory(currency, { from: date, to: date }))!.points[0].rate;

describe('fxRate with FMP first and Alpha Vantage behind it', () => {
  let server: TestServer;
  let fmp: FakeUpstream;
  let av: FakeUpstream;
  let apiKey: string;
  const ask = (variables: { from: string; to: string; date?: string }) =>
    execute(server.url, FxRateDocument, { apiKey, variables });
  const fmpCalls = () => fmp.count('/stable/historical-price-eod/full');
  const avCalls = () => av.count('FX_DAILY');
  const calls = () => fmp.count() + av.count();

  beforeAll(async () => {
    [fmp, av] = await Promise.all([startFakeUpstream('fmp'), startFakeUpstream('alphavantage')]);
    server = await startTestServer({
      MARKET_DATA_PROVIDERS: 'fmp,alphavantage',
      FMP_API_KEY: fmp.apiKey,
      FMP_BASE_URL: fmp.url,
      ALPHAVANTAGE_API_KEY: av.apiKey,
      ALPHAVANTAGE_BASE_URL: av.url,
    });
    apiKey = server.app.demo!.apiKey;
  });
  afterEach(() => {
    fmp.intercept = null;
    av.intercept = null;
  });
  afterAll(async () => {
    await server.close();
    await Promise.all([fmp.close(), av.close()]);
  });

  it("answers from FMP with the last close on or before the day (Friday's at a weekend), then from the cache", async () => {
    const eur = await usdRate('EUR', FRIDAY);
    const first = await ask({ from: 'EUR', to: 'USD', date: SATURDAY });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.fxRate).toEqual({
      from: 'EUR',
      to: 'USD',
      date: FRIDAY,
      rate: eur,
      source: 'fmp',
    });
    expect(fmpCalls()).toBe(1);
    const { params } = fmp.requests[fmp.requests.length - 1];
    expect(params.symbol).toBe('EURUSD');
    // One call holds the whole window: every stock-history day.
    expect(params.from < '2019-01-02').toBe(true);

    // Another day, the other way round, codes as typed: the cached series answers.
    const back = await ask({ from: ' usd ', to: 'eur', date: FRIDAY });
    expect(back.body.data!.fxRate).toMatchObject({ from: 'USD', to: 'EUR', date: FRIDAY });
    expect(back.body.data!.fxRate!.rate).toBeCloseTo(1 / eur, 12);
    const today = await ask({ from: 'EUR', to: 'USD' });
    expect(today.body.data!.fxRate!.date > FRIDAY).toBe(true);
    expect(fmpCalls()).toBe(1);
    expect(avCalls()).toBe(0);
  });

  it('crosses two currencies through USD: GBP→INR = GBPUSD / INRUSD', async () => {
    const [gbp, inr] = [await usdRate('GBP', FRIDAY), await usdRate('INR', FRIDAY)];
    const response = await ask({ from: 'GBP', to: 'INR', date: FRIDAY });
    expect(response.body.data!.fxRate).toMatchObject({ date: FRIDAY, source: 'fmp' });
    expect(response.body.data!.fxRate!.rate).toBeCloseTo(gbp / inr, 9);
    const symbols = fmp.requests.slice(-2).map((r) => r.params.symbol);
    expect(symbols.sort()).toEqual(['GBPUSD', 'INRUSD']);
  });

  it('reads a currency FMP lists only the other way round (USDTWD) from that pair, inverted', async () => {
    fmp.intercept = ({ params }) =>
      params.symbol === 'TWDUSD' ? { status: 200, body: [] } : undefined;
    const response = await ask({ from: 'TWD', to: 'USD', date: FRIDAY });
    expect(response.body.data!.fxRate).toMatchObject({ date: FRIDAY, source: 'fmp' });
    // The fake sends 1 / rate to 6 significant digits.
    expect(response.body.data!.fxRate!.rate / (await usdRate('TWD', FRIDAY))).toBeCloseTo(1, 5);
    const symbols = fmp.requests.slice(-2).map((r) => r.params.symbol);
    expect(symbols).toEqual(['TWDUSD', 'USDTWD']);
    expect(avCalls()).toBe(0);
  });

  it('falls back to Alpha Vantage FX_DAILY when FMP fails, and caches that answer too', async () => {
    fmp.intercept = () => ({ status: 401, body: fixture('fmp', 'error-invalid-key') });
    const response = await ask({ from: 'CHF', to: 'USD', date: FRIDAY });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.fxRate).toEqual({
      from: 'CHF',
      to: 'USD',
      date: FRIDAY,
      rate: await usdRate('CHF', FRIDAY),
      source: 'alphavantage',
    });
    expect(av.requests[av.requests.length - 1].params).toMatchObject({
      function: 'FX_DAILY',
      from_symbol: 'CHF',
      to_symbol: 'USD',
      outputsize: 'full',
    });
    // Alpha Vantage's "Invalid API call" is an unknown currency.
    expect((await ask({ from: 'ZZY', to: 'USD', date: FRIDAY })).body.data!.fxRate).toBeNull();
    expect(av.requests[av.requests.length - 1].params.from_symbol).toBe('ZZY');
    fmp.intercept = null;
    const before = calls();
    const again = await ask({ from: 'CHF', to: 'USD', date: '2026-03-12' });
    expect(again.body.data!.fxRate!.source).toBe('alphavantage');
    expect(calls()).toBe(before);
  });

  it('answers UPSTREAM_UNAVAILABLE when FMP is over its limit and Alpha Vantage sends its rate-limit note, and nothing is cached', async () => {
    fmp.intercept = () => ({
      status: 429,
      body: fixture('fmp', 'error-limit'),
      headers: { 'retry-after': '0' },
    });
    av.intercept = () => ({ status: 200, body: fixture('alphavantage', 'note-frequency') });
    const refused = await ask({ from: 'SEK', to: 'USD', date: FRIDAY });
    expect(codes(refused)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(refused.body.data?.fxRate ?? null).toBeNull();
    fmp.intercept = null;
    av.intercept = null;
    const answered = await ask({ from: 'SEK', to: 'USD', date: FRIDAY });
    expect(answered.body.data!.fxRate).toMatchObject({ source: 'fmp', date: FRIDAY });
  });

  it('refuses malformed codes and days out of range with BAD_USER_INPUT naming the argument, calling nobody', async () => {
    const before = calls();
    const future = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const cases: Array<[{ from: string; to: string; date?: string }, string]> = [
      [{ from: 'EU', to: 'USD' }, 'from'],
      [{ from: 'EURO', to: 'USD' }, 'from'],
      [{ from: 'E1R', to: 'USD' }, 'from'],
      [{ from: 'EUR', to: 'US$' }, 'to'],
      [{ from: 'EUR', to: 'USD', date: future }, 'date'],
      [{ from: 'EUR', to: 'USD', date: '2015-06-01' }, 'date'],
    ];
    for (const [variables, argument] of cases) {
      const response = await ask(variables);
      expect({ variables, codes: codes(response) }).toEqual({
        variables,
        codes: ['BAD_USER_INPUT'],
      });
      expect(response.body.errors![0].extensions).toMatchObject({ argument });
    }
    const notADay = await ask({ from: 'EUR', to: 'USD', date: '2026-02-30' });
    expect(codes(notADay)).toEqual(['BAD_USER_INPUT']);
    expect(calls()).toBe(before);
  });

  it('answers null for a currency no provider knows or a day before its first rate, and 1 for a currency against itself', async () => {
    const unknown = await ask({ from: 'ZZZ', to: 'USD', date: FRIDAY });
    expect(unknown.body.errors).toBeUndefined();
    expect(unknown.body.data!.fxRate).toBeNull();
    // FMP answered (empty lists, either way round): unknown, Alpha Vantage is not asked;
    // and remembered.
    expect(fmp.requests.slice(-2).map((r) => r.params.symbol)).toEqual(['ZZZUSD', 'USDZZZ']);
    const before = calls();
    expect((await ask({ from: 'USD', to: 'ZZZ' })).body.data!.fxRate).toBeNull();
    // In the window, but before the first simulated rate (2019-01-02).
    await ask({ from: 'NOK', to: 'USD', date: FRIDAY });
    expect(
      (await ask({ from: 'NOK', to: 'USD', date: '2018-06-01' })).body.data!.fxRate,
    ).toBeNull();
    expect(calls()).toBe(before + 1);

    const same = await ask({ from: 'ZZZ', to: 'zzz', date: FRIDAY });
    expect(same.body.data!.fxRate).toEqual({
      from: 'ZZZ',
      to: 'ZZZ',
      date: FRIDAY,
      rate: 1,
      source: 'fixed',
    });
    expect(calls()).toBe(before + 1);
  });

  it('needs credentials and the read:market scope, like every market query', async () => {
    const anonymous = await execute(server.url, FxRateDocument, {
      variables: { from: 'EUR', to: 'USD' },
    });
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    const created = await gql<{ createApiKey: { secret: string } }>(
      server.url,
      'mutation { createApiKey(name: "portfolio only", scopes: ["read:portfolio"]) { secret } }',
      { apiKey: await accountKey(server) },
    );
    const portfolioOnly = await execute(server.url, FxRateDocument, {
      apiKey: created.body.data!.createApiKey.secret,
      variables: { from: 'EUR', to: 'USD' },
    });
    expect(codes(portfolioOnly)).toEqual(['FORBIDDEN']);
  });
});
