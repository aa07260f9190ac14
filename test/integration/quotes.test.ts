import { QuoteDocument, QuotesDocument } from '../../src/generated/graphql';
import { CORE_SYMBOLS } from '../../src/datasources/providers/simulator/universe';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { codes, execute, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';
import { testClock } from '../helpers/wait';

describe('quote and quotes on the default simulator (no provider keys)', () => {
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    apiKey = server.app.demo!.apiKey;
  });
  afterAll(() => server.close());

  it('answers examples/quote.graphql, trimming and upper-casing the symbol', async () => {
    const response = await execute(server.url, QuoteDocument, {
      apiKey,
      variables: { symbol: ' aapl ' },
    });
    expect(response.body.errors).toBeUndefined();
    const quote = response.body.data!.quote!;
    expect(quote).toMatchObject({ symbol: 'AAPL', source: 'simulator', stale: false });
    expect(quote.price).toBeGreaterThan(0);
    expect(quote.change).toBeCloseTo(quote.price - quote.previousClose, 4);
  });

  it('answers examples/quotes.graphql in the order asked, null where unknown', async () => {
    const symbols = ['MSFT', 'NOSUCH', 'KO'];
    const response = await execute(server.url, QuotesDocument, { apiKey, variables: { symbols } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.quotes.map((q) => q?.symbol ?? null)).toEqual(['MSFT', null, 'KO']);
  });

  it('answers BAD_USER_INPUT for malformed symbols and for more than 100', async () => {
    const bad = await execute(server.url, QuoteDocument, {
      apiKey,
      variables: { symbol: 'AAPL;DROP' },
    });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.body.errors![0].extensions).toMatchObject({
      argument: 'symbol',
      problem: 'invalid characters',
    });
    const many = Array.from({ length: 101 }, () => 'AAPL');
    const tooMany = await execute(server.url, QuotesDocument, {
      apiKey,
      variables: { symbols: many },
    });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it('reports the providers in /readyz', async () => {
    const response = await fetch(`${server.baseUrl}/readyz`);
    const body = (await response.json()) as { checks: Record<string, { status: string }> };
    expect(body.checks.providers).toEqual({ status: 'up' });
  });
});

// Each test gets its own server and upstream: no cache, counter or clock is shared, so
// each test holds whatever runs before it (or alone, with -t).
describe('quote and quotes through a real provider (FMP fixture server)', () => {
  let server: TestServer;
  let upstream: FakeUpstream;
  let apiKey: string;
  // The caches' clock, moved past the quote TTL where a test needs fresh quotes.
  let clock = testClock();

  beforeEach(async () => {
    clock = testClock();
    upstream = await startFakeUpstream('fmp');
    server = await startTestServer(
      {
        MARKET_DATA_PROVIDERS: 'fmp,simulator',
        FMP_API_KEY: upstream.apiKey,
        FMP_BASE_URL: upstream.url,
      },
      { now: clock.now },
    );
    apiKey = server.app.demo!.apiKey;
  });
  afterEach(async () => {
    await server.close();
    await upstream.close();
  });

  it('falls back to the simulator when FMP fails, naming the source', async () => {
    upstream.intercept = () => ({ status: 500, body: { 'Error Message': 'down' } });
    const response = await execute(server.url, QuoteDocument, {
      apiKey,
      variables: { symbol: 'PEP' },
    });
    expect(response.body.data!.quote).toMatchObject({
      symbol: 'PEP',
      source: 'simulator',
      stale: false,
    });
  });

  it('fetches 100 symbols of one query in one batch call, and none when warm', async () => {
    // The hand-tuned simulated symbols (69 of them), padded to 100 with unknown ones.
    const known = [...CORE_SYMBOLS].sort();
    const symbols = [...known, ...Array.from({ length: 100 - known.length }, (_, i) => `ZZ${i}`)];
    const cold = await execute(server.url, QuotesDocument, { apiKey, variables: { symbols } });
    expect(cold.body.errors).toBeUndefined();
    expect(upstream.count('/stable/batch-quote')).toBe(1);
    expect(upstream.requests[0].params.symbols.split(',')).toHaveLength(100);
    const answered = cold.body.data!.quotes.filter((q) => q);
    expect(answered).toHaveLength(known.length);
    expect(answered.every((q) => q!.source === 'fmp')).toBe(true);
    // Warm, the same words again: the response cache answers, nothing is looked up.
    const warm = await execute(server.url, QuotesDocument, { apiKey, variables: { symbols } });
    expect(warm.headers.get('x-response-cache')).toBe('HIT');
    // Warm, other words for the same quotes: 100 market-cache hits, no upstream call.
    await gql(server.url, 'query Q($s: [String!]!) { quotes(symbols: $s) { price symbol } }', {
      apiKey,
      variables: { s: symbols },
    });
    expect(upstream.count()).toBe(1);

    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    // The second wording: 100 hits (the cold one missed all 100).
    expect(metrics).toMatch(/yieldflow_cache_lookups_total\{kind="quote",result="hit"\} 100\b/);
    expect(metrics).toMatch(/yieldflow_upstream_requests_total\{provider="fmp",outcome="ok"\} 1/);
  });

  it('refuses an operation costing more than the plan allows before running it', async () => {
    const before = upstream.count();
    const symbols = JSON.stringify(Array.from({ length: 100 }, (_, i) => `S${i}`));
    const card =
      '{ symbol quote { price } history { close } financials { revenue } metrics { beta } }';
    // 100 companies x (1 + 1 + 5 + 3 + 10) = 2,000 per alias; PRO allows 5,000.
    const aliases = [1, 2, 3].map((i) => `c${i}: companies(symbols: ${symbols}) ${card}`).join(' ');
    const response = await gql(server.url, `{ ${aliases} }`, { apiKey });
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors![0].extensions).toMatchObject({ cost: 6000, maxCost: 5000 });
    expect(response.body.data ?? null).toBeNull();
    expect(upstream.count()).toBe(before);

    const cheap = await gql(server.url, '{ quote(symbol: "AAPL") { price } }', { apiKey });
    expect((cheap.body as { extensions?: unknown }).extensions).toEqual({
      cost: { requested: 1, maximum: 5000 },
    });
  });

  it('values a portfolio with one batched quote call for all its holdings', async () => {
    const created = await gql<{ createPortfolio: { id: string } }>(
      server.url,
      'mutation { createPortfolio(name: "batch") { id } }',
      { apiKey },
    );
    const id = created.body.data!.createPortfolio.id;
    const csv = [
      'date,type,symbol,quantity,price',
      ...['AMD', 'QCOM', 'TXN', 'ORCL'].map((s) => `2024-01-02,BUY,${s},1,100`),
    ].join('\n');
    await gql(
      server.url,
      `mutation($csv: String!) { importTransactions(portfolioId: "${id}", csv: $csv) { imported } }`,
      {
        apiKey,
        variables: { csv },
      },
    );
    // Whatever the import cached, quotes included, is past the 5 s quote TTL now.
    clock.advance(5_001);
    const before = upstream.count('/stable/batch-quote') + upstream.count('/stable/quote');
    const response = await gql<{ portfolio: { holdings: Array<{ symbol: string }> } }>(
      server.url,
      `{ portfolio(id: "${id}") { holdings { symbol marketValue } valuation { marketValue dayChange } } }`,
      { apiKey },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.portfolio.holdings).toHaveLength(4);
    expect(upstream.count('/stable/batch-quote') + upstream.count('/stable/quote') - before).toBe(
      1,
    );
  });

  it('makes no upstream call for a malformed symbol', async () => {
    const before = upstream.count();
    const response = await execute(server.url, QuotesDocument, {
      apiKey,
      variables: { symbols: ['GOOD', 'bad symbol'] },
    });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(upstream.count()).toBe(before);
  });
});
