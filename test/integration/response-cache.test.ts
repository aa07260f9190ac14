import { gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

/** A metric's value from GET /metrics (0 when absent). */
async function metric(server: TestServer, line: RegExp): Promise<number> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const match = text.split('\n').find((l) => line.test(l));
  return match ? Number(match.split(' ').at(-1)) : 0;
}
const lookups = (server: TestServer) =>
  metric(server, /^yieldflow_cache_lookups_total\{kind="quote"/);
const parsed = (server: TestServer) => metric(server, /^yieldflow_graphql_documents_parsed_total /);

describe('the HTTP fast path', () => {
  let server: TestServer;
  let apiKey: string;
  beforeAll(async () => {
    server = await startTestServer();
    apiKey = server.app.demo!.apiKey;
  });
  afterAll(() => server.close());

  const QUERY = 'query Q($s: String!) { quote(symbol: $s) { symbol price timestamp } }';

  it('answers an identical cacheable query from the response cache without running resolvers', async () => {
    const first = await gql(server.url, QUERY, { apiKey, variables: { s: 'KO' } });
    expect(first.headers.get('x-response-cache')).toBe('MISS');
    const before = await lookups(server);
    // The same document, spaced differently: the same entry.
    const second = await gql(server.url, QUERY.replace(/ /g, '  '), {
      apiKey,
      variables: { s: 'KO' },
    });
    expect(second.headers.get('x-response-cache')).toBe('HIT');
    expect(second.body.data).toEqual(first.body.data);
    // No resolver ran: the market cache was not even asked.
    expect(await lookups(server)).toBe(before);
    // Everything before execution still applies: cost, rate limits.
    expect(second.body).toMatchObject({ extensions: { cost: { requested: 1 } } });
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(
      Number(first.headers.get('x-ratelimit-remaining')) - 1,
    );
  });

  it('keys on variables and on the plan, and expires after a second', async () => {
    await gql(server.url, QUERY, { apiKey, variables: { s: 'PEP' } });
    const other = await gql(server.url, QUERY, { apiKey, variables: { s: 'JNJ' } });
    expect(other.headers.get('x-response-cache')).toBe('MISS');

    // A FREE account's answer differs (delayed quotes): never the PRO one.
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      `mutation { register(email: "fast.${Date.now()}@example.com", password: "correct horse battery") { accessToken } }`,
    );
    const token = registered.body.data!.register.accessToken;
    const free = await gql<{ quote: { price: number } }>(
      server.url,
      'query Q($s: String!) { quote(symbol: $s) { symbol price delayed } }',
      { variables: { s: 'PEP' }, headers: { authorization: `Bearer ${token}` } },
    );
    expect(free.headers.get('x-response-cache')).toBe('MISS');
    expect(free.body.data).toMatchObject({ quote: { delayed: true } });

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = await gql(server.url, QUERY, { apiKey, variables: { s: 'PEP' } });
    expect(later.headers.get('x-response-cache')).toBe('MISS');
  });

  it('never caches errors, nor anything about the caller', async () => {
    for (let i = 0; i < 2; i += 1) {
      const bad = await gql(server.url, '{ quote(symbol: "no way!") { price } }', { apiKey });
      expect(bad.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(bad.headers.get('x-response-cache')).toBe('MISS');
    }
    const me = await gql(server.url, '{ me { email } quote(symbol: "KO") { price } }', { apiKey });
    expect(me.headers.get('x-response-cache')).toBeNull();
  });

  it('parses and validates a document once, then serves it from the document cache', async () => {
    const document = `{ plans { name maxQueryCost } quote(symbol: "V") { price } }`;
    await gql(server.url, document, { apiKey });
    const before = await parsed(server);
    for (let i = 0; i < 3; i += 1) await gql(server.url, document, { apiKey });
    expect(await parsed(server)).toBe(before);
    await gql(server.url, `${document} `, { apiKey });
    expect(await parsed(server)).toBe(before + 1);
  });
});
