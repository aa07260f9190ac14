import { accountKey } from '../fixtures/account-key';
import { ARGUMENT_LIMITS } from '../../src/domain/argument-limits';
import { MAX_JSON_DEPTH } from '../../src/server/json-depth';
import { gql, type GraphQLResponse } from '../helpers/graphql';
import { liveClient } from '../helpers/live-client';
import { waitFor } from '../helpers/wait';
import { startTestServer, type TestServer } from '../helpers/server';

/** One argument at an extreme: the operation, its variables, and the code it must get. */
interface Extreme {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  code?: string;
}

const LONG = 'x'.repeat(100_000);
const MANY = Array.from({ length: 10_000 }, (_, i) => `S${i}`);
const INTS = [-1, 2_147_483_647, 2_147_483_648, -2_147_483_649, 9_007_199_254_740_992, 1e300];
const NOT_INTS: unknown[] = [1.5, 'NaN', 'Infinity', '1e309', '', true, [1]];
const NOT_DATES = [
  '',
  '   ',
  'NaN',
  'Infinity',
  '1e309',
  '2024-02-30',
  '99999-01-01',
  LONG,
  20240101,
];

/** An Int argument given as a variable at every extreme, and as a literal out of range. */
function intExtremes(
  name: string,
  selection: (arg: string) => string,
  operation: 'query' | 'mutation' = 'query',
): Extreme[] {
  const asVariable = (value: unknown) => ({
    name: `${name} = ${JSON.stringify(value).slice(0, 30)}`,
    query: `${operation}($v: Int!) ${selection('$v')}`,
    variables: { v: value },
  });
  return [
    ...INTS.map(asVariable),
    ...NOT_INTS.map(asVariable),
    { name: `${name} literal 2147483648`, query: `${operation} ${selection('2147483648')}` },
    { name: `${name} literal -1`, query: `${operation} ${selection('-1')}` },
  ];
}

/** A string argument empty, blank and over-long, given as `$v` to `operation`. */
function stringExtremes(name: string, operation: (arg: string) => string): Extreme[] {
  return ['', '   \t ', LONG].map((value) => ({
    name: `${name} = ${JSON.stringify(value.slice(0, 8))} (${value.length})`,
    query: operation('$v'),
    variables: { v: value },
  }));
}

