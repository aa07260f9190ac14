import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';
import { signAsClient, unixNow } from '../helpers/signing';

interface Issued {
  secret: string;
  signingSecret: string | null;
  apiKey: { id: string; prefix: string; lastFour: string; scopes: string[] };
}

describe('API keys, scopes, allow-lists, signing and rate limits', () => {
  let server: TestServer;
  let token: string;
  let otherToken: string;

  const auth = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
  const signUp = async (email: string) => {
    const response = await gql<{ register: { accessToken: string } }>(
      server.url,
      'mutation($e: String!) { register(email: $e, password: "correct horse battery") { accessToken } }',
      { variables: { e: email } },
    );
    return response.body.data!.register.accessToken;
  };
  const create = async (t: string, args = '') => {
    const response = await gql<{ createApiKey: Issued }>(
      server.url,
      `mutation { createApiKey(name: "k" ${args}) { secret signingSecret apiKey { id prefix lastFour scopes } } }`,
      auth(t),
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.createApiKey;
  };
  const quote = (apiKey: string, headers: Record<string, string> = {}) =>
    gql<{ quote: { symbol: string } }>(server.url, '{ quote(symbol: "AAPL") { symbol } }', {
      apiKey,
      headers,
    });

  beforeAll(async () => {
    server = await startTestServer();
    token = await signUp(`keys.${Date.now()}@example.com`);
    otherToken = await signUp(`other.${Date.now()}@example.com`);
  });
  afterAll(() => server.close());

  it('shows the secret once; stores only its hash, prefix and last four', async () => {
    const issued = await create(token);
    expect(issued.secret).toMatch(/^yf_live_[0-9A-Za-z]{40}$/);
    expect(issued.secret.startsWith(issued.apiKey.prefix)).toBe(true);
    expect(issued.secret.endsWith(issued.apiKey.lastFour)).toBe(true);
    const listed = await gql<{ apiKeys: Array<Record<string, unknown>> }>(
      server.url,
      '{ apiKeys { id name prefix lastFour scopes lastUsedAt } }',
      auth(token),
    );
    expect(JSON.stringify(listed.body)).not.toContain(issued.secret);
    expect(listed.body.data!.apiKeys.map((k) => k.id)).toContain(issued.apiKey.id);
    expect((await quote(issued.secret)).body.data!.quote.symbol).toBe('AAPL');
  });

  it('enforces scopes per field', async () => {
    const usageOnly = await create(token, 'scopes: ["read:usage"]');
    const refused = await quote(usageOnly.secret);
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.body.errors![0].extensions).toMatchObject({ scopes: ['read:market'] });
    const usage = await gql(server.url, '{ usage { requests } }', { apiKey: usageOnly.secret });
    expect(usage.body.errors).toBeUndefined();
    const badScope = await gql(
      server.url,
      'mutation { createApiKey(name: "x", scopes: ["admin"]) { secret } }',
      auth(token),
    );
    expect(codes(badScope)).toEqual(['BAD_USER_INPUT']);
    // A key without manage:account mints nothing; one with it mints nothing broader.
    const escalate = await gql(
      server.url,
      'mutation { createApiKey(name: "x", scopes: ["read:market"]) { secret } }',
      {
        apiKey: usageOnly.secret,
      },
    );
    expect(codes(escalate)).toEqual(['FORBIDDEN']);
    expect(escalate.body.errors![0].extensions).toMatchObject({ scopes: ['manage:account'] });
    const manager = await create(token, 'scopes: ["read:usage", "manage:account"]');
    const broader = await gql(
      server.url,
      'mutation { createApiKey(name: "x", scopes: ["read:market"]) { secret } }',
      { apiKey: manager.secret },
    );
    expect(codes(broader)).toEqual(['FORBIDDEN']);
    expect(broader.body.errors![0].extensions).toMatchObject({ scopes: ['read:market'] });
  });

  it('enforces CIDR allow-lists', async () => {
    const elsewhere = await create(token, 'allowedIps: ["10.0.0.0/8", "2001:db8::/32"]');
    const refused = await quote(elsewhere.secret);
    expect(refused.status).toBe(403);
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    const here = await create(token, 'allowedIps: ["127.0.0.0/8", "::1/128"]');
    expect((await quote(here.secret)).body.data!.quote.symbol).toBe('AAPL');
    const bad = await gql(
      server.url,
      'mutation { createApiKey(name: "x", allowedIps: ["10.0.0.0/33"]) { secret } }',
      auth(token),
    );
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
  });

  it('rotates with a grace period, then the old key stops', async () => {
    const old = await create(token);
    const rotate = (grace: number) =>
      gql<{ rotateApiKey: Issued }>(
        server.url,
        `mutation { rotateApiKey(id: "${old.apiKey.id}", gracePeriodSeconds: ${grace}) { secret apiKey { id } } }`,
        auth(token),
      );
    const first = (await rotate(3600)).body.data!.rotateApiKey;
    expect((await quote(old.secret)).status).toBe(200);
    expect((await quote(first.secret)).status).toBe(200);
    // Rotating again with no grace ends the old key now.
    const second = (await rotate(0)).body.data!.rotateApiKey;
    expect((await quote(second.secret)).status).toBe(200);
    expect(codes(await quote(old.secret))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an expiry in the past, an empty name and a grace period out of range', async () => {
    const past = await gql(
      server.url,
      'mutation { createApiKey(name: "x", expiresAt: "2020-01-01T00:00:00Z") { secret } }',
      auth(token),
    );
    expect(codes(past)).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(await gql(server.url, 'mutation { createApiKey(name: "  ") { secret } }', auth(token))),
    ).toEqual(['BAD_USER_INPUT']);
    const key = await create(token);
    for (const grace of [-1, 31 * 86_400]) {
      const response = await gql(
        server.url,
        `mutation { rotateApiKey(id: "${key.apiKey.id}", gracePeriodSeconds: ${grace}) { secret } }`,
        auth(token),
      );
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    }
    expect(
      codes(
        await gql(server.url, 'mutation { revokeApiKey(id: "not-a-uuid") { id } }', auth(token)),
      ),
    ).toEqual(['NOT_FOUND']);
  });

  it("reads another account's keys as NOT_FOUND, never FORBIDDEN", async () => {
    const theirs = await create(otherToken);
    for (const mutation of [
      `revokeApiKey(id: "${theirs.apiKey.id}") { id }`,
      `rotateApiKey(id: "${theirs.apiKey.id}") { secret }`,
    ]) {
      expect(codes(await gql(server.url, `mutation { ${mutation} }`, auth(token)))).toEqual([
        'NOT_FOUND',
      ]);
    }
    const mine = await gql<{ apiKeys: Array<{ id: string }> }>(
      server.url,
      '{ apiKeys { id } }',
      auth(token),
    );
    expect(mine.body.data!.apiKeys.map((k) => k.id)).not.toContain(theirs.apiKey.id);
    expect((await quote(theirs.secret)).status).toBe(200);
  });

  // What signatures cover, and how they are checked: request-signing.test.ts.

  it('spends the rate limit before a signature is remembered, so a flood past it fills no replay guard', async () => {
    // Its own account: limits are per account, and this one spends all of its minute.
    const signed = await create(
      await signUp(`flood.${Date.now()}@example.com`),
      'requireSignature: true',
    );
    const query = '{ quote(symbol: "KO") { symbol } }';
    const body = JSON.stringify({ query }); // what gql sends
    const send = (headers: Record<string, string>) =>
      gql(server.url, query, { headers: { 'x-api-key': signed.secret, ...headers } });
    // Unsigned requests are refused, but only after spending the account's minute: 60
    // and the burst of 30, less the createApiKey request.
    const unsigned = await Promise.all(Array.from({ length: 89 }, () => send({})));
    expect(new Set(unsigned.map((a) => a.status))).toEqual(new Set([401]));
    expect(unsigned[0].headers.get('x-ratelimit-limit')).toBe('60');
    const now = unixNow();
    const signature = signAsClient(signed.signingSecret!, {
      method: 'POST',
      target: '/graphql',
      keyPrefix: signed.apiKey.prefix,
      timestamp: now,
      body,
    });
    const limited = await send({ 'x-yf-timestamp': String(now), 'x-yf-signature': signature });
    expect(limited.status).toBe(429);
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(await server.app.services.replayGuard.remembers(signature)).toBe(false);
  });

  it('limits a FREE account to exactly 60 requests a minute and a burst of 30 under concurrency, with headers and Retry-After', async () => {
    // Its own account: createApiKey spends one of its 90.
    const free = await create(await signUp(`free.${Date.now()}@example.com`));
    const answers = await Promise.all(Array.from({ length: 100 }, () => quote(free.secret)));
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(ok).toHaveLength(89);
    expect(limited).toHaveLength(11);
    expect(codes(limited[0])).toEqual(['RATE_LIMITED']);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited[0].body.errors![0].extensions!.retryAfter).toBe(
      Number(limited[0].headers.get('retry-after')),
    );
    const remaining = ok
      .map((a) => Number(a.headers.get('x-ratelimit-remaining')))
      .sort((a, b) => a - b);
    // Past the minute's 60, the burst answers with nothing left in the minute.
    expect(remaining[0]).toBe(0);
    expect(remaining[88]).toBe(58);
    expect(remaining.filter((r) => r === 0)).toHaveLength(31);
    expect(ok[0].headers.get('x-ratelimit-limit')).toBe('60');
    expect(Number(ok[0].headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(60);
  });

  it('holds a key to its own limits below the plan, leaving its account’s other keys alone', async () => {
    const account = await signUp(`sublimit.${Date.now()}@example.com`);
    const limitedKey = await create(account, 'requestsPerMinute: 5');
    const other = await create(account);
    const answers = await Promise.all(Array.from({ length: 8 }, () => quote(limitedKey.secret)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(3);
    expect(refused[0].body.errors![0].message).toMatch(/^This API key's own rate limit reached/);
    expect((await quote(other.secret)).status).toBe(200);
    const listed = await gql<{ apiKeys: Array<{ id: string; requestsPerMinute: number | null }> }>(
      server.url,
      '{ apiKeys { id requestsPerMinute requestsPerDay } }',
      auth(account),
    );
    expect(listed.body.data!.apiKeys.find((k) => k.id === limitedKey.apiKey.id)).toEqual({
      id: limitedKey.apiKey.id,
      requestsPerMinute: 5,
      requestsPerDay: null,
    });
    // A day's limit of its own, too; and no limit below one.
    const daily = await create(account, 'requestsPerDay: 2');
    const day = await Promise.all(Array.from({ length: 3 }, () => quote(daily.secret)));
    expect(day.map((a) => a.status).sort()).toEqual([200, 200, 429]);
    for (const args of ['requestsPerMinute: 0', 'requestsPerDay: -1']) {
      const bad = await gql(
        server.url,
        `mutation { createApiKey(name: "k" ${args}) { secret } }`,
        auth(account),
      );
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('request shape limits', () => {
  let server: TestServer;
  let apiKey: string;
  beforeAll(async () => {
    server = await startTestServer();
    apiKey = server.app.demo!.apiKey;
  });
  afterAll(() => server.close());

  // Depth is unit-tested on a recursive schema (test/unit/server/validation-rules.test.ts):
  // this schema has no recursion deep enough to reach 11 valid levels.
  it('refuses more than 20 aliases, over 5,000 tokens, and batches, before execution', async () => {
    const aliases = Array.from({ length: 21 }, (_, i) => `a${i}: plans { name }`).join(' ');
    const aliased = await gql(server.url, `{ ${aliases} }`, { apiKey });
    expect(codes(aliased)).toEqual(['QUERY_TOO_COMPLEX']);
    const many = Array.from({ length: 5100 }, () => 'name').join(' ');
    const tokens = await gql(server.url, `{ plans { ${many} } }`, { apiKey });
    expect(codes(tokens)).toEqual(['QUERY_TOO_COMPLEX']);
    const batch = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify([{ query: '{ plans { name } }' }, { query: '{ plans { name } }' }]),
    });
    expect(batch.status).toBe(400);
  });
});
