import { parse } from 'graphql';
import { buildYieldflowSchema } from '../../../src/schema/build-schema';
import { EMPTY_LEDGER, type LedgerSizes } from '../../../src/domain/query-prices';
import { priceOperation, queryCost } from '../../../src/server/query-cost';

describe('queryCost', () => {
  let schema: Awaited<ReturnType<typeof buildYieldflowSchema>>;
  beforeAll(async () => {
    schema = await buildYieldflowSchema();
  });
  const cost = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
    queryCost(schema, parse(query), operationName, variables);

  it('charges each field its declared cost, scalars nothing, introspection nothing', () => {
    expect(cost('{ quote(symbol: "AAPL") { price symbol } }')).toBe(1);
    expect(cost('{ company(symbol: "AAPL") { name quote { price } history { close } } }')).toBe(
      1 + 1 + 5,
    );
    expect(cost('{ company(symbol: "AAPL") { metrics { beta } financials { revenue } } }')).toBe(
      1 + 10 + 3,
    );
    expect(cost('{ __schema { types { name } } }')).toBe(0);
  });

  it('multiplies list fields, and everything under them, by their size argument', () => {
    const card = '{ symbol quote { price } metrics { beta } }'; // 1 + 1 + 10 per company
    expect(cost(`{ companies(symbols: ["A", "B", "C"]) ${card} }`)).toBe(3 * 12);
    expect(
      cost(`query Q($s: [String!]!) { companies(symbols: $s) ${card} }`, { s: ['A', 'B'] }),
    ).toBe(24);
    expect(cost('{ quotes(symbols: ["A", "B"]) { price } }')).toBe(2);
    // searchCompanies: 5 per result, limit defaulting to 10.
    expect(cost('{ searchCompanies(query: "a") { symbol } }')).toBe(50);
    expect(cost('{ searchCompanies(query: "a", limit: 2) { symbol quote { price } } }')).toBe(
      2 * 6,
    );
  });

  it('counts aliases and fragments, and prices only the operation asked for', () => {
    const query = `
      query A { a: quote(symbol: "A") { price } b: quote(symbol: "B") { ...Q } }
      query B { company(symbol: "A") { ... on Company { history { close } } } }
      fragment Q on Quote { price }`;
    expect(cost(query, {}, 'A')).toBe(2);
    expect(cost(query, {}, 'B')).toBe(6);
  });

  it('prices each fragment once, so fragments spreading each other cost linear time', () => {
    let query = '{ ...F0 }\n';
    for (let i = 0; i < 60; i += 1)
      query += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
    query += 'fragment F60 on Query { quote(symbol: "A") { price } }';
    const started = performance.now();
    // 2^60 quotes when written out; the old walk followed every spread and never returned.
    expect(cost(query)).toBe(2 ** 60);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('data-driven prices', () => {
  let schema: Awaited<ReturnType<typeof buildYieldflowSchema>>;
  beforeAll(async () => {
    schema = await buildYieldflowSchema();
  });
  const today = '2026-12-01';
  const price = (query: string, sizes = EMPTY_LEDGER, variables = {}) =>
    priceOperation(schema, parse(query), undefined, variables, { sizes, today });
  const big: LedgerSizes = { transactions: 10_000, symbols: 40, days: 3_650 };

  it('prices holdings, valuation, risk and performance by the ledger, and says it read it', () => {
    const query = (field: string) => `{ portfolio(id: "x") { ${field} } }`;
    expect(price(query('name'))).toEqual({ cost: 1, readsLedger: false });
    expect(price(query('holdings { symbol }'), big)).toEqual({ cost: 1 + 40, readsLedger: true });
    expect(price(query('holdings { company { name } }'), big).cost).toBe(1 + 40 * 2);
    expect(price(query('valuation { marketValue }'), big).cost).toBe(1 + 5 + 4);
    expect(price(query('risk { beta }'), big).cost).toBe(1 + 10 + (40 * 40) / 20);
    // 3,650 days x 40 symbols / 2,000, and 10,000 entries / 500.
    expect(price(query('performance { timeWeightedReturn }'), big).cost).toBe(1 + 10 + 73 + 20);
    // A range asked for prices its own days: 2026-01-01..2026-12-01 is 335 days.
    expect(
      price(query('performance(from: "2026-01-01", to: "2026-12-01") { timeWeightedReturn }'), big)
        .cost,
    ).toBe(1 + 10 + Math.ceil((335 * 40) / 2_000) + 20);
    expect(price(query('risk { beta }')).cost).toBe(1 + 10);
  });

  it('prices a page of transactions by its size, and history by its range', () => {
    const page = (args: string) => `{ portfolio(id: "x") { transactions${args} { totalCount } } }`;
    expect(price(page('')).cost).toBe(1 + 1 + 2);
    expect(price(page('(first: 500)')).cost).toBe(1 + 1 + 10);
    expect(price(page('(first: 500)')).readsLedger).toBe(false);
    const history = (args: string) => `{ company(symbol: "A") { history${args} { close } } }`;
    expect(price(history('')).cost).toBe(1 + 5);
    expect(price(history('(from: "2016-12-02", to: "2026-12-01")')).cost).toBe(1 + 1 + 40);
  });
});
