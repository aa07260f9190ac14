import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

describe('production security defaults', () => {
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-at-least-32-chars',
      SEED_DEMO: 'true',
      CORS_ORIGINS: 'https://app.example.com',
    });
    apiKey = server.app.demo!.apiKey;
  });
  afterAll(() => server.close());

  it('turns introspection and field suggestions off', async () => {
    const introspection = await gql(server.url, '{ __schema { types { name } } }', { apiKey });
    expect(introspection.body.errors).toBeDefined();
    const typo = await gql(server.url, '{ quote(symbol: "AAPL") { prise } }', { apiKey });
    expect(codes(typo)).toEqual(['BAD_USER_INPUT']);
    expect(typo.body.errors![0].message).not.toMatch(/Did you mean/);
  });

  it('answers CORS preflights only for the allow-listed origin', async () => {
    const preflight = (origin: string) =>
      fetch(server.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('failed sign-ins from one address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('are throttled per IP across accounts', async () => {
    const attempt = (i: number) =>
      gql(
        server.url,
        `mutation { login(email: "nobody${i}@example.com", password: "wrong password") { accessToken } }`,
      );
    for (let i = 0; i < 20; i += 1) expect(codes(await attempt(i))).toEqual(['UNAUTHENTICATED']);
    const throttled = await attempt(99);
    expect(codes(throttled)).toEqual(['RATE_LIMITED']);
  });
});
