import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { signJwt } from '../../src/services/jwt';
import { MAX_OPERATIONS_PER_SOCKET } from '../../src/server/ws/connection';
import { gql } from '../helpers/graphql';
import { liveClient } from '../helpers/live-client';
import { waitFor } from '../helpers/wait';
import { startTestServer, type TestServer } from '../helpers/server';

function wsUrl(server: TestServer): string {
  return server.url.replace(/^http/, 'ws');
}

/** Opens a raw socket and resolves with the close code the server sends. */
function closeCodeOf(url: string, send?: (socket: WebSocket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () => send?.(socket));
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

function query<T>(client: Client, source: string): Promise<{ data?: T; errors?: unknown[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: T; errors?: unknown[] } = {};
    client.subscribe<T>(
      { query: source },
      {
        next: (value) => (result = value as typeof result),
        error: reject,
        complete: () => resolve(result),
      },
    );
  });
}

describe('GraphQL over WebSocket (graphql-ws) on /graphql', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('runs an operation for a connection authenticated with an API key', async () => {
    const client = createClient({
      url: wsUrl(server),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: server.app.demo!.apiKey },
      retryAttempts: 0,
    });
    try {
      const result = await query<{ me: { email: string } }>(client, '{ me { email } }');
      expect(result.data?.me.email).toBe('demo@yieldflow.local');
    } finally {
      await client.dispose();
    }
  });

  it('answers quotes, and refuses an operation over the plan cost with QUERY_TOO_COMPLEX', async () => {
    const client = createClient({
      url: wsUrl(server),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: server.app.demo!.apiKey },
      retryAttempts: 0,
    });
    try {
      const result = await query<{ quote: { symbol: string } }>(
        client,
        '{ quote(symbol: "ko") { symbol } }',
      );
      expect(result.data?.quote.symbol).toBe('KO');
      const symbols = JSON.stringify(Array.from({ length: 100 }, (_, i) => `S${i}`));
      const heavy = [1, 2, 3]
        .map(
          (i) =>
            `c${i}: companies(symbols: ${symbols}) { metrics { beta } history { close } financials { revenue } quote { price } }`,
        )
        .join(' ');
      const refused = await query(client, `{ ${heavy} }`).catch((errors: unknown) => ({ errors }));
      expect(JSON.stringify(refused.errors)).toContain('QUERY_TOO_COMPLEX');
    } finally {
      await client.dispose();
    }
  });

  it("meters socket operations and holds them to the account's rate limit and burst, like HTTP", async () => {
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      `mutation { register(email: "ws.${Date.now()}@example.com", password: "correct horse battery") { accessToken } }`,
    );
    const auth = {
      headers: { authorization: `Bearer ${registered.body.data!.register.accessToken}` },
    };
    const key = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      server.url,
      'mutation { createApiKey(name: "socket") { secret apiKey { id } } }',
      auth,
    );
    const { secret, apiKey } = key.body.data!.createApiKey;
    const client = createClient({
      url: wsUrl(server),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: secret },
      retryAttempts: 0,
    });
    try {
      // FREE: 60 a minute and a burst of 30, for the whole account: createApiKey (with
      // the session) spent one, so 89 of 90 socket operations run.
      const outcomes = await Promise.all(
        Array.from({ length: 90 }, () =>
          query(client, 'query SocketQuote { quote(symbol: "KO") { symbol } }').then(
            () => 'ok',
            (errors: unknown) => JSON.stringify(errors),
          ),
        ),
      );
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(89);
      expect(outcomes.find((o) => o !== 'ok')).toContain('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
    // The account has nothing left this minute (a usage query would be refused too):
    // the metered rows are read where they are kept.
    await server.app.services.usageRecorder.flush();
    const rows = await server.app.database.prisma.usageRecord.findMany({
      where: { apiKeyId: apiKey.id },
    });
    const byStatus: Record<string, number> = {};
    for (const row of rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + row.requests;
    expect(byStatus).toEqual({ OK: 89, RATE_LIMITED: 1 });
  });

  it('closes a socket with 4401 when its key is revoked or its access token expires', async () => {
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      `mutation { register(email: "close.${Date.now()}@example.com", password: "correct horse battery") { accessToken } }`,
    );
    const token = registered.body.data!.register.accessToken;
    const key = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      server.url,
      'mutation { createApiKey(name: "socket") { secret apiKey { id } } }',
      { headers: { authorization: `Bearer ${token}` } },
    );
    const { secret, apiKey } = key.body.data!.createApiKey;
    const openSocket = (payload: Record<string, string>) =>
      new Promise<{ closed: Promise<number> }>((resolve, reject) => {
        const socket = new WebSocket(wsUrl(server), 'graphql-transport-ws');
        const closed = new Promise<number>((done) => socket.on('close', (code) => done(code)));
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
        socket.on('message', (data) => {
          if (JSON.parse(String(data)).type === 'connection_ack') resolve({ closed });
        });
        socket.on('error', reject);
      });
    const byKey = await openSocket({ apiKey: secret });
    const started = Date.now();
    await gql(server.url, `mutation { revokeApiKey(id: "${apiKey.id}") { id } }`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await byKey.closed).toBe(4401);
    expect(Date.now() - started).toBeLessThan(1_000);

    // An access token that expires in a second.
    const [, claims] = token.split('.');
    const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString());
    const secretKey = (await readFile(path.join(server.dataDir, 'jwt-secret'), 'utf8')).trim();
    const now = Math.floor(Date.now() / 1000);
    const shortLived = signJwt({ ...decoded, iat: now, exp: now + 1 }, secretKey);
    const bySession = await openSocket({ authorization: `Bearer ${shortLived}` });
    expect(await bySession.closed).toBe(4401);
  });

  it("holds a FREE key to its plan's one connection (4429) and 10 symbols per subscription", async () => {
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      `mutation { register(email: "conn.${Date.now()}@example.com", password: "correct horse battery") { accessToken } }`,
    );
    const key = await gql<{ createApiKey: { secret: string } }>(
      server.url,
      'mutation { createApiKey(name: "one socket") { secret } }',
      { headers: { authorization: `Bearer ${registered.body.data!.register.accessToken}` } },
    );
    const secret = key.body.data!.createApiKey.secret;
    const connect = () =>
      new Promise<{ socket: WebSocket; acked: boolean; code?: number }>((resolve) => {
        const socket = new WebSocket(wsUrl(server), 'graphql-transport-ws');
        socket.on('open', () =>
          socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: secret } })),
        );
        socket.on('message', (data) => {
          if (JSON.parse(String(data)).type === 'connection_ack') resolve({ socket, acked: true });
        });
        socket.on('close', (code) => resolve({ socket, acked: false, code }));
      });
    const first = await connect();
    expect(first.acked).toBe(true);
    const second = await connect();
    expect(second).toMatchObject({ acked: false, code: 4429 });
    // The slot frees when the server sees the close (its side of the socket is gone).
    const closedOnServer = async (socket: WebSocket) => {
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.close();
      await closed;
      await waitFor(() => server.app.websocket.size === 0, 5_000, 'the server to see the close');
    };
    await closedOnServer(first.socket);
    const third = await connect();
    expect(third.acked).toBe(true);
    await closedOnServer(third.socket);

    const client = createClient({
      url: wsUrl(server),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: secret },
      retryAttempts: 0,
    });
    try {
      const eleven = JSON.stringify([
        'AAPL',
        'MSFT',
        'KO',
        'PEP',
        'JNJ',
        'PG',
        'V',
        'MA',
        'HD',
        'WMT',
        'DIS',
      ]);
      const outcome = await new Promise<string>((resolve) => {
        client.subscribe(
          { query: `subscription { quotes(symbols: ${eleven}) { symbol } }` },
          {
            next: (event) => resolve(JSON.stringify(event)),
            error: (e) => resolve(JSON.stringify(e)),
            complete: () => resolve('complete'),
          },
        );
      });
      expect(outcome).toContain('BAD_USER_INPUT');
    } finally {
      await client.dispose();
    }
  });

  it.each([
    ['no credentials', {}],
    ['a bad key', { apiKey: `yf_live_${'B'.repeat(40)}` }],
    ['a malformed key', { apiKey: 'nope' }],
  ])('closes with 4403 on %s', async (_label, payload) => {
    const code = await closeCodeOf(wsUrl(server), (socket) =>
      socket.send(JSON.stringify({ type: 'connection_init', payload })),
    );
    expect(code).toBe(4403);
  });

  it('refuses operations past the per-socket cap with QUERY_TOO_COMPLEX, keeping the socket', async () => {
    const live = liveClient(server.url, { apiKey: server.app.demo!.apiKey });
    const QUOTE = 'subscription { quotes(symbols: ["KO"]) { symbol } }';
    try {
      const open = Array.from({ length: MAX_OPERATIONS_PER_SOCKET }, () =>
        live.subscribe<{ symbol: string }>(QUOTE),
      );
      await waitFor(() => open.every((s) => s.events.length > 0), 10_000, 'every snapshot');
      const refused = live.subscribe(QUOTE);
      await waitFor(() => refused.errors.length > 0, 5_000, 'the refusal');
      expect(refused.errors[0].extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        max: MAX_OPERATIONS_PER_SOCKET,
      });
      expect(open.every((s) => s.errors.length === 0)).toBe(true);
      // One ends: there is room again on the same socket.
      open[0].stop();
      const next = live.subscribe<{ symbol: string }>(QUOTE);
      await waitFor(() => next.events.length > 0 || next.errors.length > 0, 5_000, 'an answer');
      expect(next.errors).toEqual([]);
      expect(live.closes).toEqual([]);
    } finally {
      await live.dispose();
    }
  });

  it('closes with 4408 when no connection_init arrives within 3 s', async () => {
    const started = Date.now();
    expect(await closeCodeOf(wsUrl(server))).toBe(4408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
  });

  it('closes a message over 64 KB with 1009', async () => {
    const code = await closeCodeOf(wsUrl(server), (socket) =>
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(70_000) } }),
      ),
    );
    expect(code).toBe(1009);
  });
});

describe('shutdown and WebSockets', () => {
  it('closes open sockets with 1001 so that clients reconnect elsewhere', async () => {
    const server = await startTestServer();
    const socket = new WebSocket(wsUrl(server), 'graphql-transport-ws');
    const acked = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') resolve();
      }),
    );
    socket.on('open', () =>
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { apiKey: server.app.demo!.apiKey } }),
      ),
    );
    await acked;
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await server.close();
    expect(await closed).toBe(1001);
  });
});
