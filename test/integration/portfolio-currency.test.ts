import { accountKey } from '../fixtures/account-key';
import { gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

interface Holding {
  symbol: string;
  currency: string;
  fxRate: number;
  costBasis: number;
  marketValue: number;
  unrealizedPnl: number;
  unrealizedFxPnl: number;
  local: { currency: string; costBasis: number; marketValue: number };
}

/** A portfolio holding a rupee and a dollar listing, valued in one base currency (simulator). */
describe('portfolios in a base currency', () => {
  let server: TestServer;
  let apiKey: string;

  const call = async <T>(query: string, variables?: Record<string, unknown>) => {
    const response = await gql<T>(server.url, query, { apiKey, variables });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!;
  };
  const rate = async (from: string, to: string, date?: string) =>
    (
      await call<{ fxRate: { rate: number } }>(
        'query($f: String!, $t: String!, $d: Date) { fxRate(from: $f, to: $t, date: $d) { rate } }',
        { f: from, t: to, d: date },
      )
    ).fxRate.rate;
  const portfolioIn = async (baseCurrency: string, entries: Array<Record<string, unknown>>) => {
    const { createPortfolio } = await call<{ createPortfolio: { id: string } }>(
      'mutation($n: String!, $c: String!) { createPortfolio(name: $n, baseCurrency: $c) { id } }',
      { n: `In ${baseCurrency}`, c: baseCurrency },
    );
    for (const input of entries) {
      await call(
        'mutation($p: ID!, $i: TransactionInput!) { addTransaction(portfolioId: $p, input: $i) { id } }',
        { p: createPortfolio.id, i: input },
      );
    }
    return createPortfolio.id;
  };
  const read = (id: string) =>
    call<{
      portfolio: {
        holdings: Holding[];
        valuation: { marketValue: number; costBasis: number; cash: number; currencyPnl: number };
        allocation: Array<{ key: string; marketValue: number }>;
      };
    }>(
      `query($id: ID!) { portfolio(id: $id) {
        holdings { symbol currency fxRate costBasis marketValue unrealizedPnl unrealizedFxPnl
                   local { currency costBasis marketValue } }
        valuation { marketValue costBasis cash currencyPnl }
        allocation(by: CURRENCY) { key marketValue } } }`,
      { id },
    );

  beforeAll(async () => {
    server = await startTestServer();
    apiKey = await accountKey(server);
  });
  afterAll(() => server.close());

  it('converts rupees to dollars: cost at the buy date, value at today, the rupee part apart', async () => {
    const id = await portfolioIn('USD', [
      { type: 'DEPOSIT', date: '2024-01-02', amount: 10000 },
      { type: 'BUY', date: '2024-01-03', symbol: 'INFY', quantity: 10, price: 1500 },
      { type: 'BUY', date: '2024-01-03', symbol: 'AAPL', quantity: 5, price: 180 },
    ]);
    const atBuy = await rate('INR', 'USD', '2024-01-03');
    const today = await rate('INR', 'USD');
    expect(atBuy).toBeGreaterThan(0.005);
    expect(atBuy).toBeLessThan(0.03);
    expect(today).not.toBe(atBuy);

    const { portfolio } = await read(id);
    const infy = portfolio.holdings.find((h) => h.symbol === 'INFY')!;
    const aapl = portfolio.holdings.find((h) => h.symbol === 'AAPL')!;
    expect(infy).toMatchObject({ currency: 'INR', local: { currency: 'INR', costBasis: 15000 } });
    expect(infy.fxRate).toBeCloseTo(today, 12);
    expect(infy.costBasis).toBeCloseTo(15000 * atBuy, 8);
    expect(infy.marketValue).toBeCloseTo(infy.local.marketValue * today, 8);
    expect(infy.unrealizedFxPnl).toBeCloseTo(15000 * today - 15000 * atBuy, 8);
    expect(aapl).toMatchObject({ currency: 'USD', fxRate: 1, costBasis: 900, unrealizedFxPnl: 0 });
    expect(aapl.marketValue).toBe(aapl.local.marketValue);

    const { valuation } = portfolio;
    expect(valuation.marketValue).toBeCloseTo(infy.marketValue + aapl.marketValue, 8);
    expect(valuation.costBasis).toBeCloseTo(15000 * atBuy + 900, 8);
    expect(valuation.cash).toBeCloseTo(10000 - 15000 * atBuy - 900, 8);
    expect(valuation.currencyPnl).toBeCloseTo(infy.unrealizedFxPnl, 8);
    expect(Object.fromEntries(portfolio.allocation.map((s) => [s.key, s.marketValue]))).toEqual({
      INR: infy.marketValue,
      USD: aapl.marketValue,
    });
  });

  it('converts dollars to rupees in a rupee portfolio, at the inverse rate', async () => {
    const id = await portfolioIn('INR', [
      { type: 'BUY', date: '2024-01-03', symbol: 'AAPL', quantity: 2, price: 180 },
    ]);
    const atBuy = await rate('USD', 'INR', '2024-01-03');
    expect(atBuy).toBeCloseTo(1 / (await rate('INR', 'USD', '2024-01-03')), 8);
    const { portfolio } = await read(id);
    const [aapl] = portfolio.holdings;
    expect(aapl.currency).toBe('USD');
    expect(aapl.fxRate).toBeCloseTo(await rate('USD', 'INR'), 8);
    expect(aapl.costBasis).toBeCloseTo(360 * atBuy, 6);
    expect(portfolio.valuation.cash).toBeCloseTo(-360 * atBuy, 6);
  });

  it('refuses a base currency no provider has rates for', async () => {
    const response = await gql(
      server.url,
      'mutation { createPortfolio(name: "Nowhere", baseCurrency: "XYZ") { id } }',
      { apiKey },
    );
    expect(response.body.errors?.map((e) => [e.extensions?.code, e.extensions?.argument])).toEqual([
      ['BAD_USER_INPUT', 'baseCurrency'],
    ]);
    expect(response.body.errors![0].message).toBe('No provider has exchange rates for XYZ');
  });
});
