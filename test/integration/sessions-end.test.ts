import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gql } from '../helpers/graphql';
import { openSocket, operationCode } from '../helpers/live-client';
import { startTestServer, type TestServer } from '../helpers/server';
import { eventually } from '../helpers/wait';

describe('sessions that end everywhere: live sockets follow credential changes', () => {
  let server: TestServer;
  let n = 0;

  const account = async () => {
    n += 1;
    const registered = await gql<{ register: { accessToken: string; user: { id: string } } }>(
      server.url,
      `mutation { register(email: "ends.${n}.${Date.now()}@example.com", password: "correct horse battery") { accessToken user { id } } }`,
    );
    const { accessToken, user } = registered.body.data!.register;
    const headers = { authorization: `Bearer ${accessToken}` };
    const created = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      server.url,
      'mutation { createApiKey(name: "live") { secret apiKey { id } } }',
      { headers },
    );
    return { headers, userId: user.id, ...created.body.data!.createApiKey };
  };

  beforeAll(async () => {
    // Every socket re-validated each 300 ms here (a minute by default).
    server = await startTestServer({}, { websocket: { revalidateMs: 300 } });
  });
  afterAll(() => server.close());

  it('closes the old key’s sockets when a rotation’s grace ends, not before', async () => {
    const { headers, secret, apiKey } = await account();
    const live = await openSocket(server.url, { apiKey: secret });
    const started = performance.now();
    const rotated = await gql(
      server.url,
      `mutation { rotateApiKey(id: "${apiKey.id}", gracePeriodSeconds: 2) { secret } }`,
      { headers },
    );
    expect(rotated.body.errors).toBeUndefined();
    expect(await live.closed).toBe(4401);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_500);
    expect(elapsed).toBeLessThan(4_000);
  });

  it('closes a socket whose key was revoked without a message (missed), on re-validation', async () => {
    const { secret, apiKey } = await account();
    const live = await openSocket(server.url, { apiKey: secret });
    // Revoked in the database alone: no replica hears of it on the bus.
    await server.app.database.prisma.apiKey.update({
      where: { id: apiKey.id },
      data: { revokedAt: new Date() },
    });
    const started = performance.now();
    expect(await live.closed).toBe(4401);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('gives a live socket its account’s new plan when the plan changes', async () => {
    const { secret, userId } = await account();
    const admin = await account();
    await server.app.database.prisma.user.update({
      where: { id: admin.userId },
      data: { role: 'ADMIN' },
    });
    // 100 companies with their quotes and a year of history cost 700: over FREE's 500,
    // under BASIC's 2,000.
    const symbols = Array.from({ length: 100 }, (_, i) => `"S${i}"`).join(',');
    const heavy = `{ companies(symbols: [${symbols}]) { symbol quote { price } history(from: "2025-01-01", to: "2025-12-31") { close } } }`;
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: secret },
      retryAttempts: 0,
    });
    const codeOf = () => operationCode(client, heavy);
    try {
      expect(await codeOf()).toBe('QUERY_TOO_COMPLEX');
      const changed = await gql(
        server.url,
        `mutation { changePlan(plan: BASIC, userId: "${userId}") { plan } }`,
        { headers: admin.headers },
      );
      expect(changed.body.errors).toBeUndefined();
      // The change reaches the socket on the bus; re-validation would within 300 ms.
      const code = await eventually(
        codeOf,
        (c) => c !== 'QUERY_TOO_COMPLEX',
        3_000,
        'the new plan',
      );
      expect(code).toBe('ok');
    } finally {
      await client.dispose();
    }
  });
});
