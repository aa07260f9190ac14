import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { codes, gql } from '../helpers/graphql';
import { operationCode } from '../helpers/live-client';
import { startTestServer, type TestServer } from '../helpers/server';

/** What a caller sends: credentials (in headers or `connection_init`) and one operation. */
interface Call {
  apiKey?: string;
  authorization?: string;
  /** Headers of the HTTP request, or of the WebSocket upgrade. */
  headers?: Record<string, string>;
  query: string;
}

/** HTTP: the first error's code, or 'ok', and the message of that error. */
async function overHttp(url: string, call: Call): Promise<{ outcome: string; message?: string }> {
  const response = await gql(url, call.query, {
    apiKey: call.apiKey,
    headers: {
      ...(call.authorization ? { authorization: call.authorization } : {}),
      ...call.headers,
    },
  });
  const error = response.body.errors?.[0];
  return { outcome: String(codes(response)[0] ?? 'ok'), message: error?.message };
}

/**
 * graphql-ws, spoken by hand: credentials in `connection_init`; a refusal there closes
 * the socket 4403 with the code leading the reason, else the operation's first error
 * code (an `error` message, or errors in `next`), or 'ok'.
 */
function overWebSocket(url: string, call: Call): Promise<{ outcome: string; message?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      headers: call.headers,
    });
    const done = (result: { outcome: string; message?: string }) => {
      resolve(result);
      socket.close();
    };
    socket.on('open', () =>
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { apiKey: call.apiKey, authorization: call.authorization },
        }),
      ),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        type: string;
        payload?: unknown;
      };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: call.query } }));
      } else if (message.type === 'error') {
        const [first] = message.payload as Array<{
          message: string;
          extensions?: { code?: string };
        }>;
        done({ outcome: first.extensions?.code ?? 'no code', message: first.message });
      } else if (message.type === 'next') {
        const { errors } = message.payload as {
          errors?: Array<{ message: string; extensions?: { code?: string } }>;
        };
        done({ outcome: errors?.[0]?.extensions?.code ?? 'ok', message: errors?.[0]?.message });
      }
    });
    socket.on('close', (code, reason) => {
      const text = String(reason);
      resolve({ outcome: code === 4403 ? text.split(':')[0] : `closed ${code}`, message: text });
    });
    socket.on('error', reject);
  });
}

const TRANSPORTS = { HTTP: overHttp, WebSocket: overWebSocket };

