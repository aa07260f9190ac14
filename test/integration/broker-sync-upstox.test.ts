import { randomBytes } from 'node:crypto';
import { openToken } from '../../src/domain/token-cipher';
import {
  startFakeUpstox,
  todayUtc,
  upstoxHolding,
  upstoxPosition,
  upstoxTrade,
} from '../fixtures/brokers/fake-upstox';
import { codes, gql, type GraphQLResponse } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

const CLIENT_ID = 'upstox-test-client';
const CLIENT_SECRET = 'upstox-test-secret';
const REDIRECT_URI = 'https://app.example.com/brokers/upstox/callback';
const KEY = randomBytes(32);

const CONNECTION =
  'id broker portfolioId status brokerUserId tokenExpiresAt lastSyncedAt lastError';
const CONNECT = `mutation($p: ID!) { connectBroker(broker: UPSTOX, portfolioId: $p) { loginUrl connection { ${CONNECTION} } } }`;
const COMPLETE = `mutation($s: String!, $t: String!) { completeBrokerConnection(broker: UPSTOX, state: $s, requestToken: $t) { ${CONNECTION} } }`;
const SYNC = `mutation($id: ID!) { syncBroker(id: $id) { imported alreadyImported skipped errors { message } differences { symbol brokerQuantity ledgerQuantity } connection { ${CONNECTION} } } }`;
const LEDGER = `query($id: ID!) { portfolio(id: $id) { transactions(first: 100) { totalCount nodes { type date symbol quantity price note } } } }`;

type Auth = { headers: Record<string, string> };
interface Connection {
  id: string;
  broker: string;
  status: string;
  brokerUserId: string | null;
  tokenExpiresAt: string | null;
  lastSyncedAt: string | null;
  lastError: string | null;
}

