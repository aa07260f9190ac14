import WebSocket from 'ws';
import { openPostgres } from '../../../src/datasources/database/database';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy';
import { gql } from '../../helpers/graphql';
import { startTestServer, type TestServer } from '../../helpers/server';
import { testEnv } from '../../helpers/test-env';
import { waitFor } from '../../helpers/wait';

const QUOTE = '{ quote(symbol: "AAPL") { symbol price } }';
// A write: nothing in the gateway can answer it without the database.
let portfolios = 0;
const needsDatabase = () =>
  `mutation { createPortfolio(name: "outage ${(portfolios += 1)}") { id } }`;

/** The answer and how long it took, in ms. */
async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

// Real PostgreSQL behind the fault proxy, the gateway's pool bounded tightly: while the
// database refuses or stalls, what needs it answers SERVICE_UNAVAILABLE (503, Retry-After)
// within the bound, market data for keys already known keeps flowing, /readyz names the
// database, and everything recovers by itself.
(testEnv.databaseUrl ? describe : describe.skip)('PostgreSQL outages', () => {
  let proxy: FaultProxy;
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    const target = new URL(testEnv.databaseUrl!);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
    server = await startTestServer(
      {},
      {
        openDatabase: (url) =>
          openPostgres(proxy.url(url), {
            size: 4,
            connectTimeoutMs: 1_000,
            statementTimeoutMs: 1_000,
          }),
      },
    );
    apiKey = server.app.demo!.apiKey;
  });
  afterAll(async () => {
    await proxy.heal();
    await server.close();
    await proxy.close();
  });
  afterEach(() => proxy.heal());

  const recovered = () =>
    waitFor(
      async () => {
        const answer = await gql(server.url, needsDatabase(), { apiKey });
        return answer.status === 200 && !answer.body.errors;
      },
      10_000,
      'the database to answer requests again',
    );

  it('answers SERVICE_UNAVAILABLE with Retry-After while PostgreSQL refuses, and recovers by itself', async () => {
    expect((await gql(server.url, needsDatabase(), { apiKey })).body.errors).toBeUndefined();
    await proxy.refuse();

    const [refused, ms] = await timed(() => gql(server.url, needsDatabase(), { apiKey }));
    expect(ms).toBeLessThan(3_000);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.errors?.[0].extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryAfter: 5,
    });
    // Nothing about the database leaks.
    expect(JSON.stringify(refused.body)).not.toMatch(/127\.0\.0\.1|prisma|ECONNREFUSED/i);

    // Market data for a key this process knows needs no database.
    const [quote, quoteMs] = await timed(() => gql(server.url, QUOTE, { apiKey }));
    expect(quote.status).toBe(200);
    expect(quote.body.errors).toBeUndefined();
    expect(quoteMs).toBeLessThan(2_000);

    // A key never seen cannot be checked: retry later, not "invalid key".
    const unknownKey = `yf_live_${'A'.repeat(40)}`;
    const unknown = await gql(server.url, QUOTE, { apiKey: unknownKey });
    expect(unknown.status).toBe(503);
    expect(unknown.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');

    // Over a WebSocket: 1013 (try again later), which clients retry, not 4403.
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = await new Promise<number>((resolve) => {
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: unknownKey } })),
      );
      socket.on('close', (code) => resolve(code));
    });
    expect(closed).toBe(1013);

    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { checks: Record<string, { status: string }> };
    expect(readiness.checks.database.status).toBe('down');

    await proxy.heal();
    await recovered();
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
    // Down and back are logged once each, not once per failed request.
    const logged = (text: string) => server.logs.filter((line) => line.msg === text).length;
    // The probe (once a second while down) notices too, and says so once.
    await waitFor(() => logged('database answers again') > 0, 10_000, 'the probe to see it back');
    expect(logged('database answers again')).toBe(1);
    expect(
      server.logs.filter((line) => String(line.msg).startsWith('database unavailable')),
    ).toHaveLength(1);
    expect(server.logs.filter((line) => line.level === 50)).toEqual([]);
  });

  it('answers within the bound while PostgreSQL stalls (connections open, nothing answered)', async () => {
    expect((await gql(server.url, needsDatabase(), { apiKey })).body.errors).toBeUndefined();
    proxy.stall();

    // A pooled connection waits out the statement bound plus the client's margin; a new
    // one, the connect timeout. Either way, seconds and not forever.
    const [stalled, ms] = await timed(() => gql(server.url, needsDatabase(), { apiKey }));
    expect(stalled.status).toBe(503);
    expect(stalled.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(ms).toBeLessThan(4_000);

    const [quote, quoteMs] = await timed(() => gql(server.url, QUOTE, { apiKey }));
    expect(quote.body.errors).toBeUndefined();
    expect(quoteMs).toBeLessThan(2_000);

    await proxy.heal();
    await recovered();
  });
});