describe('every argument at its extremes is refused as input, never 5xx', () => {
  let server: TestServer;
  let apiKey: string;
  let portfolioId: string;
  let apiKeyId: string;

  beforeAll(async () => {
    server = await startTestServer();
    // Every field at once, keys' and plans' included: a key that manages the account.
    apiKey = await accountKey(server);
    const created = await gql<{ createPortfolio: { id: string } }>(
      server.url,
      'mutation { createPortfolio(name: "Extremes") { id } }',
      { apiKey },
    );
    portfolioId = created.body.data!.createPortfolio.id;
    const keys = await gql<{ apiKeys: Array<{ id: string }> }>(server.url, '{ apiKeys { id } }', {
      apiKey,
    });
    apiKeyId = keys.body.data!.apiKeys[0].id;
  });
  afterAll(() => server.close());

  const cases = (): Extreme[] => [
    ...intExtremes(
      'searchCompanies(limit:)',
      (v) => `{ searchCompanies(query: "a", limit: ${v}) { symbol } }`,
    ),
    ...intExtremes(
      'financials(limit:)',
      (v) => `{ company(symbol: "AAPL") { financials(limit: ${v}) { revenue } } }`,
    ),
    ...intExtremes(
      'rotateApiKey(gracePeriodSeconds:)',
      (v) => `{ rotateApiKey(id: "${apiKeyId}", gracePeriodSeconds: ${v}) { id } }`,
      'mutation',
    ),
    {
      name: 'searchCompanies(limit: 0)',
      query: '{ searchCompanies(query: "a", limit: 0) { symbol } }',
    },
    {
      name: 'searchCompanies(limit: max + 1)',
      query: `{ searchCompanies(query: "a", limit: ${ARGUMENT_LIMITS.searchLimit.max + 1}) { symbol } }`,
    },
    ...intExtremes(
      'Portfolio.transactions(first:)',
      (v) => `{ portfolio(id: "${portfolioId}") { transactions(first: ${v}) { totalCount } } }`,
    ),
    {
      name: 'Portfolio.transactions(first: 501)',
      query: `{ portfolio(id: "${portfolioId}") { transactions(first: 501) { totalCount } } }`,
    },
    ...stringExtremes(
      'Portfolio.transactions(after:)',
      (v) =>
        `query($v: String) { portfolio(id: "${portfolioId}") { transactions(after: ${v}) { totalCount } } }`,
    ),
    {
      name: 'financials(limit: 0)',
      query: '{ company(symbol: "AAPL") { financials(limit: 0) { revenue } } }',
    },
    {
      name: 'financials(limit: 9)',
      query: '{ company(symbol: "AAPL") { financials(limit: 9) { revenue } } }',
    },
    ...stringExtremes(
      'searchCompanies(query:)',
      (v) => `query($v: String!) { searchCompanies(query: ${v}) { symbol } }`,
    ),
    ...stringExtremes(
      'company(symbol:)',
      (v) => `query($v: String!) { company(symbol: ${v}) { name } }`,
    ),
    ...stringExtremes(
      'quote(symbol:)',
      (v) => `query($v: String!) { quote(symbol: ${v}) { price } }`,
    ),
    ...stringExtremes(
      'metrics(benchmark:)',
      (v) => `query($v: String!) { company(symbol: "AAPL") { metrics(benchmark: ${v}) { beta } } }`,
    ),
    ...stringExtremes(
      'Performance.benchmark(symbol:)',
      (v) =>
        `query($v: String!) { portfolio(id: "${portfolioId}") { performance { benchmark(symbol: ${v}) { beta } } } }`,
    ),
    ...stringExtremes(
      'createPortfolio(name:)',
      (v) => `mutation($v: String!) { createPortfolio(name: ${v}) { id } }`,
    ),
    ...stringExtremes(
      'createPortfolio(baseCurrency:)',
      (v) => `mutation($v: String!) { createPortfolio(name: "x", baseCurrency: ${v}) { id } }`,
    ),
    ...stringExtremes(
      'renamePortfolio(name:)',
      (v) => `mutation($v: String!) { renamePortfolio(id: "${portfolioId}", name: ${v}) { id } }`,
    ),
    ...stringExtremes(
      'createApiKey(name:)',
      (v) => `mutation($v: String!) { createApiKey(name: ${v}) { id } }`,
    ),
    {
      name: 'companies(symbols:) 10,000',
      query: 'query($v: [String!]!) { companies(symbols: $v) { name } }',
      variables: { v: MANY },
    },
    {
      name: 'companies(symbols:) 101',
      query: 'query($v: [String!]!) { companies(symbols: $v) { name } }',
      variables: { v: MANY.slice(0, 101) },
    },
    {
      name: 'companies(symbols:) [""]',
      query: 'query($v: [String!]!) { companies(symbols: $v) { name } }',
      variables: { v: [''] },
    },
    {
      name: 'companies(symbols:) [long]',
      query: 'query($v: [String!]!) { companies(symbols: $v) { name } }',
      variables: { v: [LONG] },
    },
    {
      name: 'quotes(symbols:) 10,000',
      query: 'query($v: [String!]!) { quotes(symbols: $v) { price } }',
      variables: { v: MANY },
    },
    {
      name: 'quotes(symbols:) ["  "]',
      query: 'query($v: [String!]!) { quotes(symbols: $v) { price } }',
      variables: { v: ['  '] },
    },
    {
      name: 'createApiKey(scopes:) 10,000',
      query: 'mutation($v: [String!]) { createApiKey(name: "k", scopes: $v) { id } }',
      variables: { v: MANY },
    },
    {
      name: 'createApiKey(allowedIps:) 10,000',
      query: 'mutation($v: [String!]) { createApiKey(name: "k", allowedIps: $v) { id } }',
      variables: { v: MANY },
    },
    ...['requestsPerMinute', 'requestsPerDay'].flatMap((arg) =>
      [0, ...INTS, ...NOT_INTS].map((v) => ({
        name: `createApiKey(${arg}: ${JSON.stringify(v).slice(0, 12)})`,
        query: `mutation($v: Int) { createApiKey(name: "k", ${arg}: $v) { secret } }`,
        variables: { v },
      })),
    ),
    ...[0, -1, 1_000_000, 1.5].map((v) => ({
      name: `securityEvents(first: ${v})`,
      query: 'query($v: Int!) { securityEvents(first: $v) { nodes { id } } }',
      variables: { v },
    })),
    {
      name: 'securityEvents(ip:) 100,000 characters',
      query: 'query($v: String) { securityEvents(ip: $v) { nodes { id } } }',
      variables: { v: LONG },
    },
    {
      name: 'unblock(ip:) 100,000 characters',
      query: 'mutation($v: String) { unblock(ip: $v) }',
      variables: { v: LONG },
    },
    ...['NaN', 'Infinity', '', '275760-09-14T00:00:00Z', LONG].map((v) => ({
      name: `createApiKey(expiresAt: ${v.slice(0, 12)})`,
      query: 'mutation($v: DateTimeISO) { createApiKey(name: "k", expiresAt: $v) { id } }',
      variables: { v },
    })),
    ...NOT_DATES.flatMap((v) => [
      {
        name: `history(from: ${String(v).slice(0, 12)})`,
        query: 'query($v: Date) { company(symbol: "AAPL") { history(from: $v) { close } } }',
        variables: { v },
      },
      {
        name: `usage(to: ${String(v).slice(0, 12)})`,
        query: 'query($v: Date) { usage(to: $v) { requests } }',
        variables: { v },
      },
      {
        name: `performance(from: ${String(v).slice(0, 12)})`,
        query: `query($v: Date) { portfolio(id: "${portfolioId}") { performance(from: $v) { timeWeightedReturn } } }`,
        variables: { v },
      },
    ]),
    {
      name: 'history(from: 0001-01-01)',
      query: '{ company(symbol: "AAPL") { history(from: "0001-01-01") { close } } }',
      // Priced by the range asked, which is over PRO's cost before it is over its range.
      code: 'QUERY_TOO_COMPLEX',
    },
    {
      // About 2,000 levels exhaust graphql-js' recursive parser before its token limit.
      name: 'a document 2,400 selections deep, within the token limit',
      query: `{ ${'a { '.repeat(2_400)}b${' }'.repeat(2_400)} }`,
      code: 'QUERY_TOO_COMPLEX',
    },
    { name: 'usage(from: 0001-01-01)', query: '{ usage(from: "0001-01-01") { requests } }' },
    ...[
      'NaN',
      'Infinity',
      '-Infinity',
      '1e309',
      '',
      '   ',
      '1'.repeat(30),
      `0.${'1'.repeat(20)}`,
      LONG,
      '0x10',
    ].map((v) => ({
      name: `addTransaction(quantity: ${v.slice(0, 12)})`,
      query: `mutation($v: String) { addTransaction(portfolioId: "${portfolioId}", input: { type: BUY, date: "2024-01-02", symbol: "AAPL", quantity: $v, price: "1" }) { id } }`,
      variables: { v },
    })),
  ];

  it('answers 400 with BAD_USER_INPUT (or the documented code) for each', async () => {
    const failures: string[] = [];
    for (const extreme of cases()) {
      const response: GraphQLResponse = await gql(server.url, extreme.query, {
        apiKey,
        variables: extreme.variables,
      });
      const codes = (response.body.errors ?? []).map((e) => e.extensions?.code);
      const ok =
        response.status === 400 &&
        codes.length > 0 &&
        codes.every((c) => c === (extreme.code ?? 'BAD_USER_INPUT'));
      if (!ok) {
        failures.push(
          `${extreme.name}: ${response.status} ${JSON.stringify(codes)} ${response.body.errors?.[0]?.message?.slice(0, 120) ?? JSON.stringify(response.body.data).slice(0, 120)}`,
        );
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('refuses JSON nested deeper than MAX_JSON_DEPTH in a body, used or not, with 400', async () => {
    const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const query = JSON.stringify('query($v: [String!]!) { companies(symbols: $v) { name } }');
    const bodies = [
      `{"query":${query},"variables":{"v":["KO"],"unused":${deep(200_000)}}}`,
      `{"query":"{ plans { name } }","variables":{"w":${deep(MAX_JSON_DEPTH)}}}`,
      `{"query":"{ plans { name } }","extensions":{"e":${deep(100_000)}}}`,
    ];
    for (const body of bodies) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body,
      });
      const answer = (await response.json()) as GraphQLResponse['body'];
      expect({ status: response.status, code: answer.errors?.[0]?.extensions?.code }).toEqual({
        status: 400,
        code: 'BAD_USER_INPUT',
      });
      expect(answer.errors![0].message).toMatch(/deeper than 32 levels/);
    }
    // At the limit (the body and `variables` are two levels), and brackets inside
    // strings, which are text, not nesting.
    const atLimit = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: `{"query":"{ plans { name } }","variables":{"w":${deep(MAX_JSON_DEPTH - 2)}}}`,
    });
    expect(atLimit.status).toBe(200);
    const inString = await gql(server.url, '{ plans { name } }', {
      apiKey,
      variables: { w: '['.repeat(100_000) },
    });
    expect(inString.status).toBe(200);
  });

  it('refuses subscription arguments at their extremes over WebSocket, before subscribing', async () => {
    const live = liveClient(server.url, { apiKey });
    try {
      const { throttleMs, liveSymbols } = ARGUMENT_LIMITS;
      const refused = [
        live.subscribe('subscription { quotes(symbols: ["KO"], throttleMs: -1) { price } }'),
        live.subscribe(
          `subscription { quotes(symbols: ["KO"], throttleMs: ${throttleMs.max + 1}) { price } }`,
        ),
        live.subscribe(
          'subscription($t: Int) { quotes(symbols: ["KO"], throttleMs: $t) { price } }',
          {
            t: 9_007_199_254_740_992,
          },
        ),
        live.subscribe('subscription { quotes(symbols: []) { price } }'),
        live.subscribe('subscription($s: [String!]!) { quotes(symbols: $s) { price } }', {
          s: Array.from({ length: liveSymbols.max + 1 }, (_, i) => `S${i}`),
        }),
        live.subscribe(
          `subscription { portfolioValuation(id: "${portfolioId}", throttleMs: -1) { marketValue } }`,
        ),
      ];
      await waitFor(() => refused.every((s) => s.errors.length > 0), 10_000, 'every refusal');
      for (const subscription of refused) {
        expect(subscription.events).toEqual([]);
        expect(subscription.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      }
      expect(refused[1].errors[0].message).toBe(
        `quotes(throttleMs:) must be between 0 and ${throttleMs.max}; got ${throttleMs.max + 1}`,
      );
    } finally {
      await live.dispose();
    }
  });

  it('reports a CSV amount with more digits than stored on its line, not at the database', async () => {
    const csv = `date,type,amount\n2024-01-02,DEPOSIT,${'9'.repeat(19)}\n2024-01-03,DEPOSIT,0.${'1'.repeat(11)}\n2024-01-04,DEPOSIT,${'9'.repeat(18)}.5`;
    const response = await gql<{
      importTransactions: { imported: number; errors: Array<{ line: number; message: string }> };
    }>(
      server.url,
      `mutation($csv: String!) { importTransactions(portfolioId: "${portfolioId}", csv: $csv) { imported errors { line message } } }`,
      { apiKey, variables: { csv } },
    );
    expect(response.status).toBe(200);
    expect(response.body.data!.importTransactions).toEqual({
      imported: 1,
      errors: [
        { line: 2, message: expect.stringMatching(/more than 18 digits before the decimal point/) },
        { line: 3, message: expect.stringMatching(/more than 10 digits after the decimal point/) },
      ],
    });
  });

  it('keeps 200 when part of the answer is good', async () => {
    const response = await gql(server.url, '{ plans { name } quote(symbol: "$$$") { price } }', {
      apiKey,
    });
    expect(response.status).toBe(200);
    expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