describe('one admission for HTTP and WebSocket: the same table, the same outcomes', () => {
  let server: TestServer;
  let n = 0;

  /** A fresh account (limits are per account) and a key of it with `args`. */
  const keyOf = async (args = '') => {
    n += 1;
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      `mutation { register(email: "admission.${n}.${Date.now()}@example.com", password: "correct horse battery") { accessToken } }`,
    );
    const authorization = `Bearer ${registered.body.data!.register.accessToken}`;
    const created = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      server.url,
      `mutation { createApiKey(name: "table" ${args}) { secret apiKey { id } } }`,
      { headers: { authorization } },
    );
    expect(created.body.errors).toBeUndefined();
    return { ...created.body.data!.createApiKey, authorization };
  };

  beforeAll(async () => {
    server = await startTestServer({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-at-least-32-chars',
      // Every case registers its own account: room for them from one address.
      FIELD_RATE_LIMITS: JSON.stringify({
        register: { max: 1_000 },
        searchCompanies: { max: 2, windowSeconds: 60 },
      }),
    });
  });
  afterAll(() => server.close());

  // Each case builds its caller afresh per transport, so that nothing one spends (a
  // request, a field's limit) reaches the other's.
  const table: Array<[string, () => Promise<Call>, string]> = [
    [
      'a valid key',
      async () => ({ apiKey: (await keyOf()).secret, query: '{ me { email } }' }),
      'ok',
    ],
    ['no credentials', async () => ({ query: '{ me { email } }' }), 'UNAUTHENTICATED'],
    [
      'a malformed key',
      async () => ({ apiKey: 'yf_live_nope', query: '{ me { email } }' }),
      'UNAUTHENTICATED',
    ],
    [
      'a well-formed key nobody issued',
      async () => ({ apiKey: `yf_live_${'A'.repeat(40)}`, query: '{ me { email } }' }),
      'UNAUTHENTICATED',
    ],
    [
      'a revoked key',
      async () => {
        const key = await keyOf();
        await gql(server.url, `mutation { revokeApiKey(id: "${key.apiKey.id}") { id } }`, {
          headers: { authorization: key.authorization },
        });
        return { apiKey: key.secret, query: '{ me { email } }' };
      },
      'UNAUTHENTICATED',
    ],
    [
      'a malformed bearer token',
      async () => ({ authorization: 'Bearer not.a.token', query: '{ me { email } }' }),
      'UNAUTHENTICATED',
    ],
    [
      'a key used outside its allow-list',
      async () => ({
        apiKey: (await keyOf('allowedIps: ["198.51.100.0/24"]')).secret,
        query: '{ me { email } }',
      }),
      'FORBIDDEN',
    ],
    [
      'a key that signs, unsigned',
      async () => ({
        apiKey: (await keyOf('requireSignature: true')).secret,
        query: '{ me { email } }',
      }),
      'UNAUTHENTICATED',
    ],
    [
      'a market-only key reading portfolios',
      async () => ({
        apiKey: (await keyOf('scopes: ["read:market"]')).secret,
        query: '{ portfolios { id } }',
      }),
      'FORBIDDEN',
    ],
    [
      'an operation over the FREE plan’s cost',
      async () => ({
        apiKey: (await keyOf()).secret,
        query: `{ companies(symbols: [${Array.from({ length: 100 }, (_, i) => `"S${i}"`).join(',')}]) { quote { price } history(from: "2020-01-01", to: "2024-12-31") { close } } }`,
      }),
      'QUERY_TOO_COMPLEX',
    ],
    [
      'an argument out of its bounds',
      async () => ({
        apiKey: (await keyOf()).secret,
        query: '{ searchCompanies(query: "a", limit: 100000) { symbol } }',
      }),
      'BAD_USER_INPUT',
    ],
    [
      'introspection in production',
      async () => ({ apiKey: (await keyOf()).secret, query: '{ __schema { types { name } } }' }),
      'BAD_USER_INPUT',
    ],
    [
      'a field’s own limit (searchCompanies: 2 a minute here), the third call',
      async () => {
        const key = await keyOf();
        // Worded apart: an answer from the response cache runs nothing and spends only
        // the plan's limits.
        for (const words of [`co ${n}`, `ba ${n}`]) {
          await gql(server.url, `{ searchCompanies(query: "${words}") { symbol } }`, {
            apiKey: key.secret,
          });
        }
        return { apiKey: key.secret, query: `{ searchCompanies(query: "mi ${n}") { symbol } }` };
      },
      'RATE_LIMITED',
    ],
  ];

  for (const [name, makeCall, expected] of table) {
    it(`${name}: ${expected} over HTTP and over WebSocket`, async () => {
      for (const [transport, send] of Object.entries(TRANSPORTS)) {
        const { outcome } = await send(server.url, await makeCall());
        expect(`${transport}: ${outcome}`).toBe(`${transport}: ${expected}`);
      }
    });
  }

  it('hides "did you mean" hints in production, on both transports', async () => {
    const { secret } = await keyOf();
    for (const send of Object.values(TRANSPORTS)) {
      const { outcome, message } = await send(server.url, {
        apiKey: secret,
        query: '{ quote(symbol: "KO") { pric } }',
      });
      expect(outcome).toBe('BAD_USER_INPUT');
      expect(message).toContain('Cannot query field "pric"');
      expect(message).not.toMatch(/Did you mean/);
    }
  });

  it("spends one account's limits from all its keys and sessions, on both transports", async () => {
    const first = await keyOf();
    // A second key of the same account.
    const second = await gql<{ createApiKey: { secret: string } }>(
      server.url,
      'mutation { createApiKey(name: "second") { secret } }',
      { headers: { authorization: first.authorization } },
    );
    const other = second.body.data!.createApiKey.secret;
    // FREE: 60 a minute and a burst of 30 per account; two createApiKey calls spent two.
    // Half over HTTP with either key, half over one socket (FREE allows one connection).
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: other },
      retryAttempts: 0,
    });
    const overSocket = () => operationCode(client, '{ me { email } }');
    let outcomes: string[];
    try {
      outcomes = await Promise.all([
        ...Array.from({ length: 44 }, (_, i) =>
          overHttp(server.url, {
            apiKey: i % 2 === 0 ? first.secret : other,
            query: '{ me { email } }',
          }).then((r) => r.outcome),
        ),
        ...Array.from({ length: 44 }, overSocket),
      ]);
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(88);
      expect(await overSocket()).toBe('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
    for (const send of Object.values(TRANSPORTS)) {
      expect((await send(server.url, { apiKey: other, query: '{ me { email } }' })).outcome).toBe(
        'RATE_LIMITED',
      );
    }
    expect(
      (
        await overHttp(server.url, {
          authorization: first.authorization,
          query: '{ me { email } }',
        })
      ).outcome,
    ).toBe('RATE_LIMITED');
  });
});
