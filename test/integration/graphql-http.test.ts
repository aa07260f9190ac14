import { MeDocument, PlansDocument } from '../../src/generated/graphql';
import { accountKey } from '../fixtures/account-key';
import { codes, execute, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

describe('GraphQL over HTTP', () => {
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    apiKey = server.app.demo!.apiKey;
  });
  afterAll(() => server.close());

  it('answers `me` (examples/me.graphql) for the demo key', async () => {
    const response = await execute(server.url, MeDocument, { apiKey });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.me).toMatchObject({
      email: 'demo@yieldflow.local',
      plan: 'PRO',
      role: 'USER',
    });
    expect(Date.parse(response.body.data!.me!.createdAt)).not.toBeNaN();
  });

  it('answers examples/plans.graphql without credentials, with the contract limits', async () => {
    const response = await execute(server.url, PlansDocument);
    expect(response.status).toBe(200);
    const byName = Object.fromEntries(response.body.data!.plans.map((plan) => [plan.name, plan]));
    expect(byName.FREE).toMatchObject({
      requestsPerMinute: 60,
      requestsPerDay: 1000,
      maxQueryCost: 500,
      websocketConnections: 1,
      symbolsSubscribed: 10,
      quoteDelayMinutes: 15,
    });
    expect(byName.ENTERPRISE).toMatchObject({
      requestsPerMinute: 6000,
      requestsPerDay: null,
      maxQueryCost: 20000,
    });
  });

  it('refuses a private field without credentials with 401 UNAUTHENTICATED', async () => {
    const response = await gql(server.url, '{ plans { name } me { email } }');
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.data ?? null).toBeNull();
  });

  it('sees through fragments when deciding what is public', async () => {
    const response = await gql(server.url, 'query { ...F } fragment F on Query { me { id } }');
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('serves `plans` and introspection without credentials', async () => {
    const response = await gql<{ plans: Array<{ name: string; requestsPerMinute: number }> }>(
      server.url,
      '{ plans { name requestsPerMinute requestsPerDay } __schema { queryType { name } } }',
    );
    expect(response.status).toBe(200);
    expect(response.body.data?.plans).toContainEqual({
      name: 'FREE',
      requestsPerMinute: 60,
      requestsPerDay: 1000,
    });
  });

  it.each([
    ['a malformed key', 'not-a-key'],
    ['an unknown key', `yf_live_${'A'.repeat(40)}`],
  ])('refuses %s with 401 UNAUTHENTICATED even on a public field', async (_label, key) => {
    const response = await gql(server.url, '{ plans { name } }', { apiKey: key });
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a key revoked with revokeApiKey, at once', async () => {
    const manager = await accountKey(server);
    const created = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      server.url,
      'mutation { createApiKey(name: "short-lived") { secret apiKey { id } } }',
      { apiKey: manager },
    );
    const { secret, apiKey: key } = created.body.data!.createApiKey;
    expect((await gql(server.url, '{ me { id } }', { apiKey: secret })).status).toBe(200);
    await gql(server.url, `mutation { revokeApiKey(id: "${key.id}") { revokedAt } }`, {
      apiKey: manager,
    });
    const response = await gql(server.url, '{ me { id } }', { apiKey: secret });
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers a syntax error with 400 BAD_USER_INPUT and no stack trace', async () => {
    const response = await gql(server.url, '{ me { email ', { apiKey });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0].extensions).toMatchObject({ reason: 'GRAPHQL_PARSE_FAILED' });
    expect(JSON.stringify(response.body)).not.toMatch(/stacktrace|node_modules/);
  });

  it('answers an unknown field with 400 BAD_USER_INPUT', async () => {
    const response = await gql(server.url, '{ me { password } }', { apiKey });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers missing or mistyped variables with BAD_USER_INPUT (graphql-jit executes)', async () => {
    const apiKey = server.app.demo!.apiKey;
    const query = 'query Q($s: String!) { quote(symbol: $s) { price } }';
    for (const variables of [{}, { s: 42 }, { s: null }]) {
      const response = await gql(server.url, query, { apiKey, variables });
      expect(response.body.data ?? null).toBeNull();
      expect(response.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    // A resolver's own error keeps its code and path.
    const bad = await gql(server.url, query, { apiKey, variables: { s: 'no way!' } });
    expect(bad.body.errors?.[0]).toMatchObject({
      path: ['quote'],
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('refuses bodies over the limit with 413 QUERY_TOO_COMPLEX', async () => {
    const response = await gql(server.url, `{ me { email } } # ${'x'.repeat(110 * 1024)}`, {
      apiKey,
    });
    expect(response.status).toBe(413);
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('refuses invalid JSON and batched arrays with 400 BAD_USER_INPUT', async () => {
    const invalid = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: '{"query": ',
    });
    expect(invalid.status).toBe(400);
    expect(
      ((await invalid.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]
        .extensions.code,
    ).toBe('BAD_USER_INPUT');
    const batched = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]),
    });
    expect(batched.status).toBe(400);
    expect(
      ((await batched.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]
        .extensions.code,
    ).toBe('BAD_USER_INPUT');
  });

  it('refuses a simple cross-site GET without a preflight header (CSRF prevention)', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ plans { name } }')}`);
    expect(response.status).toBe(400);
  });

  it('tags every log line of a request with its request id, echoed in x-request-id', async () => {
    const response = await gql(server.url, 'query WhoAmI { me { id } }', {
      apiKey,
      headers: { 'x-request-id': 'req-test-42' },
    });
    expect(response.headers.get('x-request-id')).toBe('req-test-42');
    const lines = server.logs.filter((line) => line.reqId === 'req-test-42');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.msg === 'request' && line.status === 200)).toBe(true);
  });

  it('generates a request id when none (or a malformed one) is sent', async () => {
    const response = await gql(server.url, '{ plans { name } }', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
