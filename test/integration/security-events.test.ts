import WebSocket from 'ws';
import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';
import { testEnv } from '../helpers/test-env';

interface EventNode {
  id: string;
  kind: string;
  ip: string | null;
  apiKeyId: string | null;
  userId: string | null;
  detail: string;
}

const PASSWORD = 'correct horse battery';
const EVENTS = `query($kind: SecurityEventKind, $ip: String, $first: Int, $after: String) {
  securityEvents(kind: $kind, ip: $ip, first: $first, after: $after) {
    nodes { id kind ip apiKeyId userId detail }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Polls `read` until `done` holds (events are written off the request path). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The close code of a WebSocket whose `connection_init` carries `payload`, from `ip`. */
function initCloseCode(server: TestServer, ip: string, payload: Record<string, string>) {
  return new Promise<{ code: number; reason: string }>((resolve, reject) => {
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      headers: { 'x-forwarded-for': ip },
    });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    socket.on('error', reject);
  });
}

describe('security events and automatic blocks', () => {
  let server: TestServer;
  let n = 0;
  let admin: Record<string, string>;
  let user: { headers: Record<string, string>; userId: string; refreshToken: string };

  // Each case speaks from addresses of its own (TRUSTED_PROXIES trusts the loopback test
  // client's X-Forwarded-For), so one case's block does not refuse another's requests.
  const from = (ip: string, headers: Record<string, string> = {}) => ({
    headers: { 'x-forwarded-for': ip, ...headers },
  });

  const register = async () => {
    n += 1;
    const response = await gql<{
      register: { accessToken: string; refreshToken: string; user: { id: string } };
    }>(
      server.url,
      `mutation { register(email: "sec.${n}.${Date.now()}@example.com", password: "${PASSWORD}") { accessToken refreshToken user { id } } }`,
    );
    const { accessToken, refreshToken, user } = response.body.data!.register;
    return { headers: { authorization: `Bearer ${accessToken}` }, userId: user.id, refreshToken };
  };

  const createKey = async (args: string) => {
    const response = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      server.url,
      `mutation { createApiKey(name: "k" ${args}) { secret apiKey { id } } }`,
      { headers: user.headers },
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.createApiKey;
  };

  const events = (variables: Record<string, unknown>, headers = admin) =>
    gql<{ securityEvents: { nodes: EventNode[]; pageInfo: { endCursor: string | null } } }>(
      server.url,
      EVENTS,
      { variables, headers },
    );

  const waitForKinds = async (ip: string, expected: string[]) => {
    const found = await eventually(
      async () => (await events({ ip, first: 100 })).body.data?.securityEvents.nodes ?? [],
      (nodes) => expected.every((kind) => nodes.some((node) => node.kind === kind)),
    );
    expect(found.map((node) => node.kind)).toEqual(expect.arrayContaining(expected));
    return found;
  };

  const plans = (ip: string, headers: Record<string, string> = {}) =>
    gql(server.url, '{ plans { name } }', from(ip, headers));

  beforeAll(async () => {
    server = await startTestServer({ SECURITY_AUTO_BLOCK: 'true', TRUSTED_PROXIES: '127.0.0.1' });
    const promoted = await register();
    await server.app.database.prisma.user.update({
      where: { id: promoted.userId },
      data: { role: 'ADMIN' },
    });
    admin = promoted.headers;
    user = await register();
  });
  afterAll(() => server.close());

  it('records refusals over HTTP and graphql-ws, for administrators only, and counts them in /metrics', async () => {
    const ip = '203.0.113.1';
    // LOGIN_FAILED
    const login = await gql(
      server.url,
      'mutation($p: String!) { login(email: "nobody@example.com", password: $p) { accessToken } }',
      { variables: { p: 'wrong password!' }, ...from(ip) },
    );
    expect(codes(login)).toEqual(['UNAUTHENTICATED']);
    // KEY_REFUSED: malformed, then unknown.
    expect((await plans(ip, { 'x-api-key': 'not-a-key' })).status).toBe(401);
    expect((await plans(ip, { 'x-api-key': `yf_live_${'x'.repeat(40)}` })).status).toBe(401);
    // KEY_REVOKED_USED
    const revoked = await createKey('');
    await gql(server.url, `mutation { revokeApiKey(id: "${revoked.apiKey.id}") { id } }`, {
      headers: user.headers,
    });
    expect((await plans(ip, { 'x-api-key': revoked.secret })).status).toBe(401);
    // IP_NOT_ALLOWED
    const fenced = await createKey(', allowedIps: ["10.0.0.0/8"]');
    expect(codes(await plans(ip, { 'x-api-key': fenced.secret }))).toEqual(['FORBIDDEN']);
    // BAD_SIGNATURE: a key that signs, unsigned.
    const signing = await createKey(', requireSignature: true');
    expect((await plans(ip, { 'x-api-key': signing.secret })).status).toBe(401);
    // REFRESH_TOKEN_REUSED
    const refresh = (token: string) =>
      gql(server.url, 'mutation($t: String!) { refreshToken(refreshToken: $t) { refreshToken } }', {
        variables: { t: token },
        ...from(ip),
      });
    expect((await refresh(user.refreshToken)).body.errors).toBeUndefined();
    expect(codes(await refresh(user.refreshToken))).toEqual(['UNAUTHENTICATED']);
    // DOCUMENT_REFUSED: a document past 100 KB.
    const huge = await gql(server.url, `{ plans { name } } # ${'x'.repeat(110_000)}`, from(ip));
    expect(huge.status).toBe(413);

    const found = await waitForKinds(ip, [
      'LOGIN_FAILED',
      'KEY_REFUSED',
      'KEY_REVOKED_USED',
      'IP_NOT_ALLOWED',
      'BAD_SIGNATURE',
      'REFRESH_TOKEN_REUSED',
      'DOCUMENT_REFUSED',
    ]);
    expect(found.find((e) => e.kind === 'IP_NOT_ALLOWED')).toMatchObject({
      ip,
      apiKeyId: fenced.apiKey.id,
    });
    expect(found.find((e) => e.kind === 'KEY_REVOKED_USED')!.apiKeyId).toBe(revoked.apiKey.id);
    expect(JSON.parse(found.find((e) => e.kind === 'LOGIN_FAILED')!.detail)).toMatchObject({
      email: 'nobody@example.com',
    });

    // Over graphql-ws: a refused key in connection_init.
    const wsIp = '203.0.113.2';
    const closed = await initCloseCode(server, wsIp, { apiKey: 'not-a-key' });
    expect(closed.code).toBe(4403);
    await waitForKinds(wsIp, ['KEY_REFUSED']);

    // Filter by kind, page with a cursor.
    const page = await events({ kind: 'KEY_REFUSED', ip, first: 1 });
    expect(page.body.data!.securityEvents.nodes).toHaveLength(1);
    const next = await events({
      kind: 'KEY_REFUSED',
      ip,
      first: 1,
      after: page.body.data!.securityEvents.pageInfo.endCursor,
    });
    expect(next.body.data!.securityEvents.nodes[0].id).not.toBe(
      page.body.data!.securityEvents.nodes[0].id,
    );

    // Not for anyone else.
    expect(codes(await events({ first: 1 }, user.headers))).toEqual(['FORBIDDEN']);
    const unblock = await gql(server.url, 'mutation { unblock(ip: "203.0.113.1") }', {
      headers: user.headers,
    });
    expect(codes(unblock)).toEqual(['FORBIDDEN']);
    // An administrator's key lifts blocks only when it was given manage:account.
    const readOnly = await gql<{ createApiKey: { secret: string } }>(
      server.url,
      'mutation { createApiKey(name: "monitor") { secret } }',
      { headers: admin },
    );
    const byKey = await gql(server.url, 'mutation { unblock(ip: "203.0.113.1") }', {
      apiKey: readOnly.body.data!.createApiKey.secret,
    });
    expect(byKey.body.errors![0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('manage:account'),
    });

    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    for (const kind of ['LOGIN_FAILED', 'KEY_REFUSED', 'BAD_SIGNATURE', 'DOCUMENT_REFUSED']) {
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith(`yieldflow_security_events_total{kind="${kind}"}`));
      expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(1);
    }
  });

  it('records documents refused for their shape over HTTP and over graphql-ws', async () => {
    const aliases = `{ ${Array.from({ length: 30 }, (_, i) => `p${i}: plans { name }`).join(' ')} }`;
    const ip = '203.0.113.10';
    const overHttp = await gql(server.url, aliases, from(ip));
    expect(codes(overHttp)).toEqual(['QUERY_TOO_COMPLEX']);
    const [event] = await waitForKinds(ip, ['DOCUMENT_REFUSED']);
    expect(JSON.parse(event.detail).reason).toMatch(/alias/i);

    const wsIp = '203.0.113.11';
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      headers: { 'x-forwarded-for': wsIp },
    });
    const refused = new Promise<string>((resolve, reject) => {
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: admin })),
      );
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as {
          type: string;
          payload?: Array<{ extensions?: { code?: string } }>;
        };
        if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: aliases } }));
        }
        if (message.type === 'error') resolve(String(message.payload?.[0]?.extensions?.code));
      });
      socket.on('error', reject);
    });
    expect(await refused).toBe('QUERY_TOO_COMPLEX');
    socket.close();
    await waitForKinds(wsIp, ['DOCUMENT_REFUSED']);
  });

  it('records one RATE_LIMIT_STORM per minute of refusals of one subject, not one per request', async () => {
    const ip = '203.0.113.3';
    // register allows 20 per hour per address: 20 more are refused, a storm at the 20th.
    const answers = [];
    for (let i = 0; i < 45; i += 1) {
      answers.push(
        await gql(
          server.url,
          'mutation { register(email: "not-an-email", password: "correct horse battery") { accessToken } }',
          from(ip),
        ),
      );
    }
    expect(answers.filter((a) => codes(a)[0] === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(20);
    const found = await waitForKinds(ip, ['RATE_LIMIT_STORM']);
    expect(found.filter((e) => e.kind === 'RATE_LIMIT_STORM')).toHaveLength(1);
  });

  it('blocks an address after 20 refused keys: every request RATE_LIMITED with the reason; unblock lifts it', async () => {
    const ip = '203.0.113.4';
    for (let i = 0; i < 20; i += 1) {
      expect((await plans(ip, { 'x-api-key': 'not-a-key' })).status).toBe(401);
    }
    const blocked = await plans(ip);
    expect(blocked.status).toBe(429);
    expect(codes(blocked)).toEqual(['RATE_LIMITED']);
    expect(blocked.body.errors![0].message).toMatch(/address is blocked for 20 failed sign-ins/);
    expect(blocked.body.errors![0].extensions!.retryAfter).toBeGreaterThan(800);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    // graphql-ws as well.
    const closed = await initCloseCode(server, ip, { authorization: admin.authorization });
    expect(closed).toMatchObject({ code: 4403, reason: expect.stringMatching(/^RATE_LIMITED/) });
    // Another address is not affected.
    expect((await plans('203.0.113.5')).status).toBe(200);

    const lifted = await gql<{ unblock: boolean }>(
      server.url,
      `mutation { unblock(ip: "${ip}") }`,
      { headers: admin },
    );
    expect(lifted.body.data!.unblock).toBe(true);
    expect((await plans(ip)).status).toBe(200);
  });

  it('blocks a key after 10 bad signatures: FORBIDDEN with the reason; unblock lifts it', async () => {
    const ip = '203.0.113.6';
    const signing = await createKey(', requireSignature: true');
    for (let i = 0; i < 10; i += 1) {
      expect(codes(await plans(ip, { 'x-api-key': signing.secret }))).toEqual(['UNAUTHENTICATED']);
    }
    const blocked = await plans('203.0.113.7', { 'x-api-key': signing.secret });
    expect(blocked.status).toBe(403);
    expect(codes(blocked)).toEqual(['FORBIDDEN']);
    expect(blocked.body.errors![0].message).toMatch(/API key is blocked for 10 bad signatures/);
    const lifted = await gql<{ unblock: boolean }>(
      server.url,
      `mutation { unblock(apiKeyId: "${signing.apiKey.id}") }`,
      { headers: admin },
    );
    expect(lifted.body.data!.unblock).toBe(true);
    expect(codes(await plans(ip, { 'x-api-key': signing.secret }))).toEqual(['UNAUTHENTICATED']);
  });

  it('prunes events past SECURITY_EVENT_RETENTION_DAYS (30) from the database', async () => {
    const { prisma } = server.app.database;
    const old = await prisma.securityEvent.create({
      data: {
        kind: 'KEY_REFUSED',
        ip: '198.51.100.9',
        occurredAt: new Date(Date.now() - 31 * 86_400_000),
      },
    });
    const recent = await prisma.securityEvent.create({
      data: {
        kind: 'KEY_REFUSED',
        ip: '198.51.100.9',
        occurredAt: new Date(Date.now() - 29 * 86_400_000),
      },
    });
    const { outcomes } = await server.app.services.retention.run();
    expect(outcomes.find((o) => o.table === 'security_events')!.rows).toBeGreaterThanOrEqual(1);
    expect(await prisma.securityEvent.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await prisma.securityEvent.findUnique({ where: { id: recent.id } })).not.toBeNull();
  });

  (testEnv.redisUrl ? it : it.skip)(
    'holds a block made on one instance on a second sharing Redis (REDIS_URL)',
    async () => {
      const second = await startTestServer(
        { SECURITY_AUTO_BLOCK: 'true', TRUSTED_PROXIES: '127.0.0.1' },
        { redisOf: server },
      );
      try {
        const ip = '203.0.113.8';
        for (let i = 0; i < 20; i += 1) {
          expect((await plans(ip, { 'x-api-key': 'not-a-key' })).status).toBe(401);
        }
        const onSecond = await gql(second.url, '{ plans { name } }', from(ip));
        expect(codes(onSecond)).toEqual(['RATE_LIMITED']);
        expect(onSecond.body.errors![0].message).toMatch(/address is blocked/);
        await gql(server.url, `mutation { unblock(ip: "${ip}") }`, { headers: admin });
        expect((await gql(second.url, '{ plans { name } }', from(ip))).status).toBe(200);
      } finally {
        await second.close();
      }
    },
  );
});
