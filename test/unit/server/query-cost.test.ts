import { parse } from 'graphql';
import { buildYieldflowSchema } from '../../../src/schema/build-schema';
import { queryCost } from '../../../src/server/query-cost';

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
