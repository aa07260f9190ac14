import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CORE_SYMBOLS } from '../../src/datasources/providers/simulator/universe';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { gql } from '../helpers/graphql';
import { liveClient, type LiveClient } from '../helpers/live-client';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { eventually, waitFor } from '../helpers/wait';
import { describeAnyMode } from '../helpers/any-mode';

// Every symbol its own cache miss, so that each request waits on the slow upstream (the
// hand-tuned ones, whose bars the fake upstream has ready).
const SYMBOLS = CORE_SYMBOLS.filter((symbol) => symbol !== 'AAPL').sort();
const HTTP_REQUESTS = 24;
const SOCKETS = 4;
const UPSTREAM_LATENCY_MS = 1_500;

interface Quote {
  symbol: string;
  price: number;
}

// SIGTERM to a spawned gateway (the real listener) while HTTP requests and WebSocket
// queries wait on a slow upstream: every one gets its answer, each socket closes with
// 1001 only after its query answered, and the process exits 0.
describeAnyMode('drain under load', () => {
  let cwd: string;
  let upstream: FakeUpstream;
  let server: ServerProcess;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-drain-'));
    upstream = await startFakeUpstream('fmp');
    server = await spawnServer({
      cwd,
      env: {
        PORT: '0',
        MARKET_DATA_PROVIDERS: 'fmp',
        FMP_API_KEY: upstream.apiKey,
        FMP_BASE_URL: upstream.url,
        PROVIDER_TIMEOUT_MS: '8000',
        SHUTDOWN_GRACE_MS: '15000',
      },
    });
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await upstream.close();
    await rm(cwd, { recursive: true, force: true });
  });

  it('answers every in-flight request, closes sockets with 1001 after their operations, exits 0', async () => {
    const apiKey = server.demoKey!;
    // Sockets first, each with a live subscription that only the close can end.
    for (let i = 0; i < SOCKETS; i += 1) {
      const client = liveClient(server.url, { apiKey });
      clients.push(client);
      await waitFor(() => client.acked(), 10_000, `socket ${i} acknowledged`);
    }
    const live = clients.map((client) =>
      client.subscribe<Quote>('subscription { quotes(symbols: ["AAPL"]) { symbol price } }'),
    );
    await waitFor(() => live.every((s) => s.events.length > 0), 15_000, 'a first live quote');

    upstream.latencyMs = UPSTREAM_LATENCY_MS;
    const http = Array.from({ length: HTTP_REQUESTS }, (_, i) =>
      gql<{ quote: Quote | null }>(
        server.url,
        `{ quote(symbol: "${SYMBOLS[i]}") { symbol price } }`,
        {
          apiKey,
        },
      ),
    );
    // A query per socket, each waiting on the upstream when the signal lands; its answer,
    // its completion and its socket's close are noted in the order they happen.
    const order: string[] = [];
    const queries = clients.map((client, i) => {
      const symbol = SYMBOLS[HTTP_REQUESTS + i];
      const query = { events: [] as unknown[], errors: [] as unknown[] };
      client.client.on('closed', () => order.push(`closed ${i}`));
      client.client.subscribe(
        { query: `{ quote(symbol: "${symbol}") { symbol price } }` },
        {
          next: (result) => {
            if (result.errors) query.errors.push(...result.errors);
            query.events.push(result.data?.quote);
          },
          error: (error) => query.errors.push(error),
          complete: () => order.push(`answered ${i}`),
        },
      );
      return { query, symbol, i };
    });
    const asked = () => new Set(upstream.requests.map((r) => r.params.symbol));
    await waitFor(
      () => SYMBOLS.slice(0, HTTP_REQUESTS + SOCKETS).every((symbol) => asked().has(symbol)),
      15_000,
      'every request waiting on the upstream',
    );

    server.child.kill('SIGTERM');
    const shutdown = await eventually(
      () =>
        server.stdout
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { msg?: string; inFlight?: number; sockets?: number })
          .find((line) => line.msg === 'shutting down'),
      (line) => line !== undefined,
      10_000,
      'the shutdown to start',
    );
    expect(shutdown).toMatchObject({ inFlight: HTTP_REQUESTS, sockets: SOCKETS });

    const answers = await Promise.all(http);
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data!.quote).toMatchObject({ symbol: SYMBOLS[i] });
    }
    expect(await server.exited).toBe(0);
    await waitFor(() => clients.every((c) => c.closes.length > 0), 10_000, 'every socket closed');

    for (const { query, symbol, i } of queries) {
      expect(query.errors).toEqual([]);
      expect(query.events).toEqual([expect.objectContaining({ symbol })]);
      expect(clients[i].closes).toEqual([1001]);
      expect(order.indexOf(`answered ${i}`)).toBeGreaterThanOrEqual(0);
      expect(order.indexOf(`answered ${i}`)).toBeLessThan(order.indexOf(`closed ${i}`));
    }
    // The live subscriptions were served to the end; they end with their socket (the
    // client reports the 1001 close to them, and would resubscribe on reconnecting).
    for (const subscription of live) expect(subscription.events.length).toBeGreaterThan(0);
  }, 60_000);
});
