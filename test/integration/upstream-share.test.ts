import { startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

// Each FREE account may send two cache misses upstream a minute; quotes in real time so
// that one quote is one lookup.
const PLANS = JSON.stringify({ FREE: { upstreamLookupsPerMinute: 2, quoteDelayMinutes: 0 } });

/** A gateway whose one provider is a fake FMP, with `env` on top. */
async function onFakeFmp(env: Record<string, string>) {
  const upstream = await startFakeUpstream('fmp');
  const server = await startTestServer({
    MARKET_DATA_PROVIDERS: 'fmp',
    FMP_API_KEY: upstream.apiKey,
    FMP_BASE_URL: upstream.url,
    ...env,
  });
  return { upstream, server };
}

describe("an account's share of the upstream budget", () => {
  let upstream: FakeUpstream;
  let server: TestServer;
  let seq = 0;

  const signUp = async (): Promise<string> => {
    const response = await gql<{ register: { accessToken: string } }>(
      server.url,
      'mutation($e: String!) { register(email: $e, password: "correct horse battery") { accessToken } }',
      { variables: { e: `share${(seq += 1)}.${Date.now()}@example.com` } },
    );
    return response.body.data!.register.accessToken;
  };
  const quote = (token: string, symbol: string) =>
    gql<{ quote: { symbol: string; price: number } | null }>(
      server.url,
      'query($s: String!) { quote(symbol: $s) { symbol price } }',
      { variables: { s: symbol }, headers: { authorization: `Bearer ${token}` } },
    );

  beforeAll(async () => {
    ({ upstream, server } = await onFakeFmp({ PLANS }));
  });
  afterAll(async () => {
    await server.close();
    await upstream.close();
  });

  it('refuses one tenant past its share without an upstream call, and leaves the others theirs', async () => {
    const greedy = await signUp();
    const other = await signUp();

    expect((await quote(greedy, 'AAPL')).body.data?.quote?.symbol).toBe('AAPL');
    expect((await quote(greedy, 'MSFT')).body.data?.quote?.symbol).toBe('MSFT');
    const calls = upstream.requests.length;

    const refused = await quote(greedy, 'KO');
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.errors![0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      budget: 'upstreamLookups',
      limit: 2,
      retryAfter: expect.any(Number),
    });
    expect(refused.body.errors![0].extensions!.retryAfter as number).toBeGreaterThan(0);
    expect(upstream.requests.length).toBe(calls);

    // Cached data still answers the tenant whose share is spent.
    const cached = await quote(greedy, 'AAPL');
    expect(cached.body.errors).toBeUndefined();
    expect(cached.body.data?.quote?.symbol).toBe('AAPL');
    expect(upstream.requests.length).toBe(calls);

    // Another tenant's lookups go upstream as usual.
    for (const symbol of ['KO', 'PEP']) {
      const answer = await quote(other, symbol);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.quote?.symbol).toBe(symbol);
    }
    expect(upstream.requests.length).toBe(calls + 2);
  });

  it('counts the symbol checks of an import against the same share', async () => {
    const importer = await signUp();
    const fresh = await signUp();
    const importCsv = async (token: string) => {
      const headers = { authorization: `Bearer ${token}` };
      const created = await gql<{ createPortfolio: { id: string } }>(
        server.url,
        'mutation { createPortfolio(name: "Share") { id } }',
        { headers },
      );
      return gql<{ importTransactions: { imported: number } }>(
        server.url,
        'mutation($id: ID!, $csv: String!) { importTransactions(portfolioId: $id, csv: $csv, dryRun: true) { imported } }',
        {
          headers,
          variables: {
            id: created.body.data!.createPortfolio.id,
            csv: 'date,type,symbol,quantity,price\n2024-01-02,BUY,JNJ,1,100',
          },
        },
      );
    };
    for (const symbol of ['T', 'VZ']) expect((await quote(importer, symbol)).status).toBe(200);
    const calls = upstream.requests.length;
    const refused = await importCsv(importer);
    expect(refused.body.errors![0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      budget: 'upstreamLookups',
    });
    expect(upstream.requests.length).toBe(calls);
    // Another account's import checks its symbols upstream, on its own share.
    const answered = await importCsv(fresh);
    expect(answered.body.errors).toBeUndefined();
    expect(upstream.requests.length).toBeGreaterThan(calls);
  });
});

describe('a provider that declares its symbol list (FMP_SYMBOL_LIST)', () => {
  let upstream: FakeUpstream;
  let server: TestServer;

  beforeAll(async () => {
    ({ upstream, server } = await onFakeFmp({
      FMP_SYMBOL_LIST: 'AAPL, msft',
      // One lookup a minute: unlisted symbols must not spend it.
      PLANS: JSON.stringify({ PRO: { upstreamLookupsPerMinute: 1 } }),
    }));
  });
  afterAll(async () => {
    await server.close();
    await upstream.close();
  });

  it('answers unlisted symbols as unknown without calling it', async () => {
    const apiKey = server.app.demo!.apiKey;
    const before = upstream.requests.length;
    const unlisted = await gql<{ quote: unknown; company: unknown }>(
      server.url,
      '{ quote(symbol: "ZZZQ") { price } company(symbol: "ZZZQ") { name history(from: "2024-01-02", to: "2024-02-01") { close } } }',
      { apiKey },
    );
    expect(unlisted.body.errors).toBeUndefined();
    expect(unlisted.body.data).toEqual({ quote: null, company: null });
    expect(upstream.requests.length).toBe(before);
    const more = await gql(server.url, '{ quotes(symbols: ["ZZZA", "ZZZB"]) { symbol } }', {
      apiKey,
    });
    expect(more.body.errors).toBeUndefined();
    expect(upstream.requests.length).toBe(before);

    const mixed = await gql<{ quotes: Array<{ symbol: string } | null> }>(
      server.url,
      '{ quotes(symbols: ["AAPL", "ZZZQ", "MSFT"]) { symbol } }',
      { apiKey },
    );
    expect(mixed.body.errors).toBeUndefined();
    expect(mixed.body.data!.quotes.map((q) => q?.symbol ?? null)).toEqual(['AAPL', null, 'MSFT']);
    const asked = upstream.requests.slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.map((r) => JSON.stringify(r.params)).join(' ')).not.toContain('ZZZQ');
  });
});
