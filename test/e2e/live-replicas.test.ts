import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import WebSocket from 'ws';
import { CORE_SYMBOLS } from '../../src/datasources/providers/simulator/universe';
import { issueApiKeySecret } from '../../src/domain/api-key-secret';
import { SCOPES } from '../../src/domain/viewer';
import { DEMO_EMAIL } from '../../src/services/demo-seed.service';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { FakeTradeServer } from '../fixtures/providers/finnhub/fake-trade-server';
import { gql } from '../helpers/graphql';
import { liveClient, type LiveClient } from '../helpers/live-client';
import { waitFor } from '../helpers/wait';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { createTestRedis } from '../helpers/redis';
import { testEnv, withDatabaseName } from '../helpers/test-env';

// Two gateway processes on one PostgreSQL and one Redis, in front of a fake Finnhub
// (REST fixtures and its trade WebSocket). Needs both servers: CI's first pass runs it;
// the embedded pass has neither.
const describeReplicas = testEnv.databaseUrl && testEnv.redisUrl ? describe : describe.skip;

interface LiveQuote {
  symbol: string;
  price: number;
  source: string;
}

const QUOTES = `subscription($symbols: [String!]!) { quotes(symbols: $symbols) { symbol price source } }`;

/** A replica's metric value, from GET /metrics. */
async function metric(replica: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(replica.url.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

describeReplicas('live quotes across two replicas', () => {
  const redis = createTestRedis();
  const dbName = `yf_live_${randomBytes(5).toString('hex')}`;
  const databaseUrl = testEnv.databaseUrl ? withDatabaseName(testEnv.databaseUrl, dbName) : '';
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: testEnv.databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  let upstream: FakeUpstream;
  let trades: FakeTradeServer;
  let replicas: ServerProcess[] = [];
  const dirs: string[] = [];
  const clients: LiveClient[] = [];
  let apiKey: string;

  beforeAll(async () => {
    await admin(`CREATE DATABASE "${dbName}"`);
    upstream = await startFakeUpstream('finnhub');
    trades = await FakeTradeServer.start();
    const start = async () => {
      const cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-live-'));
      dirs.push(cwd);
      return spawnServer({
        cwd,
        env: {
          PORT: '0',
          PATH: process.env.PATH ?? '',
          DATABASE_URL: databaseUrl,
          REDIS_URL: testEnv.redisUrl!,
          REDIS_KEY_PREFIX: redis.prefix,
          JWT_SECRET: 'e2e-shared-secret-of-at-least-32-characters',
          MARKET_DATA_PROVIDERS: 'finnhub',
          FINNHUB_API_KEY: upstream.apiKey,
          FINNHUB_BASE_URL: upstream.url,
          FINNHUB_WS_URL: trades.url,
          // The fake upstream has no budget to protect: 55 symbols' snapshots at once.
          FINNHUB_RATE_LIMIT: '1000/s',
        },
      });
    };
    // The first migrates; the second finds it done.
    replicas = [await start()];
    replicas.push(await start());
    apiKey = replicas[0].demoKey!;
  }, 90_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  afterAll(async () => {
    for (const replica of replicas) replica.child.kill('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.exited));
    await trades.close();
    await upstream.close();
    await redis.clear();
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const open = (replica: ServerProcess) => {
    const client = liveClient(replica.url, { apiKey });
    clients.push(client);
    return client;
  };

  it('delivers ticks produced on replica B to a subscriber on replica A, from one upstream subscription, and leaves none after the last client', async () => {
    const [a, b] = replicas;
    const onB = open(b).subscribe<LiveQuote>(QUOTES, { symbols: ['AAPL'] });
    await waitFor(() => trades.active().join() === 'AAPL', 10_000, 'B subscribed upstream');
    await waitFor(() => onB.events.length >= 1);
    const onA = open(a).subscribe<LiveQuote>(QUOTES, { symbols: ['AAPL'] });
    await waitFor(() => onA.events.length >= 1, 10_000, 'snapshot on A');
    // Still one upstream connection with one subscription for the whole cluster, held by B.
    expect(trades.connections.filter((c) => c.open)).toHaveLength(1);
    expect(await metric(b, 'yieldflow_stream_symbols_produced')).toBe(1);
    expect(await metric(a, 'yieldflow_stream_symbols_produced')).toBe(0);

    const price = Math.round(onA.events[0].price * 1.004 * 100) / 100;
    expect(trades.trade('AAPL', price)).toBe(1);
    await waitFor(() => onA.events.some((q) => q.price === price), 5_000, 'tick on A');
    expect(onA.events.find((q) => q.price === price)).toMatchObject({
      symbol: 'AAPL',
      source: 'finnhub',
    });
    await waitFor(() => onB.events.some((q) => q.price === price));

    onA.stop();
    onB.stop();
    // Interest lapses within 5 s; the producer then releases the symbol upstream.
    await waitFor(() => trades.active().length === 0, 15_000, 'upstream released');
    await waitFor(() => trades.connections.every((c) => !c.open), 5_000, 'upstream closed');
    expect(await metric(a, 'yieldflow_stream_symbols_produced')).toBe(0);
    expect(await metric(b, 'yieldflow_stream_symbols_produced')).toBe(0);
  });

  it("holds a key to its plan's connections and distinct symbols across both replicas", async () => {
    // The demo account moves itself down to BASIC: 3 connections, 50 symbols. Its seeded
    // key does not manage the account: one that does is written to the database.
    const manager = issueApiKeySecret('live');
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO api_keys (id, user_id, name, hash, prefix, last_four, scopes)
         SELECT gen_random_uuid(), id, 'manager', $1, $2, $3, $4 FROM users WHERE email = $5`,
        [manager.hash, manager.prefix, manager.lastFour, [...SCOPES], DEMO_EMAIL],
      );
    } finally {
      await db.end();
    }
    const moved = await gql(replicas[0].url, 'mutation { changePlan(plan: BASIC) { plan } }', {
      apiKey: manager.secret,
    });
    expect(moved.body.errors).toBeUndefined();
    const symbols = [...CORE_SYMBOLS];
    const first = open(replicas[0]).subscribe<LiveQuote>(QUOTES, { symbols: symbols.slice(0, 30) });
    await waitFor(
      () => new Set(first.events.map((q) => q.symbol)).size === 30,
      15_000,
      'thirty on A',
    );
    const second = open(replicas[1]).subscribe<LiveQuote>(QUOTES, {
      symbols: symbols.slice(30, 55),
    });
    await waitFor(() => second.errors.length > 0 || second.events.length > 0, 10_000);
    expect(second.errors[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      max: 50,
      subscribed: 30,
    });

    // Two sockets are open (one per replica); a third fits, a fourth is refused.
    const third = open(replicas[0]);
    await waitFor(() => third.acked() || third.closes.length > 0, 5_000, 'the third answered');
    expect(third.closes).toEqual([]);
    expect(third.acked()).toBe(true);
    const fourth = await new Promise<number>((resolve) => {
      const socket = new WebSocket(replicas[1].url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey } })),
      );
      socket.on('close', (code) => resolve(code));
    });
    expect(fourth).toBe(4429);
  });

  it('moves production to the surviving replica when the producer shuts down', async () => {
    const [a, b] = replicas;
    // A symbol no earlier test streamed, so that its producer is the first subscriber's replica.
    const symbol = CORE_SYMBOLS.at(-1)!;
    const onB = open(b).subscribe<LiveQuote>(QUOTES, { symbols: [symbol] });
    await waitFor(() => trades.active().join() === symbol, 10_000, 'B subscribed upstream');
    expect(await metric(b, 'yieldflow_stream_symbols_produced')).toBe(1);
    const onA = open(a).subscribe<LiveQuote>(QUOTES, { symbols: [symbol] });
    await waitFor(() => onA.events.length >= 1 && onB.events.length >= 1);

    const bClient = clients.at(-2)!;
    b.child.kill('SIGTERM');
    await b.exited;
    // Graceful shutdown: B's sockets closed with 1001, so that clients reconnect elsewhere.
    expect(bClient.closes).toContain(1001);
    await waitFor(
      () =>
        trades.connections.filter((c) => c.open).length === 1 && trades.active().join() === symbol,
      15_000,
      'A took the stream over',
    );
    expect(await metric(a, 'yieldflow_stream_symbols_produced')).toBe(1);
    const price = Math.round(onA.events[0].price * 0.997 * 100) / 100;
    expect(trades.trade(symbol, price)).toBe(1);
    await waitFor(() => onA.events.some((q) => q.price === price), 5_000, 'tick after failover');
  });
});
