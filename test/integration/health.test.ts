import { startTestServer, type TestServer } from '../helpers/server';
import { testEnv } from '../helpers/test-env';

describe('health, readiness and metrics', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('GET /healthz answers 200', async () => {
    const response = await fetch(`${server.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 with every configured dependency up', async () => {
    const response = await fetch(`${server.baseUrl}/readyz`);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { status: string }>;
    };
    expect(response.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.database).toEqual({ status: 'up' });
    if (testEnv.redisUrl) expect(body.checks.cache).toEqual({ status: 'up' });
  });

  it('GET /metrics exposes default metrics and the GraphQL histogram by operation and outcome', async () => {
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query PlanList { plans { name } }' }),
    });
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Mine { me { id } }' }),
    });
    const response = await fetch(`${server.baseUrl}/metrics`);
    const text = await response.text();
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toContain('yieldflow_process_cpu_user_seconds_total');
    // What an operator watches for a process in trouble: event-loop lag and the heap.
    expect(text).toMatch(/^yieldflow_nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toMatch(/^yieldflow_nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(
      /yieldflow_graphql_request_duration_seconds_count\{operation="PlanList",outcome="success"\} 1/,
    );
    expect(text).toMatch(
      /yieldflow_graphql_request_duration_seconds_count\{operation="Mine",outcome="UNAUTHENTICATED"\} 1/,
    );
  });

  it('unknown paths answer 404', async () => {
    expect((await fetch(`${server.baseUrl}/nope`)).status).toBe(404);
  });
});

describe('readiness when a dependency is down', () => {
  it('names an unreachable Redis in a 503', async () => {
    // Port 1 on loopback refuses connections: a Redis that is down.
    const server = await startTestServer({ REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'fatal' });
    try {
      const response = await fetch(`${server.baseUrl}/readyz`);
      const body = (await response.json()) as { status: string; down: string[] };
      expect(response.status).toBe(503);
      expect(body).toMatchObject({ status: 'unavailable', down: ['cache'] });
    } finally {
      await server.close();
    }
  });

  it('names a database that stopped answering in a 503', async () => {
    const server = await startTestServer({ LOG_LEVEL: 'fatal' });
    try {
      // Drops the Postgres database (terminating its connections) or closes PGlite.
      await server.db.drop();
      const response = await fetch(`${server.baseUrl}/readyz`);
      const body = (await response.json()) as { down: string[] };
      expect(response.status).toBe(503);
      expect(body.down).toContain('database');
    } finally {
      await server.close();
    }
  });
});