describe('broker sync: Upstox API v2', () => {
  let upstox: Awaited<ReturnType<typeof startFakeUpstox>>;
  let server: TestServer;
  let mine: Auth;
  let theirs: Auth;

  const signUp = async (email: string): Promise<Auth> => {
    const response = await gql<{ register: { accessToken: string } }>(
      server.url,
      'mutation($e: String!) { register(email: $e, password: "correct horse battery") { accessToken } }',
      { variables: { e: email } },
    );
    return { headers: { authorization: `Bearer ${response.body.data!.register.accessToken}` } };
  };
  const createPortfolio = async (auth: Auth) => {
    const r = await gql<{ createPortfolio: { id: string } }>(
      server.url,
      'mutation { createPortfolio(name: "Upstox") { id } }',
      auth,
    );
    return r.body.data!.createPortfolio.id;
  };
  const connect = async (auth: Auth, portfolioId: string) => {
    const r = await gql<{ connectBroker: { loginUrl: string; connection: Connection } }>(
      server.url,
      CONNECT,
      { ...auth, variables: { p: portfolioId } },
    );
    expect(r.body.errors).toBeUndefined();
    const { loginUrl, connection } = r.body.data!.connectBroker;
    const url = new URL(loginUrl);
    return { url, state: url.searchParams.get('state')!, connection };
  };
  const complete = (auth: Auth, state: string, code: string) =>
    gql<{ completeBrokerConnection: Connection }>(server.url, COMPLETE, {
      ...auth,
      variables: { s: state, t: code },
    });
  const sync = (auth: Auth, id: string) =>
    gql<{
      syncBroker: {
        imported: number;
        alreadyImported: number;
        skipped: number;
        errors: Array<{ message: string }>;
        differences: Array<{ symbol: string; brokerQuantity: string; ledgerQuantity: string }>;
        connection: Connection;
      };
    }>(server.url, SYNC, { ...auth, variables: { id } });
  const ledger = async (auth: Auth, id: string) => {
    const r = await gql<{
      portfolio: {
        transactions: {
          totalCount: number;
          nodes: Array<Record<string, string | null>>;
        };
      };
    }>(server.url, LEDGER, { ...auth, variables: { id } });
    expect(r.body.errors).toBeUndefined();
    return r.body.data!.portfolio.transactions;
  };
  const connected = async (auth: Auth) => {
    const portfolioId = await createPortfolio(auth);
    const { state, connection } = await connect(auth, portfolioId);
    const done = await complete(auth, state, upstox.issueCode());
    expect(done.body.errors).toBeUndefined();
    return { portfolioId, id: connection.id };
  };
  const row = (id: string) =>
    server.app.database.prisma.brokerConnection.findUniqueOrThrow({ where: { id } });
  const reason = (r: GraphQLResponse) => r.body.errors?.[0]?.extensions?.reason;

  beforeAll(async () => {
    upstox = await startFakeUpstox(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI);
    server = await startTestServer({
      UPSTOX_CLIENT_ID: CLIENT_ID,
      UPSTOX_CLIENT_SECRET: CLIENT_SECRET,
      UPSTOX_REDIRECT_URI: REDIRECT_URI,
      UPSTOX_BASE_URL: upstox.url,
      BROKER_TOKEN_KEY: KEY.toString('base64'),
      PROVIDER_TIMEOUT_MS: '1000',
      FIELD_RATE_LIMITS: JSON.stringify({ syncBroker: { max: 1_000 } }),
    });
    mine = await signUp(`upstox.${Date.now()}@example.com`);
    theirs = await signUp(`upstox2.${Date.now()}@example.com`);
  });
  afterAll(async () => {
    await server.close();
    await upstox.close();
  });
  beforeEach(() => {
    Object.assign(upstox.state, {
      holdings: [],
      positions: [],
      trades: [],
      expired: false,
      fault: 'none',
      tokenFault: 'none',
      clientSecret: CLIENT_SECRET,
    });
  });

  it('connects, syncs holdings and trades into the ledger once, and asks to reconnect when the token expires', async () => {
    const portfolioId = await createPortfolio(mine);
    const { url, state, connection } = await connect(mine, portfolioId);
    expect(`${url.origin}${url.pathname}`).toBe(
      'https://api.upstox.com/v2/login/authorization/dialog',
    );
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(state).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(connection).toMatchObject({ broker: 'UPSTOX', status: 'PENDING', brokerUserId: null });

    const done = await complete(mine, state, upstox.issueCode());
    expect(done.body.errors).toBeUndefined();
    const linked = done.body.data!.completeBrokerConnection;
    expect(linked).toMatchObject({
      id: connection.id,
      status: 'CONNECTED',
      brokerUserId: 'UP1234',
    });
    // Upstox's tokens die at the next 03:30 IST (22:00 UTC).
    const expiry = new Date(linked.tokenExpiresAt!);
    expect(expiry.toISOString().slice(11, 19)).toBe('22:00:00');
    expect(expiry.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(expiry.getTime()).toBeGreaterThan(Date.now());
    const exchange = upstox.seen.find((r) => r.path === '/v2/login/authorization/token')!;
    expect(exchange.method).toBe('POST');
    expect(exchange.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(exchange.headers.accept).toBe('application/json');
    const form = new URLSearchParams(exchange.body);
    expect(Object.fromEntries(form)).toEqual({
      code: expect.any(String),
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uri: REDIRECT_URI,
      grant_type: 'authorization_code',
    });

    upstox.state.holdings = [
      upstoxHolding('INFY', 10, 1450.5),
      upstoxHolding('TCS', 5, 3800, 'NSE', 2),
    ];
    upstox.state.positions = [
      upstoxPosition('INFY', 5, 0),
      upstoxPosition('TCS', 0, 3),
      upstoxPosition('RELIANCE', 2, 2),
    ];
    upstox.state.trades = [
      upstoxTrade('T4', 'SELL', 'RELIANCE', 2, 2910, '14:00:00'),
      upstoxTrade('T1', 'BUY', 'INFY', 5, 1500.25, '09:20:00'),
      upstoxTrade('T2', 'SELL', 'TCS', 3, 3900, '10:00:00'),
      upstoxTrade('T3', 'BUY', 'RELIANCE-EQ', 2, 2900, '11:00:00'),
      upstoxTrade('T5', 'BUY', 'NIFTY24MAYFUT', 50, 22500, '12:00:00', 'NFO'),
    ];
    const first = await sync(mine, connection.id);
    expect(first.body.errors).toBeUndefined();
    const result = first.body.data!.syncBroker;
    expect(result).toMatchObject({ imported: 6, alreadyImported: 0, skipped: 1, differences: [] });
    expect(result.errors[0].message).toMatch(/NFO:NIFTY24MAYFUT not synced/);
    expect(result.connection.lastSyncedAt).not.toBeNull();

    const today = todayUtc();
    const entries = await ledger(mine, portfolioId);
    expect(entries.totalCount).toBe(6);
    const shown = entries.nodes.map(({ type, date, symbol, quantity, price }) => ({
      type,
      date,
      symbol,
      quantity,
      price,
    }));
    expect(shown).toEqual(
      expect.arrayContaining([
        { type: 'BUY', date: today, symbol: 'INFY', quantity: '10', price: '1450.5' },
        { type: 'BUY', date: today, symbol: 'TCS', quantity: '7', price: '3800' },
        { type: 'BUY', date: today, symbol: 'INFY', quantity: '5', price: '1500.25' },
        { type: 'SELL', date: today, symbol: 'TCS', quantity: '3', price: '3900' },
        { type: 'BUY', date: today, symbol: 'RELIANCE', quantity: '2', price: '2900' },
        { type: 'SELL', date: today, symbol: 'RELIANCE', quantity: '2', price: '2910' },
      ]),
    );
    expect(entries.nodes.map((n) => n.note)).toEqual(
      expect.arrayContaining([
        'upstox trade T1 (order ord-T1)',
        'upstox holdings on the first sync',
      ]),
    );
    const dataCalls = upstox.seen.filter((r) => r.path !== '/v2/login/authorization/token');
    expect(dataCalls.map((r) => r.path).sort()).toEqual([
      '/v2/order/trades/get-trades-for-day',
      '/v2/portfolio/long-term-holdings',
      '/v2/portfolio/short-term-positions',
    ]);
    for (const call of dataCalls) {
      expect(call.method).toBe('GET');
      expect(call.headers.accept).toBe('application/json');
      expect(call.headers.authorization).toMatch(/^Bearer [A-Za-z0-9_-]{32}$/);
    }

    // Again: the same trades are not written twice, the holdings are not bought again.
    const again = await sync(mine, connection.id);
    expect(again.body.data!.syncBroker).toMatchObject({ imported: 0, alreadyImported: 4 });
    expect((await ledger(mine, portfolioId)).totalCount).toBe(6);

    // A new fill later in the day is the only thing written.
    upstox.state.trades.push(upstoxTrade('T6', 'BUY', 'HDFCBANK', 4, 1510, '15:00:00'));
    const later = await sync(mine, connection.id);
    expect(later.body.data!.syncBroker).toMatchObject({ imported: 1, alreadyImported: 4 });
    expect(later.body.data!.syncBroker.differences).toEqual([]);

    // The token is stored sealed: never in clear, opened only with the key and this row.
    const accessToken = dataCalls[0].headers.authorization!.slice('Bearer '.length);
    const stored = await row(connection.id);
    expect(stored.tokenCiphertext).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(accessToken);
    expect(openToken(stored.tokenCiphertext!, KEY, connection.id)).toBe(accessToken);
    expect(server.logs.some((line) => JSON.stringify(line).includes(accessToken))).toBe(false);
    expect(server.logs.some((line) => JSON.stringify(line).includes(CLIENT_SECRET))).toBe(false);

    // 03:30 IST: Upstox refuses the token (401 UDAPI100050). The connection asks for a new sign-in.
    upstox.state.expired = true;
    const expired = await sync(mine, connection.id);
    expect(codes(expired)).toEqual(['BAD_USER_INPUT']);
    expect(reason(expired)).toBe('RECONNECT_REQUIRED');
    expect(expired.body.errors![0].message).toMatch(/UDAPI100050.*sign in to Upstox again/);
    const listed = await gql<{ brokerConnections: Connection[] }>(
      server.url,
      `query { brokerConnections { ${CONNECTION} } }`,
      mine,
    );
    expect(listed.body.data!.brokerConnections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: connection.id,
          status: 'RECONNECT',
          lastError: expect.stringMatching(/again/),
        }),
      ]),
    );
    expect((await row(connection.id)).tokenCiphertext).toBeNull();
    const calls = upstox.seen.length;
    const still = await sync(mine, connection.id);
    expect(reason(still)).toBe('RECONNECT_REQUIRED');
    expect(upstox.seen.length).toBe(calls);

    // Signing in again revives the same connection; nothing is imported twice.
    upstox.state.expired = false;
    const again2 = await connect(mine, portfolioId);
    expect(again2.connection.id).toBe(connection.id);
    const revived = await complete(mine, again2.state, upstox.issueCode());
    expect(revived.body.data!.completeBrokerConnection).toMatchObject({
      status: 'CONNECTED',
      lastError: null,
    });
    const resumed = await sync(mine, connection.id);
    expect(resumed.body.data!.syncBroker).toMatchObject({ imported: 0, alreadyImported: 5 });
    expect((await ledger(mine, portfolioId)).totalCount).toBe(7);
  });

  it('imports only the part of a holding the ledger lacks, and reports differences', async () => {
    const portfolioId = await createPortfolio(mine);
    const added = await gql(
      server.url,
      `mutation($p: ID!) { addTransaction(portfolioId: $p, input: { type: BUY, date: "2024-01-02", symbol: "INFY", quantity: 4, price: 1400 }) { id } }`,
      { ...mine, variables: { p: portfolioId } },
    );
    expect(added.body.errors).toBeUndefined();
    const { state, connection } = await connect(mine, portfolioId);
    await complete(mine, state, upstox.issueCode());
    upstox.state.holdings = [upstoxHolding('INFY', 10, 1450), upstoxHolding('TCS', 1, 3000, 'BSE')];
    const first = await sync(mine, connection.id);
    expect(first.body.data!.syncBroker).toMatchObject({ imported: 2, differences: [] });
    const nodes = (await ledger(mine, portfolioId)).nodes;
    expect(
      nodes
        .filter((n) => n.symbol === 'INFY')
        .map((n) => n.quantity)
        .sort(),
    ).toEqual(['4', '6']);
    upstox.state.holdings[1].quantity = 0;
    const second = await sync(mine, connection.id);
    expect(second.body.data!.syncBroker).toMatchObject({
      imported: 0,
      differences: [{ symbol: 'TCS', brokerQuantity: '0', ledgerQuantity: '1' }],
    });
  });

  it('refuses an unknown, reused or expired state, a wrong code and a refused secret', async () => {
    const portfolioId = await createPortfolio(mine);
    const unknown = await complete(mine, 'no-such-state', upstox.issueCode());
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.body.data).toBeNull();

    // Upstox refuses the app's credentials (the secrets differ): a clear BAD_USER_INPUT.
    const { state, connection } = await connect(mine, portfolioId);
    upstox.state.clientSecret = 'another-secret';
    const refused = await complete(mine, state, upstox.issueCode());
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.body.errors![0].message).toMatch(
      /Upstox refused the session .*Invalid Credentials/,
    );
    expect(refused.body.errors![0].message).not.toContain(CLIENT_SECRET);
    expect((await row(connection.id)).status).toBe('PENDING');
    // The state was spent by that attempt.
    upstox.state.clientSecret = CLIENT_SECRET;
    const reused = await complete(mine, state, upstox.issueCode());
    expect(codes(reused)).toEqual(['BAD_USER_INPUT']);
    expect(reused.body.errors![0].message).toMatch(/unknown, expired or already used/);

    // A wrong (made-up or used) code is refused by Upstox.
    const fresh = await connect(mine, portfolioId);
    const wrong = await complete(mine, fresh.state, 'made-up-code');
    expect(codes(wrong)).toEqual(['BAD_USER_INPUT']);
    expect(wrong.body.errors![0].message).toMatch(/Upstox refused the request .*UDAPI100057/);
    expect((await row(connection.id)).status).toBe('PENDING');

    const late = await connect(mine, portfolioId);
    await server.app.database.prisma.brokerConnection.update({
      where: { id: connection.id },
      data: { stateExpiresAt: new Date(Date.now() - 1_000) },
    });
    const expired = await complete(mine, late.state, upstox.issueCode());
    expect(codes(expired)).toEqual(['BAD_USER_INPUT']);
    const syncPending = await sync(mine, connection.id);
    expect(codes(syncPending)).toEqual(['BAD_USER_INPUT']);
  });

  it.each(['500', 'slow'] as const)(
    'answers UPSTREAM_UNAVAILABLE when Upstox fails the token exchange (%s)',
    async (fault) => {
      const portfolioId = await createPortfolio(mine);
      const { state, connection } = await connect(mine, portfolioId);
      upstox.state.tokenFault = fault;
      const r = await complete(mine, state, upstox.issueCode());
      expect(codes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(r.body.errors![0].message).not.toContain(upstox.url);
      expect(await row(connection.id)).toMatchObject({ status: 'PENDING', tokenCiphertext: null });
    },
  );

  it('offers only the configured brokers', async () => {
    const portfolioId = await createPortfolio(mine);
    const kite = await gql(
      server.url,
      'mutation($p: ID!) { connectBroker(broker: KITE, portfolioId: $p) { loginUrl } }',
      { ...mine, variables: { p: portfolioId } },
    );
    expect(codes(kite)).toEqual(['BAD_USER_INPUT']);
    expect(kite.body.errors![0].message).toMatch(/Zerodha \(Kite\) is not configured/);
  });

  it("keeps connections to their owner: someone else's id is NOT_FOUND", async () => {
    const { portfolioId, id } = await connected(mine);
    for (const query of [SYNC, 'mutation($id: ID!) { disconnectBroker(id: $id) }']) {
      const r = await gql(server.url, query, { ...theirs, variables: { id } });
      expect(codes(r)).toEqual(['NOT_FOUND']);
    }
    const notMine = await gql(server.url, CONNECT, { ...theirs, variables: { p: portfolioId } });
    expect(codes(notMine)).toEqual(['NOT_FOUND']);
    const listed = await gql<{ brokerConnections: unknown[] }>(
      server.url,
      'query { brokerConnections { id } }',
      theirs,
    );
    expect(listed.body.data!.brokerConnections).toEqual([]);
    const { state } = await connect(mine, portfolioId);
    expect(codes(await complete(theirs, state, upstox.issueCode()))).toEqual(['BAD_USER_INPUT']);
    expect((await complete(mine, state, upstox.issueCode())).body.errors).toBeUndefined();
  });

  it('disconnects: the token is wiped and syncing stops', async () => {
    const { id } = await connected(mine);
    const r = await gql<{ disconnectBroker: boolean }>(
      server.url,
      'mutation($id: ID!) { disconnectBroker(id: $id) }',
      { ...mine, variables: { id } },
    );
    expect(r.body.data!.disconnectBroker).toBe(true);
    expect(await row(id)).toMatchObject({
      status: 'DISCONNECTED',
      tokenCiphertext: null,
      tokenExpiresAt: null,
    });
    const calls = upstox.seen.length;
    expect(codes(await sync(mine, id))).toEqual(['BAD_USER_INPUT']);
    expect(upstox.seen.length).toBe(calls);
  });

  it.each(['500', 'garbage', 'bad-shape', 'slow'] as const)(
    'answers UPSTREAM_UNAVAILABLE and writes nothing when Upstox fails (%s)',
    async (fault) => {
      const { portfolioId, id } = await connected(mine);
      upstox.state.holdings = [upstoxHolding('INFY', 1, 1)];
      upstox.state.fault = fault;
      const r = await sync(mine, id);
      expect(codes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(r.body.errors![0].message).toMatch(/^Upstox /);
      expect(r.body.errors![0].message).not.toContain(upstox.url);
      expect((await ledger(mine, portfolioId)).totalCount).toBe(0);
      expect(await row(id)).toMatchObject({ status: 'CONNECTED', holdingsImportedAt: null });
      upstox.state.fault = 'none';
      expect((await sync(mine, id)).body.data!.syncBroker.imported).toBe(1);
    },
  );
});
