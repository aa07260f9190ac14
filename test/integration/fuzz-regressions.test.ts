import { freeApiKey } from '../../scripts/fuzz/fuzz-target';
import { LiveTarget } from '../../scripts/fuzz/live-target';
import { fanOutFragments } from '../../scripts/fuzz/pathological-documents';
import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

/** Answers the fuzzer once got wrong, each pinned by a plain example. */
describe('what the fuzzer found', () => {
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    apiKey = await freeApiKey(server.url, 'regressions');
  });
  afterAll(() => server.close());

  // 100 companies of 1 + 10 (metrics) each: 1,100, over FREE's 500.
  const symbols = JSON.stringify(Array(100).fill('KO'));
  const overCost = `{ companies(symbols: ${symbols}) { symbol metrics { beta } } }`;

  it('refuses an operation over the plan cost with 400, not 500 (POST)', async () => {
    const response = await gql(server.url, overCost, { apiKey });
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.status).toBe(400);
  });

  it('refuses an operation over the plan cost with 400, not 500 (GET)', async () => {
    const url = new URL(server.url);
    url.searchParams.set('query', overCost);
    const response = await fetch(url, {
      headers: { 'x-api-key': apiKey, 'apollo-require-preflight': 'true' },
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.status).toBe(400);
  });

  it('refuses a subscription over HTTP with 400 BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async () => {
    const response = await gql(server.url, 'subscription { quotes(symbols: ["KO"]) { symbol } }', {
      apiKey,
    });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.status).toBe(400);
    expect(response.body.errors![0].message).toMatch(/WebSocket/);
  });

  it.each<{ label: string; query: string; variables: object; operationName?: string }>([
    {
      label: 'a required variable left out',
      query: 'query($s: [String!]!) { quotes(symbols: $s) { symbol } }',
      variables: {},
    },
    {
      label: 'a variable of the wrong type',
      query: 'query($s: String!) { quote(symbol: $s) { symbol } }',
      variables: { s: 1 },
    },
    {
      label: 'an unknown operation name',
      query: 'query A { plans { name } }',
      variables: {},
      operationName: 'B',
    },
    {
      label: 'several operations and no name',
      query: 'query A { plans { name } } query B { me { id } }',
      variables: {},
    },
  ])(
    'answers $label over WebSocket with BAD_USER_INPUT, not INTERNAL_SERVER_ERROR',
    async ({ query, variables, operationName }) => {
      const live = new LiveTarget(server.url.replace(/^http/, 'ws'), { apiKey });
      try {
        const outcome = await live.run({ query, variables, operationName }, 2_000);
        expect(outcome.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      } finally {
        live.close();
      }
    },
  );

  it('meters an operation refused for costing millions without failing the usage write', async () => {
    // Arguments are bounded now (limit 1-50): the costliest documents left are fragments
    // spread many times over lists of 100 symbols.
    const symbols = JSON.stringify(Array.from({ length: 100 }, (_, i) => `S${i}`));
    const document = fanOutFragments({
      root: '{ $ }',
      type: 'Query',
      levels: 11,
      leaf: `companies(symbols: ${symbols}) { metrics { beta } }`,
    });
    const response = await gql(server.url, document, { apiKey });
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    const requested = (response.body as { extensions?: { cost?: { requested: number } } })
      .extensions?.cost?.requested;
    expect(requested).toBe(2 ** 11 * 100 * 11);
    await server.app.services.usageRecorder.flush();
    const failures = server.logs.filter((line) =>
      String(line.msg).startsWith('usage write failed'),
    );
    expect(failures).toEqual([]);
  });

  it.each(['', 'tomorrow', 'A'.repeat(40)])(
    'answers a DateTimeISO variable %j that does not parse with 400 BAD_USER_INPUT',
    async (expiresAt) => {
      const response = await gql(
        server.url,
        'mutation($at: DateTimeISO) { createApiKey(expiresAt: $at, name: "k") { secret } }',
        { apiKey, variables: { at: expiresAt } },
      );
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.status).toBe(400);
    },
  );

  describe('refuses strings holding U+0000, which PostgreSQL cannot store', () => {
    const cases = [
      {
        label: 'in a literal (createPortfolio)',
        query: 'mutation { createPortfolio(name: "a\\u0000b") { id } }',
        variables: {},
      },
      {
        label: 'in a variable (login)',
        query:
          'mutation($e: String!) { login(email: $e, password: "whatever it is") { accessToken } }',
        variables: { e: '\u0000' },
      },
    ];

    it.each(cases)('over HTTP with 400 BAD_USER_INPUT: $label', async ({ query, variables }) => {
      const response = await gql(server.url, query, { apiKey, variables });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.status).toBe(400);
    });

    it.each(cases)('over WebSocket with BAD_USER_INPUT: $label', async ({ query, variables }) => {
      const live = new LiveTarget(server.url.replace(/^http/, 'ws'), { apiKey });
      try {
        const outcome = await live.run({ query, variables }, 2_000);
        expect(outcome.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      } finally {
        live.close();
      }
    });
  });

  it('answers an operation name the document lacks with 400 BAD_USER_INPUT over HTTP', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query: 'query uzz { __typename }', operationName: 'Fuzz' }),
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(response.status).toBe(400);
  });
});
