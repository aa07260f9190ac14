import { hashApiKey } from '../../src/domain/api-key-secret';
import { codes, gql } from '../helpers/graphql';
import { DEFAULT_RESPONSE_CACHE } from '../../src/server/response-cache';
import { startTestServer, type TestServer } from '../helpers/server';
import { testClock } from '../helpers/wait';

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
  // The caches' clock, moved past the response cache's TTL instead of waiting for it.
  const clock = testClock();
  beforeAll(async () => {
    server = await startTestServer({}, { now: clock.now });
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

    clock.advance(DEFAULT_RESPONSE_CACHE.ttlMs + 1);
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

  /** Metered rows of one key, as "STATUS operation" -> requests. */
  const metered = async (apiKeyId: string) => {
    await server.app.services.usageRecorder.flush();
    const rows = await server.app.database.prisma.usageRecord.findMany({ where: { apiKeyId } });
    const sums: Record<string, number> = {};
    for (const r of rows)
      sums[`${r.status} ${r.operationName}`] =
        (sums[`${r.status} ${r.operationName}`] ?? 0) + r.requests;
    return sums;
  };

  it('meters an answer from the cache under its operation, though the body names none', async () => {
    const query = 'query FastMetered($s: String!) { quote(symbol: $s) { symbol price } }';
    const first = await gql(server.url, query, { apiKey, variables: { s: 'WMT' } });
    const second = await gql(server.url, query, { apiKey, variables: { s: 'WMT' } });
    expect([first, second].map((r) => r.headers.get('x-response-cache'))).toEqual(['MISS', 'HIT']);
    const demoKey = await server.app.database.prisma.apiKey.findUnique({
      where: { hash: hashApiKey(apiKey) },
    });
    const sums = await metered(demoKey!.id);
    expect(sums['OK FastMetered']).toBe(2);
  });

  it('spends limits on answers from the cache too: 429, Retry-After, metered as RATE_LIMITED', async () => {
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      `mutation { register(email: "limit.${Date.now()}@example.com", password: "correct horse battery") { accessToken } }`,
    );
    const bearer = { authorization: `Bearer ${registered.body.data!.register.accessToken}` };
    const created = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      server.url,
      'mutation { createApiKey(name: "free") { secret apiKey { id } } }',
      { headers: bearer },
    );
    const { secret, apiKey: key } = created.body.data!.createApiKey;
    // FREE: 60 a minute and a burst of 30, for the whole account: createApiKey spent one,
    // 88 are spent elsewhere, the 90th answers and fills the cache, and the 91st, the same
    // body, finds the answer cached and is refused.
    for (let i = 0; i < 88; i += 1) {
      expect((await gql(server.url, '{ plans { name } }', { apiKey: secret })).status).toBe(200);
    }
    const last = await gql(server.url, QUERY, { apiKey: secret, variables: { s: 'MA' } });
    expect(last.status).toBe(200);
    expect(last.headers.get('x-ratelimit-remaining')).toBe('0');
    const refused = await gql(server.url, QUERY, { apiKey: secret, variables: { s: 'MA' } });
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    // Refused on the fast path: metered under the cached answer's operation.
    expect(await metered(key.id)).toEqual({ 'OK anonymous': 88, 'OK Q': 1, 'RATE_LIMITED Q': 1 });
  });

  it('answers 500 INTERNAL_SERVER_ERROR, and keeps serving, when the fast path throws', async () => {
    await gql(server.url, QUERY, { apiKey, variables: { s: 'HD' } });
    const cache = server.app.services.responseCache;
    const get = cache.get.bind(cache);
    // The fast path runs in the request body's 'end' event, where no promise catches.
    cache.get = () => {
      throw new Error('response cache broke');
    };
    try {
      const broken = await gql(server.url, QUERY, { apiKey, variables: { s: 'HD' } });
      expect(broken.status).toBe(500);
      expect(codes(broken)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(broken.body)).not.toContain('response cache broke');
    } finally {
      cache.get = get;
    }
    const after = await gql(server.url, QUERY, { apiKey, variables: { s: 'HD' } });
    expect(after.status).toBe(200);
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
