import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

const SYMBOLS = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'META', 'NVDA', 'TSLA', 'JPM', 'V', 'MA'];

describe('work that grows with data is priced before it runs', () => {
  let server: TestServer;
  let auth: { headers: Record<string, string> };
  let portfolioId: string;

  beforeAll(async () => {
    server = await startTestServer();
    // A FREE account (500 per operation).
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      'mutation { register(email: "prices@example.com", password: "correct horse battery") { accessToken } }',
    );
    auth = { headers: { authorization: `Bearer ${registered.body.data!.register.accessToken}` } };
    const created = await gql<{ createPortfolio: { id: string } }>(
      server.url,
      'mutation { createPortfolio(name: "Priced") { id } }',
      auth,
    );
    portfolioId = created.body.data!.createPortfolio.id;
  });
  afterAll(() => server.close());

  const cost = (response: Awaited<ReturnType<typeof gql>>) =>
    (response.body as { extensions?: { cost?: { requested: number } } }).extensions?.cost
      ?.requested;
  const ask = (selection: string) =>
    gql(server.url, `query($id: ID!) { portfolio(id: $id) { ${selection} } }`, {
      ...auth,
      variables: { id: portfolioId },
    });

  it('prices risk by holdings squared: refused once the ledger has grown, at once', async () => {
    const risks = 'a: risk { beta } b: risk { beta } c: risk { beta }';
    const empty = await ask(risks);
    expect(empty.status).toBe(200);
    expect(cost(empty)).toBe(1 + 3 * 10);

    const csv = [
      'date,type,symbol,quantity,price,fee,amount',
      '2025-01-02,DEPOSIT,,,,,1000000',
      ...SYMBOLS.flatMap((symbol) => [`2025-01-03,BUY,${symbol},1,10,0,`]),
    ].join('\n');
    const imported = await gql<{ importTransactions: { imported: number } }>(
      server.url,
      'mutation($id: ID!, $csv: String!) { importTransactions(portfolioId: $id, csv: $csv) { imported } }',
      { ...auth, variables: { id: portfolioId, csv } },
    );
    expect(imported.body.data!.importTransactions.imported).toBe(SYMBOLS.length + 1);

    // 10 symbols: each risk costs 10 + 10^2 / 20 = 15, read at once after the import.
    const one = await ask('risk { beta }');
    expect(cost(one)).toBe(1 + 15);
    const holdings = await ask('holdings { symbol company { name } }');
    expect(cost(holdings)).toBe(1 + 10 * 2);
    // performance: 10 + days since 2025-01-02 x 10 symbols / 2,000 + 12 entries / 500.
    const days =
      Math.floor(
        (Date.parse(new Date().toISOString().slice(0, 10)) - Date.parse('2025-01-02')) / 86_400_000,
      ) + 1;
    const performance = await ask('performance { timeWeightedReturn }');
    expect(cost(performance)).toBe(1 + 10 + Math.ceil((days * 10) / 2_000) + 1);

    // Forty copies of risk now cost 1 + 40 x 15 = 601, over FREE's 500: nothing runs.
    const many = Array.from({ length: 20 }, (_, i) => `r${i}: risk { beta }`).join(' ');
    const twenty = await ask(many);
    expect(twenty.status).toBe(200);
    const forty = await gql(
      server.url,
      `query($id: ID!) { p: portfolio(id: $id) { ${many} } q: portfolio(id: $id) { ${many} } }`,
      { ...auth, variables: { id: portfolioId } },
    );
    expect(forty.status).toBe(400);
    expect(codes(forty)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('pages the ledger with first and after, with a total count', async () => {
    type Page = {
      portfolio: {
        transactions: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          edges: Array<{ cursor: string; node: { id: string; type: string } }>;
        };
      };
    };
    const page = (first: number, after: string | null) =>
      gql<Page>(
        server.url,
        `query($id: ID!, $first: Int!, $after: String) { portfolio(id: $id) {
          transactions(first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id type } } } } }`,
        { ...auth, variables: { id: portfolioId, first, after } },
      );
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const response: Awaited<ReturnType<typeof page>> = await page(5, after);
      expect(response.body.errors).toBeUndefined();
      const { transactions } = response.body.data!.portfolio;
      expect(transactions.totalCount).toBe(SYMBOLS.length + 1);
      seen.push(...transactions.edges.map((edge) => edge.node.id));
      if (!transactions.pageInfo.hasNextPage) break;
      after = transactions.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(SYMBOLS.length + 1);
    expect(new Set(seen).size).toBe(seen.length);

    for (const [first, bad] of [
      [0, null],
      [501, null],
      [-1, null],
      [5, 'not-a-cursor'],
    ] as const) {
      const refused = await page(first, bad);
      expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    }
    const huge = await page(2 ** 31 - 1, null);
    expect(huge.status).toBe(400);
    expect(codes(huge)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
