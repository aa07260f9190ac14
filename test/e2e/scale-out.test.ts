import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { DEFAULT_PLANS } from '../../src/domain/plans';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { FakeTradeServer } from '../fixtures/providers/finnhub/fake-trade-server';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { codes, gql } from '../helpers/graphql';
import { startNginx, type NginxProcess } from '../helpers/nginx';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { createTestRedis } from '../helpers/redis';
import { testEnv } from '../helpers/test-env';
import { eventually, waitFor } from '../helpers/wait';

// The compose topology without Docker: Debian's nginx, running the shipped
// deploy/nginx/nginx.conf, in front of two production gateway processes on one
// PostgreSQL and one Redis (and a fake Finnhub for live quotes). Needs both servers:
// CI's first pass runs it; the embedded pass has neither. nginx itself is required:
// without it the suite fails (test/helpers/nginx.ts says how to install it).
const describeScaleOut = testEnv.databaseUrl && testEnv.redisUrl ? describe : describe.skip;

const JWT_SECRET = 'scale-out-shared-secret-of-at-least-32-characters';
const PASSWORD = 'correct horse battery staple';
const QUOTES = `subscription($symbols: [String!]!) { quotes(symbols: $symbols) { symbol price } }`;

/** The sum of a replica's samples of `name` whose labels include `labels` (GET /metrics). */
async function metric(
  replica: ServerProcess,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(replica.url.replace(/\/graphql$/, '/metrics'))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const own = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => own[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

/** GraphQL requests each replica answered with `status` (any when omitted), by replica. */
const answered = (replicas: ServerProcess[], status?: string) =>
  Promise.all(
    replicas.map((replica) =>
      metric(replica, 'yieldflow_http_requests_total', {
        route: 'graphql',
        ...(status ? { status } : {}),
      }),
    ),
  );

/** A POST from a chosen local address (127.0.0.0/8 is all loopback), for X-Forwarded-For. */
function postFrom(
  localAddress: string,
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A JSON GraphQL body of exactly `bytes` bytes (an unused variable pads it). */
function bodyOf(bytes: number): string {
  const base = JSON.stringify({ query: '{ me { id } }', variables: { pad: '' } });
  return base.replace('"pad":""', `"pad":"${'x'.repeat(bytes - base.length)}"`);
}

describeScaleOut('scale-out rehearsal: nginx in front of two replicas', () => {
  const redis = createTestRedis();
  let db: TestDatabase | undefined;
  let upstream: FakeUpstream | undefined;
  let trades: FakeTradeServer | undefined;
  let nginx: NginxProcess | undefined;
  let replicas: ServerProcess[] = [];
  const dirs: string[] = [];
  const clients: Client[] = [];
  let api: string;
  let proToken: string;
  let proKey: string;

  /** Registers an account through nginx; its access token. */
  const register = async (email: string) => {
    const response = await gql<{ register: { accessToken: string } }>(
      api,
      `mutation { register(email: "${email}", password: "${PASSWORD}") { accessToken } }`,
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.register.accessToken;
  };

  /** Mints a key through nginx with an account's access token; its secret. */
  const createKey = async (token: string, args = '') => {
    const response = await gql<{ createApiKey: { secret: string } }>(
      api,
      `mutation { createApiKey(name: "scale-out"${args}) { secret } }`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.createApiKey.secret;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    upstream = await startFakeUpstream('finnhub');
    trades = await FakeTradeServer.start();
    replicas = await Promise.all(
      [1, 2].map(async () => {
        const cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-scale-'));
        dirs.push(cwd);
        // As compose runs them: `node dist/src/index.js`, production, behind the proxy.
        return spawnServer({
          cwd,
          args: [],
          env: {
            PATH: process.env.PATH ?? '',
            HOST: '127.0.0.1',
            PORT: '0',
            DATABASE_URL: db!.url!,
            REDIS_URL: testEnv.redisUrl!,
            REDIS_KEY_PREFIX: redis.prefix,
            JWT_SECRET,
            TRUSTED_PROXIES: '127.0.0.1',
            LOG_LEVEL: 'warn',
            MARKET_DATA_PROVIDERS: 'finnhub',
            FINNHUB_API_KEY: upstream!.apiKey,
            FINNHUB_BASE_URL: upstream!.url,
            FINNHUB_WS_URL: trades!.url,
            FINNHUB_RATE_LIMIT: '1000/s',
          },
        });
      }),
    );
    nginx = await startNginx(replicas.map((replica) => `127.0.0.1:${new URL(replica.url).port}`));
    api = `${nginx.url}/graphql`;

    // A PRO account (plans are changed by billing or an administrator: here, the database).
    proToken = await register('pro@example.com');
    await db.database.prisma.user.update({
      where: { email: 'pro@example.com' },
      data: { plan: 'PRO' },
    });
    proKey = await createKey(proToken);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    await nginx?.stop();
    for (const replica of replicas) {
      if (replica.child.exitCode === null) replica.child.kill('SIGTERM');
    }
    await Promise.all(replicas.map((replica) => replica.exited));
    await trades?.close();
    await upstream?.close();
    await redis.clear();
    await db?.drop();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('spreads requests over both replicas', async () => {
    const before = await answered(replicas, '200');
    const ask = () => gql<{ me: { plan: string } }>(api, '{ me { plan } }', { apiKey: proKey });
    const answers = [];
    for (let i = 0; i < 10; i += 1) answers.push(await ask());
    answers.push(...(await Promise.all(Array.from({ length: 20 }, ask))));
    expect(answers.map((a) => [a.status, a.body.data?.me.plan])).toEqual(
      Array.from({ length: 30 }, () => [200, 'PRO']),
    );
    const after = await eventually(
      () => answered(replicas, '200'),
      (counts) => counts[0] + counts[1] - before[0] - before[1] === 30,
      5_000,
      'both replicas to count the 30',
    );
    expect(after[0] - before[0]).toBeGreaterThan(0);
    expect(after[1] - before[1]).toBeGreaterThan(0);
  });

  it("holds a FREE account to its plan's minute and burst exactly, whichever replica answers", async () => {
    // Minting the key spends one request of the account's minute.
    const key = await createKey(await register('free@example.com'));
    const { requestsPerMinute, burst } = DEFAULT_PLANS.FREE;
    const allowed = requestsPerMinute - 1 + burst;
    const sent = allowed + 20;
    const before = await answered(replicas);
    const answers = await Promise.all(
      Array.from({ length: sent }, () => gql(api, 'query Me { me { id } }', { apiKey: key })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(allowed);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(sent - allowed);
    for (const answer of limited) {
      expect(codes(answer)).toEqual(['RATE_LIMITED']);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const after = await eventually(
      () => answered(replicas),
      (counts) => counts[0] + counts[1] - before[0] - before[1] === sent,
      5_000,
      `both replicas to count the ${sent}`,
    );
    expect(after[0] - before[0]).toBeGreaterThan(0);
    expect(after[1] - before[1]).toBeGreaterThan(0);
  });

  it("sees the client's own address through nginx, which a client cannot forge", async () => {
    // A key usable from 127.0.0.5 only: the gateway must see the address nginx saw.
    const key = await createKey(proToken, ', allowedIps: ["127.0.0.5"]');
    const body = JSON.stringify({ query: '{ me { plan } }' });
    const fromAllowed = await postFrom('127.0.0.5', api, body, { 'x-api-key': key });
    expect(fromAllowed.status).toBe(200);
    expect(JSON.parse(fromAllowed.body)).toMatchObject({ data: { me: { plan: 'PRO' } } });

    const fromOther = await postFrom('127.0.0.6', api, body, { 'x-api-key': key });
    const forged = await postFrom('127.0.0.6', api, body, {
      'x-api-key': key,
      'x-forwarded-for': '127.0.0.5',
    });
    for (const refused of [fromOther, forged]) {
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it("refuses bodies over the gateway's limit at nginx with the gateway's answer, and passes those at it", async () => {
    const limit = 1024 * 1024; // MAX_BODY_BYTES' default, nginx's client_max_body_size
    const headers = { 'x-api-key': proKey };
    const atLimit = await postFrom('127.0.0.1', api, bodyOf(limit), headers);
    expect(atLimit.status).toBe(200);
    expect(atLimit.headers['x-request-id']).toBeDefined();

    // nginx answers (no request id: the gateway never saw it), as the gateway itself does.
    const atNginx = await postFrom('127.0.0.1', api, bodyOf(limit + 1), headers);
    expect(atNginx.headers['x-request-id']).toBeUndefined();
    const atGateway = await postFrom('127.0.0.1', replicas[0].url, bodyOf(limit + 1), headers);
    for (const over of [atNginx, atGateway]) {
      expect(over.status).toBe(413);
      expect(over.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(over.body).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    }
  });

  it('moves a live subscription to the other replica when its replica drains, and it keeps ticking', async () => {
    const closes: number[] = [];
    let connected = 0;
    const client = createClient({
      url: api.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: proKey },
      lazy: false,
      // A drained replica closes with 1001 (going away): reconnect at once, through nginx.
      retryAttempts: 3,
      retryWait: async () => undefined,
      shouldRetry: (event) => (event as { code?: number }).code === 1001,
      onNonLazyError: () => undefined,
      on: {
        connected: () => (connected += 1),
        closed: (event) => closes.push((event as { code: number }).code),
      },
    });
    clients.push(client);
    const events: Array<{ symbol: string; price: number }> = [];
    const errors: unknown[] = [];
    client.subscribe<{ quotes: { symbol: string; price: number } }>(
      { query: QUOTES, variables: { symbols: ['AAPL'] } },
      {
        next: (result) => {
          if (result.errors) errors.push(...result.errors);
          if (result.data) events.push(result.data.quotes);
        },
        error: (error) => errors.push(error),
        complete: () => undefined,
      },
    );
    await waitFor(() => events.length > 0, 10_000, 'the first quote');

    const sockets = () =>
      Promise.all(replicas.map((replica) => metric(replica, 'yieldflow_ws_connections')));
    const placed = await eventually(
      sockets,
      (counts) => [...counts].sort().join() === '0,1',
      5_000,
      'the socket on one replica',
    );
    const [home, other] = [replicas[placed.indexOf(1)], replicas[placed.indexOf(0)]];

    const tick = async (factor: number) => {
      const price = Math.round(events[0].price * factor * 100) / 100;
      await waitFor(() => trades!.trade('AAPL', price) === 1, 10_000, 'AAPL streamed upstream');
      await waitFor(() => events.some((q) => q.price === price), 5_000, `a tick at ${price}`);
    };
    await tick(1.003);

    home.child.kill('SIGTERM');
    expect(await home.exited).toBe(0);
    await waitFor(() => closes.includes(1001), 5_000, 'the 1001 close');
    await waitFor(() => connected === 2, 10_000, 'the reconnection');
    expect(await metric(other, 'yieldflow_ws_connections')).toBe(1);
    // The survivor produces AAPL now, and its ticks reach the resubscribed client.
    await eventually(
      () => metric(other, 'yieldflow_stream_symbols_produced'),
      (produced) => produced === 1,
      10_000,
      'the survivor to take the stream',
    );
    await tick(0.998);
    expect(errors).toEqual([]);
  }, 40_000);
});
